"""Column-wise rows of the demo history (incidents, their events, certificates) for bulk loading."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Connection

from dashboard.demo.history import DESCRIPTIONS, HOLIDAYS_2018, SOURCES, WECHAT, World, local_midnight_epoch
from dashboard.demo.history_loop import (
    ACCEPT,
    ACTIONS,
    CANCEL,
    CLOSE,
    DISPATCH,
    NOTES,
    REOPEN,
    REPORT,
    RESOLVE,
    STATE_NAMES,
    Events,
)
from dashboard.demo.seed_load import timestamps

CERTIFICATES_2018 = 17_465
# Kinds of certificate handled for residents; senior and love cards are the published figures.
CERT_KINDS = [("senior_card", 4116), ("love_card", 396), ("residence_permit", 3870),
              ("social_security_card", 3412), ("medical_insurance", 2288), ("low_income", 1105),
              ("disability_card", 642)]
CERT_REST = "birth_service"


def _codes(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index] with index -1 meaning None."""
    out = values[np.maximum(index, 0)].astype(object)
    out[index < 0] = None
    return out


def incident_columns(conn: Connection, world: World, ids: np.ndarray, reported: np.ndarray,
                     attrs: dict, derived: dict, overdue: np.ndarray) -> dict:
    """Incident rows, column-wise."""
    g, item = attrs["grid"], attrs["item"]
    n = len(ids)
    ts = {k: timestamps(conn, derived[k]) for k in ("dispatched_at", "accepted_at", "resolved_at",
                                                     "closed_at", "cancelled_at", "stage_started_at",
                                                     "updated_at")}
    return {
        "id": ids, "reported_at": timestamps(conn, reported),
        "lat": np.round(attrs["lat"], 6), "lon": np.round(attrs["lon"], 6),
        "grid_code": world.grid_codes[g], "village_code": world.village_codes[g],
        "town_code": world.town_codes[g], "district_code": world.district_codes[g],
        "business_item_code": world.item_codes[item],
        "line_code": np.array(world.lines, dtype=object)[world.item_line[item]],
        "department_code": _codes(world.enforcement_depts, derived["dept"]),
        "source": SOURCES[attrs["source"]], "severity": attrs["severity"],
        "description": _descriptions(world, attrs), "reporter_id": attrs["reporter"],
        "state": STATE_NAMES[derived["state"]], **ts,
        "reopen_count": derived["reopen_count"], "bounce_count": derived["bounce_count"],
        "overdue": overdue, "stream_id": [None] * n,
    }


def _descriptions(world: World, attrs: dict) -> list[str]:
    wording = attrs["source"].copy()
    if "weiwangge" in world.lines:
        wechat = world.item_line[attrs["item"]] == world.lines.index("weiwangge")
        wording[wechat & (SOURCES[attrs["source"]] == "resident")] = WECHAT
    templates = DESCRIPTIONS[wording].tolist()
    places = world.grid_names[attrs["grid"]].tolist()
    items = world.item_names[attrs["item"]].tolist()
    return [t.format(p, i) for t, p, i in zip(templates, places, items, strict=True)]


def event_columns(conn: Connection, world: World, ids: np.ndarray, events: Events,
                  attrs: dict) -> dict:
    """Incident timeline rows, column-wise; keys are stable so a re-seed could never double them."""
    inc, action = events.inc, events.action
    g = attrs["grid"][inc]
    actor = np.empty(len(inc), dtype=object)
    report = action == REPORT
    actor[report] = np.where(attrs["reporter"][inc[report]] == None,  # noqa: E711 - numpy mask
                             SOURCES[attrs["source"][inc[report]]], attrs["reporter"][inc[report]])
    center = np.isin(action, (DISPATCH, CANCEL))
    actor[center] = world.village_codes[g[center]]
    department = np.isin(action, (ACCEPT, RESOLVE))
    actor[department] = _codes(world.enforcement_depts, events.dept[department])
    staff = np.isin(action, (CLOSE, REOPEN))
    actor[staff] = attrs["closer"][inc[staff]]
    event_ids = ids[inc]
    return {
        "incident_id": event_ids, "action": ACTIONS[action], "from_state": STATE_NAMES[events.frm],
        "to_state": STATE_NAMES[events.to], "at": timestamps(conn, events.at), "actor": actor,
        "department_code": _codes(world.enforcement_depts, events.dept), "note": NOTES[events.note],
        "event_key": [f"seed:{i}:{s}" for i, s in zip(event_ids.tolist(), events.seq.tolist(),
                                                        strict=True)],
        "stream_id": [None] * len(inc),
    }


def certificate_columns(conn: Connection, world: World, rng: np.random.Generator, first: date,
                        days: int, total: int | None, per_day: float = 0.0,
                        until: int | None = None, scale: float = 1.0) -> dict:
    """Certificates handled on working days in office hours; exact 2018 kinds when `total` is set
    (each kind's count times `scale`)."""
    day_list = [first + timedelta(days=i) for i in range(days)]
    weight = np.array([(0.15 if d.weekday() >= 5 else 1.0) * (0.1 if d in HOLIDAYS_2018 else 1.0)
                       for d in day_list])
    if total is None:
        total = int(rng.poisson(per_day * days))
        kinds = rng.choice([k for k, _ in CERT_KINDS] + [CERT_REST], size=total,
                           p=_kind_shares()).astype(object)
    else:
        counts = [round(c * scale) for _, c in CERT_KINDS]
        total = max(round(total * scale), sum(counts))
        kinds = np.array(sum(([k] * c for (k, _), c in zip(CERT_KINDS, counts, strict=True)), [])
                         + [CERT_REST] * (total - sum(counts)), dtype=object)
        rng.shuffle(kinds)
    day = rng.choice(days, size=total, p=weight / weight.sum())
    starts = np.array([local_midnight_epoch(d) for d in day_list], dtype=np.int64)
    at = starts[day] + rng.integers(int(8.5 * 3600), int(17.5 * 3600), size=total)
    if until is not None:
        keep = at <= until
        at, kinds = at[keep], kinds[keep]
    grid = rng.choice(len(world.grid_codes), size=len(at), p=world.grid_weight / world.grid_weight.sum())
    order = np.argsort(at, kind="stable")
    at, kinds, grid = at[order], kinds[order], grid[order]
    return {"kind": kinds, "handled_at": timestamps(conn, at), "grid_code": world.grid_codes[grid],
            "village_code": world.village_codes[grid], "town_code": world.town_codes[grid],
            "district_code": world.district_codes[grid], "staff_id": world.reporters[grid, 0]}


def _kind_shares() -> np.ndarray:
    counts = np.array([c for _, c in CERT_KINDS] + [CERTIFICATES_2018 - sum(c for _, c in CERT_KINDS)],
                      dtype=float)
    return counts / counts.sum()
