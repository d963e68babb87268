"""Hostile stream entries for the fuzz suite: broken envelopes and payloads with one field made
wrong (missing, of the wrong type, out of range, too long, unknown, or an impossible time)."""

from __future__ import annotations

import json
import uuid

from hypothesis import strategies as st

from bench.intake_world import G1, G1_POINT, now_iso, report_data
from dashboard.contract import schema

# Ids and keys must be new: hypothesis repeats its draws, and a repeated id or key is a redelivery
# the persister rightly treats as done, not a hostile entry.
FRESH = st.builds(uuid.uuid4)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
BAD_TIME = st.sampled_from(["yesterday", "2026-13-45T00:00:00+00:00", "2026-01-01T08:00:00", "", "0",
                            "9999-99-99", "2026-02-30T00:00:00Z"])
TOO_LONG = st.text(alphabet="x界", min_size=200, max_size=300)
NUL = st.text(max_size=5).map(lambda t: t + "\x00")  # PostgreSQL text cannot hold it
JSON_NOT_OBJECT = st.one_of(st.none(), st.integers(), st.text(max_size=20),
                            st.lists(st.integers(), max_size=3))
BAD_UNITS = st.one_of(st.just(None), st.just([]), st.just("putian"), st.lists(JUNK.filter(
    lambda v: not isinstance(v, str)), min_size=1, max_size=3))


def position(staff: str = "S0001", ts: str | None = None) -> dict:
    """One position of a positions entry as the API writes it."""
    return {"staff": staff, "ts": ts or now_iso(), "lat": G1_POINT[0], "lon": G1_POINT[1], "grid": G1,
            "role": "patrol", "units": ["putian", "licheng", "licheng-zhenhai",
                                        "licheng-zhenhai-changshou", G1]}


def transition_data(incident_id: str, version: int = 2) -> dict:
    """An incident.transition payload (dispatch) as the API builds it."""
    return {"incident": incident_id, "action": "dispatch", "from": "reported", "to": "dispatched",
            "at": now_iso(), "actor": "fuzz", "department": "market", "note": "",
            "key": f"{incident_id}:v{version}", "version": version,
            "units": report_data(incident_id)["units"]}


# What each field of a payload may be made into; each value is wrong for that field.
REPORT_FIELDS = {
    "id": st.one_of(st.none(), TOO_LONG, st.integers(), st.lists(st.text(max_size=3), max_size=2)),
    "reported_at": st.one_of(st.none(), BAD_TIME, st.integers()),
    "lat": st.one_of(st.none(), st.text(min_size=1, max_size=10), st.sampled_from([91.0, -1e308, 1e308]),
                     st.lists(st.floats(), max_size=2)),
    "lon": st.one_of(st.none(), st.text(min_size=1, max_size=10), st.sampled_from([181.0, -200.0])),
    "grid_code": st.one_of(st.none(), st.just("nowhere-g99"), TOO_LONG, st.integers(), NUL),
    "description": st.one_of(NUL, st.integers(), st.lists(st.text(max_size=3), max_size=2)),
    "business_item_code": st.one_of(st.none(), st.just("X99"), st.integers()),
    "source": st.one_of(st.none(), st.just("rumour"), st.integers(), TOO_LONG),
    "severity": st.one_of(st.none(), st.sampled_from([0, 5, 99, -3, 2**40]), st.text(max_size=5),
                          st.floats(min_value=1.1, max_value=3.9)),
    "state": st.one_of(st.none(), st.just("exploded"), st.integers()),
    "stage_started_at": st.one_of(st.none(), BAD_TIME),
    "updated_at": st.one_of(st.none(), BAD_TIME),
}
TRANSITION_FIELDS = {
    "incident": st.one_of(st.none(), st.just("never-reported"), st.integers(), TOO_LONG),
    "action": st.one_of(st.none(), st.just("explode"), st.integers()),
    "from": st.one_of(st.none(), st.just("nowhere"), st.integers()),
    "to": st.one_of(st.none(), st.just("nowhere"), st.integers()),
    "at": st.one_of(st.none(), BAD_TIME, st.integers()),
    "key": st.one_of(st.none(), st.integers(), TOO_LONG),
    "note": st.one_of(NUL, st.integers()),
    "version": st.one_of(st.none(), st.text(min_size=1, max_size=4), st.just(-1)),
}
POSITION_FIELDS = {
    "staff": st.one_of(st.none(), st.integers(), TOO_LONG, NUL),
    "ts": st.one_of(st.none(), BAD_TIME, st.integers()),
    "lat": st.one_of(st.none(), st.text(min_size=1, max_size=10), st.sampled_from([91.0, 1e308])),
    "lon": st.one_of(st.none(), st.text(min_size=1, max_size=10), st.sampled_from([-181.0])),
    "grid": st.one_of(st.integers(), TOO_LONG),
}


