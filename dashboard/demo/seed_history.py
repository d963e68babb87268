"""Seeding the history: 2018 as published, the last 30 days, and the state of the city at `now`.

`scale` shrinks every volume (2018 totals, reports a day, certificates) for a smaller imported
geography; at 1.0, the built-in Putian world, the 2018 totals are exactly the published ones.
An incident's `overdue` flag is sticky: it is set when any of its stage instances ran past the
business item's limit (exactly the incidents that have supervision items), whether or not it has
closed since, as the live supervisor leaves it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection

from dashboard.core.timeutil import LOCAL_TZ
from dashboard.demo.history import (
    CLOSED_2018,
    COLLECTED_2018,
    HOUR_W,
    LEGACY_OPEN_2018,
    WEEKDAY_W,
    World,
    draw_incidents,
    incident_ids,
    plan_2018,
    report_times_for_year,
)
from dashboard.demo.history_loop import STATE, Events, derive, walk
from dashboard.demo.history_rows import (
    CERTIFICATES_2018,
    certificate_columns,
    event_columns,
    incident_columns,
)
from dashboard.demo.history_supervision import Supervision, seed_alerts, supervision
from dashboard.demo.seed_load import (
    insert_columns,
    insert_dicts,
    reset_sequences,
    restore_indexes,
    suspend_indexes,
    timestamps,
)

RECENT_DAYS = 30
RECENT_PER_DAY = 1600
RECENT_CANCEL_P = 0.045
RECENT_STALL_P = 0.02
EARLIEST_NOW = int(datetime(2019, 3, 1, tzinfo=UTC).timestamp())
FULL_SCALE_GRIDS = 2408  # Putian's grids: the published 2018 figures are the volume of these

Step = Callable[[str], None]


def history_scale(grids: int) -> float:
    """Default volume of a world's history: Putian's per grid, never more than Putian's in all
    (so an imported city seeds within the same time)."""
    return min(1.0, grids / FULL_SCALE_GRIDS)


def recent_report_times(rng: np.random.Generator, now: int, per_day: float = RECENT_PER_DAY
                        ) -> np.ndarray:
    """About `per_day` reports a day for the 30 days before `now`, with weekday and hour rhythm."""
    first_hour = (now - RECENT_DAYS * 86_400) // 3600 * 3600
    hours = np.arange(first_hour, now, 3600, dtype=np.int64)
    local = (hours + 8 * 3600) // 3600
    hour_of_day = local % 24
    weekday = ((local // 24) + 3) % 7  # 1970-01-01 was a Thursday
    rate = per_day * HOUR_W[hour_of_day] / HOUR_W.sum() * WEEKDAY_W[weekday] / WEEKDAY_W.mean()
    counts = rng.poisson(rate)
    times = np.repeat(hours, counts) + rng.integers(0, 3600, size=int(counts.sum()))
    return np.sort(times[times < now])


def _load_batch(conn: Connection, world: World, ids: np.ndarray, reported: np.ndarray, attrs: dict,
                events: Events, sup: Supervision, all_timelines: bool, step: Step, label: str) -> None:
    derived = derive(events, len(ids))
    # Sticky: every incident that ran late in any stage, closed since or not (docs/contracts.md).
    overdue = np.zeros(len(ids), dtype=bool)
    overdue[sup.items["incident"]] = True
    insert_columns(conn, "incidents", incident_columns(conn, world, ids, reported, attrs, derived, overdue))
    step(f"{label}: incidents")
    if not all_timelines:
        # A plain on-time closure's five steps are exactly its row's timestamps; store the timeline
        # only where it says more (a cancellation reason, a bounce, a reopen, a late stage, still open).
        story = (derived["state"] != STATE["closed"]) | (derived["reopen_count"] > 0)
        story |= derived["bounce_count"] > 0
        story[sup.items["incident"]] = True
        events = events.only(story)
    insert_columns(conn, "incident_events", event_columns(conn, world, ids, events, attrs))
    step(f"{label}: timelines")
    items = dict(sup.items)
    items["incident_id"] = ids[items.pop("incident")]
    for key in ("opened_at", "due_at", "closed_at"):
        items[key] = timestamps(conn, items[key])
    insert_columns(conn, "supervision_items", items)
    escalations = dict(sup.escalations)
    escalations["at"] = timestamps(conn, escalations["at"])
    insert_columns(conn, "supervision_escalations", escalations)
    step(f"{label}: supervision")


def seed_history(conn: Connection, world: World, now: int, step: Step,
                 grid_names: dict[str, str], all_2018_timelines: bool = False,
                 scale: float = 1.0) -> dict[str, int]:
    """Insert 2018, the recent 30 days and today's open work; returns row counts generated."""
    if now < EARLIEST_NOW:
        raise ValueError("now must be after 2019-03-01: the 2018 history has to be complete by then")
    if not 0 < scale <= 1:
        raise ValueError(f"scale: must be in (0, 1], got {scale}")
    indexes = suspend_indexes(conn, ["incidents", "incident_events", "supervision_items"])
    rng = np.random.default_rng(2018)
    reported = report_times_for_year(rng, 2018, max(1, round(COLLECTED_2018 * scale)))
    attrs = draw_incidents(world, rng, reported)
    fate = plan_2018(rng, world, attrs, closed=round(CLOSED_2018 * scale),
                     legacy_open=round(LEGACY_OPEN_2018 * scale))
    ids = incident_ids(rng, reported)
    events = walk(world, rng, reported, attrs, fate).upto(now)
    sup = supervision(world, events, attrs["item"], attrs["grid"], now, first_id=1)
    step("2018: generated")
    _load_batch(conn, world, ids, reported, attrs, events, sup, all_2018_timelines, step, "2018")
    next_id = len(sup.items["id"]) + 1

    rng = np.random.default_rng(20_190_101)
    recent = recent_report_times(rng, now, RECENT_PER_DAY * scale)
    r_attrs = draw_incidents(world, rng, recent)
    r_fate = (rng.random(len(recent)) < RECENT_CANCEL_P).astype(np.int8)
    r_ids = incident_ids(rng, recent)
    r_events = walk(world, rng, recent, r_attrs, r_fate, stall_p=RECENT_STALL_P).upto(now)
    r_sup = supervision(world, r_events, r_attrs["item"], r_attrs["grid"], now, first_id=next_id)
    step("recent: generated")
    _load_batch(conn, world, r_ids, recent, r_attrs, r_events, r_sup, True, step, "recent")
    state = derive(r_events, len(r_ids))["state"]
    alerts = seed_alerts(world, r_sup, r_ids, r_attrs, state, recent, now, grid_names)
    for alert in alerts:
        alert["first_at"], alert["last_at"] = (timestamps(conn, np.array([alert["first_at"]]))[0],) * 2
    _insert_alerts(conn, alerts)

    crng = np.random.default_rng(17_465)
    insert_columns(conn, "certificates", certificate_columns(conn, world, crng, date(2018, 1, 1), 365,
                                                             CERTIFICATES_2018, scale=scale))
    today = _local_date(now)
    insert_columns(conn, "certificates", certificate_columns(
        conn, world, crng, today - timedelta(days=RECENT_DAYS), RECENT_DAYS + 1, None,
        per_day=CERTIFICATES_2018 / 365 * scale, until=now))
    step("alerts, certificates")
    reset_sequences(conn, ["supervision_items", "supervision_escalations", "alerts", "certificates",
                           "incident_events"])
    restore_indexes(conn, indexes)
    step("indexes")
    return {"incidents_2018": len(ids), "incidents_recent": len(r_ids), "alerts": len(alerts)}


def _insert_alerts(conn: Connection, alerts: list[dict]) -> None:
    if not alerts:
        return
    rows = [dict(a, detail=json.dumps(a["detail"], ensure_ascii=False)) for a in alerts]
    insert_dicts(conn, "alerts", rows)


def _local_date(epoch: int) -> date:
    return datetime.fromtimestamp(epoch, UTC).astimezone(LOCAL_TZ).date()
