"""Reads the screens need that the other query modules do not cover: supervision items with
their incidents' places, a grid's staff and today's tracks, grid counts, and the live state in
Redis (latest positions, patrolled grids). Each takes a session or a Redis client from the caller.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import orjson
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.contract import keys
from dashboard.core.models import BusinessItem, Incident, Position, Staff, SupervisionItem, Unit
from dashboard.core.timeutil import LOCAL_TZ, iso, local_today, utcnow
from dashboard.core.units import is_under
from dashboard.queries.units import CHILD_LEVEL, LEVEL_COLUMN, subtree

# What "online" means, in one place: screens, lists and map aggregates all call staff_status.
ONLINE_SECONDS = 120  # a position newer than this: online (a phone reports every 10 s)
STALE_SECONDS = 900  # newer than this: stale; older: offline


def open_supervision(session: Session, u: Unit, line: str | None = None,
                     limit: int = 100) -> list[dict[str, Any]]:
    """Open supervision items under the unit, newest first, with their incident's place and item."""
    query = (select(SupervisionItem, Incident.lat, Incident.lon, Incident.business_item_code,
                    BusinessItem.name, BusinessItem.name_en)
             .join(Incident, Incident.id == SupervisionItem.incident_id)
             .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
             .where(SupervisionItem.state == "open", *subtree(SupervisionItem, u))
             .order_by(SupervisionItem.opened_at.desc(), SupervisionItem.id.desc()).limit(limit))
    if line:
        query = query.where(Incident.line_code == line)
    return [{"id": item.id, "incident": item.incident_id, "stage": item.stage, "level": item.level,
             "unit": item.unit_code, "grid": item.grid_code, "village": item.village_code,
             "town": item.town_code, "district": item.district_code, "opened_at": iso(item.opened_at),
             "due_at": iso(item.due_at), "escalations": item.escalations, "lat": lat, "lon": lon,
             "business_item": code, "item_name": name, "item_name_en": name_en}
            for item, lat, lon, code, name, name_en in session.execute(query)]


def grid_count(session: Session, u: Unit) -> int:
    """How many unit grids lie under the unit (1 for a grid itself)."""
    if u.level == "grid":
        return 1
    return session.scalar(select(func.count()).select_from(Unit)
                          .where(Unit.level == "grid", *subtree(Unit, u))) or 0


def grid_counts_by_child(session: Session, u: Unit) -> dict[str, int]:
    """How many unit grids lie under each child of the unit (child code → count)."""
    if u.level not in CHILD_LEVEL:
        return {}
    child_level = CHILD_LEVEL[u.level]
    if child_level == "grid":
        return {code: 1 for code in session.scalars(select(Unit.code).where(Unit.parent_code == u.code))}
    column = getattr(Unit, LEVEL_COLUMN[child_level])
    return dict(session.execute(select(column, func.count()).where(Unit.level == "grid", *subtree(Unit, u))
                                .group_by(column)).all())


def grid_staff(session: Session, grid_code: str) -> list[dict[str, Any]]:
    """The staff assigned to a grid."""
    rows = session.scalars(select(Staff).where(Staff.grid_code == grid_code).order_by(Staff.role, Staff.id))
    return [{"id": s.id, "name": s.name, "role": s.role, "phone": s.phone, "shift": s.shift} for s in rows]


def tracks_today(session: Session, staff_ids: list[str],
                 now: datetime | None = None) -> dict[str, list[dict]]:
    """Today's (local) positions of these people, oldest first, per person."""
    if not staff_ids:
        return {}
    now = now or utcnow()
    start = datetime.combine(local_today(now), time(), LOCAL_TZ)
    rows = session.execute(select(Position.staff_id, Position.ts, Position.lat, Position.lon)
                           .where(Position.staff_id.in_(staff_ids), Position.ts >= start,
                                  Position.ts <= now + timedelta(minutes=5))
                           .order_by(Position.staff_id, Position.ts))
    tracks: dict[str, list[dict]] = {}
    for staff_id, ts, lat, lon in rows:
        tracks.setdefault(staff_id, []).append({"ts": iso(ts), "lat": lat, "lon": lon})
    return tracks


def staff_status(ts: str | None, now: datetime | None = None) -> str:
    """online / stale / offline from the time of a person's latest position."""
    if not ts:
        return "offline"
    age = ((now or utcnow()) - datetime.fromisoformat(ts.replace("Z", "+00:00"))).total_seconds()
    if age <= ONLINE_SECONDS:
        return "online"
    return "stale" if age <= STALE_SECONDS else "offline"


def live_positions(client: redis.Redis, code: str, root: str,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Latest position of every person under the unit (live:pos), with online/stale/offline."""
    now = now or utcnow()
    out = []
    for staff, raw in client.hgetall(keys.LATEST_POSITIONS).items():
        try:
            pos = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if is_under(pos.get("grid"), code, root):
            out.append({"staff": staff, "lat": pos["lat"], "lon": pos["lon"], "ts": pos.get("ts"),
                        "grid": pos.get("grid"), "role": pos.get("role"),
                        "status": staff_status(pos.get("ts"), now)})
    return out


def staff_status_counts(client: redis.Redis, staff_ids: list[str],
                        now: datetime | None = None) -> dict[str, int]:
    """How many of these people are online, stale or offline now (from their latest position)."""
    counts = {"online": 0, "stale": 0, "offline": 0}
    if not staff_ids:
        return counts
    for raw in client.hmget(keys.LATEST_POSITIONS, staff_ids):
        ts = None
        if raw:
            try:
                ts = json.loads(raw).get("ts")
            except ValueError:
                ts = None
        counts[staff_status(ts, now)] += 1
    return counts


def open_counts(client: redis.Redis, unit: str) -> dict[str, int]:
    """Open incidents under a unit by state, as the persister keeps them in live state (no query)."""
    return {state: int(n) for state, n in client.hgetall(keys.OPEN_COUNTS.format(unit)).items() if int(n)}


def patrolled_today(client: redis.Redis, code: str, root: str, now: datetime | None = None) -> set[str]:
    """Grid codes under the unit patrolled today (live:patrolled:<local date>)."""
    members = client.smembers(keys.PATROLLED.format(local_today(now).isoformat()))
    return {g for g in members if is_under(g, code, root)}


def live_position(client: redis.Redis, staff_id: str, now: datetime | None = None) -> dict[str, Any] | None:
    """One person's latest position (live:pos) with online/stale/offline, or None if they have none."""
    raw = client.hget(keys.LATEST_POSITIONS, staff_id)
    if not raw:
        return None
    try:
        pos = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return {"staff": staff_id, "lat": pos["lat"], "lon": pos["lon"], "ts": pos.get("ts"),
            "grid": pos.get("grid"), "role": pos.get("role"), "status": staff_status(pos.get("ts"), now)}
