"""Stream names, consumer groups and the encode/decode of entries (see docs/contracts.md).

Every entry has exactly two fields, ``type`` and ``data`` (compact JSON whose ``units`` lists the
unit codes from the city down to the grid the event belongs to).

Retention, sized so each stream keeps at least 15 minutes at design load (DESIGN.md §4):

- positions are trimmed by **time** (``XADD MINID ~ now-16min``), because one entry is one API
  batch and batch sizes vary from 1 to 5,000: a count would keep minutes of small batches or
  hours of large ones. At 20 x Putian (11,400 positions/s) and about 230 bytes per position on
  the wire (routing list included), 16 minutes hold 10.9 M positions, about 2.5 GB of Redis
  memory; at Putian's own 572/s, 126 MB. MAXLEN[POSITIONS] only backs up a broken clock.
- incidents are trimmed by count (``MAXLEN ~``): 100 x Putian's 1,600 a day with 10 x bursts is
  18.5 incidents/s, each with up to ~5 later steps: <= 93 entries/s, 15 min = 83,300 entries.
  We keep 100,000 (about 100 MB at ~1 KB an entry; days of retention at ordinary load, which
  lets screens resume after long gaps).
- supervision and alerts: at most one entry per incident stage, far below incidents: 100,000.
- dead letters: kept for inspection, capped at 100,000.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import orjson

POSITIONS = "feed:positions"
INCIDENTS = "feed:incidents"
SUPERVISION = "feed:supervision"
ALERTS = "feed:alerts"
DEAD = "feed:dead"
FEEDS = (POSITIONS, INCIDENTS, SUPERVISION, ALERTS)

GROUP_PERSIST = "persist"
GROUP_SUPERVISE = "supervise"

MAXLEN = {
    POSITIONS: 2_000_000,
    INCIDENTS: 100_000,
    SUPERVISION: 100_000,
    ALERTS: 100_000,
    DEAD: 100_000,
}

# The name each stream's entries carry to screens: the Socket.IO event and the `stream` field of
# an event; the three event streams are the ones a screen replays after a gap (the browser takes
# them from the page, callbacks/app.py browser_contract).
EVENT_NAMES = {POSITIONS: "positions", INCIDENTS: "incidents", SUPERVISION: "supervision", ALERTS: "alerts"}
REPLAYED = {EVENT_NAMES[s]: s for s in (INCIDENTS, SUPERVISION, ALERTS)}  # event name -> stream

# Streams trimmed by age (milliseconds) instead of by count.
RETENTION_MS = {POSITIONS: 16 * 60 * 1000}

T_POSITIONS = "positions"
T_REPORTED = "incident.reported"
T_TRANSITION = "incident.transition"
SUPERVISION_TYPES = ("supervision.opened", "supervision.escalated", "supervision.closed")
ALERT_TYPES = ("alert.raised", "alert.updated", "alert.acked", "alert.assigned", "alert.escalated",
               "alert.resolved", "alert.reopened", "alert.instructed", "alert.noted", "alert.snoozed")
TYPES = {
    POSITIONS: (T_POSITIONS,),
    INCIDENTS: (T_REPORTED, T_TRANSITION),
    SUPERVISION: SUPERVISION_TYPES,
    ALERTS: ALERT_TYPES,
}


class MalformedEntry(ValueError):
    """A stream entry that can never be processed; the message is the dead-letter reason."""


@dataclass(frozen=True)
class Entry:
    """A decoded stream entry."""

    stream: str
    id: str
    type: str
    data: dict


def dumps(data: dict) -> str:
    """Compact JSON, Chinese kept readable. orjson writes the JSON json.dumps(ensure_ascii=False,
    separators=(",", ":")) writes (a float's exponent may read 1e-7 for 1e-07) about ten times faster:
    serve encodes every position batch, 8.4 ms per 2,000 positions with json, 0.8 with orjson. What
    orjson refuses and json takes (an int past 64 bits) goes through json."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def encode(type_: str, data: dict) -> dict[str, str]:
    """The two fields of an entry; data must carry its ``units`` routing list."""
    if not isinstance(data.get("units"), list) or not data["units"]:
        raise ValueError(f"{type_}: data must carry a non-empty 'units' list")
    return {"type": type_, "data": dumps(data)}


def decode(stream: str, entry_id: str, fields: dict) -> Entry:
    """Decode and check an entry's envelope; MalformedEntry says why it is unusable."""
    if set(fields) != {"type", "data"}:
        raise MalformedEntry(f"fields must be exactly type and data, got {sorted(fields)}")
    type_ = fields["type"]
    try:
        type_.encode(), fields["data"].encode()
    except UnicodeEncodeError as exc:  # bytes that are not UTF-8, kept by feeds.consumer.tolerant
        raise MalformedEntry(f"type or data is not UTF-8 text: {exc}") from exc
    allowed = TYPES.get(stream)
    if allowed is not None and type_ not in allowed:
        raise MalformedEntry(f"unknown type {type_!r} for {stream}")
    try:
        data = json.loads(fields["data"])
    except (TypeError, ValueError) as exc:
        raise MalformedEntry(f"data is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedEntry("data is not a JSON object")
    units = data.get("units")
    if not isinstance(units, list) or not units or not all(isinstance(u, str) for u in units):
        raise MalformedEntry("data.units must be a non-empty list of unit codes")
    return Entry(stream=stream, id=entry_id, type=type_, data=data)


def id_key(stream_id: str) -> tuple[int, int]:
    """A stream id as a sortable pair (string order is wrong: '9-0' > '10-0')."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)
