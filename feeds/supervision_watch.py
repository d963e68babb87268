"""Watching the field and the feeds: who on shift has gone silent, which feed has stopped.

Both read only Redis (``live:pos`` and the streams' last ids) plus a cached staff list, so a pass
over the city's 5,722 people costs one HGETALL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.contract import keys, schema
from dashboard.core.models import Staff
from dashboard.core.timeutil import LOCAL_TZ

# Shifts in local hours [start, end), as the simulator walks them (feeds.sim_rhythm).
SHIFT_HOURS = {"day": (8, 16), "evening": (16, 24), "night": (0, 8)}


@dataclass(frozen=True)
class OnDuty:
    """What the watcher needs of a staff member."""

    id: str
    shift: str
    unit_code: str
    grid_code: str | None
    village_code: str | None
    town_code: str | None
    district_code: str | None


def load_staff(session: Session) -> list[OnDuty]:
    """Every field staff member with their shift and place."""
    rows = session.execute(select(Staff.id, Staff.shift, Staff.unit_code, Staff.grid_code,
                                  Staff.village_code, Staff.town_code, Staff.district_code))
    return [OnDuty(*row) for row in rows]


def shift_start(shift: str, now: datetime) -> datetime | None:
    """When the current shift of this kind began, or None if it is not running now."""
    start, end = SHIFT_HOURS.get(shift, SHIFT_HOURS["day"])
    local = now.astimezone(LOCAL_TZ)
    if not start <= local.hour < end:
        return None
    return local.replace(hour=start, minute=0, second=0, microsecond=0).astimezone(UTC)


def _last_seen(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        ts = datetime.fromisoformat(json.loads(raw)["ts"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return ts if ts.tzinfo else None


Silent = dict[str, tuple[OnDuty, datetime | None, datetime]]


def silent_staff(staff: list[OnDuty], live: dict[str, str], now: datetime,
                 threshold: timedelta) -> tuple[Silent, int]:
    """Staff on shift with no position for ``threshold`` (id → (staff, last position, since)), and
    how many were on shift long enough to be judged."""
    silent: Silent = {}
    judged = 0
    for person in staff:
        began = shift_start(person.shift, now)
        if began is None or now - began < threshold:
            continue
        judged += 1
        last = _last_seen(live.get(person.id))
        # Silence counts from the last position or the start of the shift, whichever is later.
        since = max(last, began) if last else began
        if now - since >= threshold:
            silent[person.id] = (person, last, since)
    return silent, judged


def read_live_positions(client: redis.Redis) -> dict[str, str]:
    """The latest position of every person (staff id → JSON)."""
    return client.hgetall(keys.LATEST_POSITIONS)


def stream_last(client: redis.Redis, stream: str) -> tuple[str, datetime] | None:
    """The last id ever added to a stream and its time, or None if the stream does not exist."""
    try:
        info = client.xinfo_stream(stream)
    except redis.ResponseError:
        return None
    last = info["last-generated-id"]
    last = last.decode() if isinstance(last, bytes) else last
    if last == "0-0":
        return None  # created empty by a consumer group (MKSTREAM): nothing was ever sent
    return last, datetime.fromtimestamp(int(last.split("-")[0]) / 1000, UTC)


def stalled_feeds(client: redis.Redis, now: datetime, limits: dict[str, timedelta],
                  expect: bool = False) -> dict[str, tuple[str | None, datetime | None]]:
    """Feeds with no new entry for their limit: stream → (last id, its time).

    A stream that never existed means nothing was ever sent; it counts as stalled only when the
    operator says feeds are expected (``expect``), so a fresh install does not alarm.
    """
    stalled: dict[str, tuple[str | None, datetime | None]] = {}
    for stream, limit in limits.items():
        last = stream_last(client, stream)
        if last is None:
            if expect:
                stalled[stream] = (None, None)
        elif now - last[1] >= limit:
            stalled[stream] = last
    return stalled


DEFAULT_STALL = {schema.POSITIONS: timedelta(minutes=3), schema.INCIDENTS: timedelta(minutes=60)}