OPTIONAL = {"grid", "note"}  # a position without a grid is placed by its staff's; no note is ""


def _mutated(payload: dict, fields: dict) -> st.SearchStrategy[dict]:
    """The payload with one field removed or made wrong."""
    def apply(choice):
        name, value, drop = choice
        data = dict(payload)
        if drop and name not in OPTIONAL:
            data.pop(name, None)
        else:
            data[name] = value
        return data
    return st.sampled_from(sorted(fields)).flatmap(
        lambda name: st.tuples(st.just(name), fields[name], st.booleans()).map(apply))


@st.composite
def hostile_payload(draw, stream: str, incident: str) -> tuple[str, dict]:
    """A type and a payload with one wrong field; steps are aimed at a stored ``incident``."""
    if stream == schema.POSITIONS:
        batch = [position(ts=now_iso()) for _ in range(draw(st.integers(0, 2)))]
        bad = draw(_mutated(position(staff="S0002"), POSITION_FIELDS))
        batch.insert(draw(st.integers(0, len(batch))), bad)
        positions = draw(st.one_of(st.just(batch), JUNK.filter(lambda v: not isinstance(v, list))))
        return schema.T_POSITIONS, {"positions": positions, "units": ["putian"]}
    if draw(st.booleans()):
        return schema.T_REPORTED, draw(_mutated(report_data(str(draw(FRESH))), REPORT_FIELDS))
    step = transition_data(incident)
    step["key"] = f"{incident}:{draw(FRESH).hex[:8]}"  # a fresh key: only the wrong field is wrong
    return schema.T_TRANSITION, draw(_mutated(step, TRANSITION_FIELDS))


@st.composite
def hostile_entry(draw, stream: str, incident: str) -> dict:
    """Entry fields that no consumer can use: a broken envelope, or a payload with a wrong field."""
    types = schema.TYPES[stream]
    kind = draw(st.sampled_from(["fields", "type", "not-json", "not-object", "units", "payload",
                                 "bytes"]))
    if kind == "bytes":  # raw bytes that are not UTF-8 somewhere in the entry
        bad = draw(st.binary(min_size=1, max_size=40).filter(_not_utf8))
        type_ = draw(st.sampled_from(types)).encode()
        return draw(st.sampled_from([{"type": type_, "data": bad}, {"type": bad, "data": b"{}"},
                                     {"type": type_, "data": b'{"units":["putian"],"x":"' + bad + b'"}'}]))
    if kind == "fields":  # anything but exactly type and data
        fields = draw(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=30), min_size=1,
                                      max_size=4).filter(lambda d: set(d) != {"type", "data"}))
        return fields
    if kind == "type":
        return {"type": draw(st.text(max_size=30).filter(lambda t: t not in types)),
                "data": json.dumps({"units": ["putian"]})}
    if kind == "not-json":
        text = draw(st.text(max_size=60).filter(lambda t: not _is_json(t)))
        return {"type": draw(st.sampled_from(types)), "data": text}
    if kind == "not-object":
        return {"type": draw(st.sampled_from(types)), "data": json.dumps(draw(JSON_NOT_OBJECT))}
    if kind == "units":
        type_, data = draw(hostile_payload(stream, incident))
        data["units"] = draw(BAD_UNITS)
        return {"type": type_, "data": json.dumps(data, ensure_ascii=False)}
    type_, data = draw(hostile_payload(stream, incident))
    return {"type": type_, "data": json.dumps(data, ensure_ascii=False)}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
