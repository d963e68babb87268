"""Live state in Redis (docs/contracts.md): latest position per person, open counts per unit and
state, grids patrolled today. Written by the persister after each commit; rebuilt from the
database by ``reconcile`` (the persister runs it on start and after every reconnect, so a lost
or drifted Redis heals). Counters change only for steps the database accepted for the first time,
so redelivery never double-counts; a reconcile racing another persister's commit may be off by
that one batch until the next reconcile.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.contract import keys
from dashboard.core.models import OPEN_STATES, Incident, Position, Staff
from dashboard.core.timeutil import LOCAL_TZ, utcnow
from dashboard.core.units import chain, root_code

PATROLLED_TTL_S = 2 * 24 * 3600
RECONCILE_POSITIONS = timedelta(hours=24)

# Only a newer report replaces a person's latest position (two persisters may race).
_POSITIONS_LUA = """
local items = cjson.decode(ARGV[1])
for _, item in ipairs(items) do
  local cur = redis.call('HGET', KEYS[1], item[1])
  local newer = true
  if cur then
    local old = string.match(cur, '"ts":"([^"]+)"')
    if old and old >= item[2] then newer = false end
  end
  if newer then redis.call('HSET', KEYS[1], item[1], item[3]) end
end
return 1
"""


def position_value(pos: dict) -> str:
    """The live:pos value of one position."""
    return json.dumps({"lat": pos["lat"], "lon": pos["lon"], "ts": pos["ts"], "grid": pos.get("grid"),
                       "role": pos.get("role")}, separators=(",", ":"))


def local_day(ts: str) -> str:
    """The Asia/Shanghai date of a wire timestamp, as YYYY-MM-DD."""
    return datetime.fromisoformat(ts).astimezone(LOCAL_TZ).date().isoformat()


def apply_positions(client: redis.Redis, positions: list[dict]) -> None:
    """Record the latest position per person and the grids patrolled per local day."""
    if not positions:
        return
    latest: dict[str, dict] = {}
    for p in positions:  # only each person's newest report of the batch goes to Redis
        if p["staff"] not in latest or latest[p["staff"]]["ts"] < p["ts"]:
            latest[p["staff"]] = p
    items = [[staff, p["ts"], position_value(p)] for staff, p in latest.items()]
    client.register_script(_POSITIONS_LUA)(keys=[keys.LATEST_POSITIONS], args=[json.dumps(items)])
    by_day: dict[str, set[str]] = {}
    for p in positions:
        if p.get("grid"):
            by_day.setdefault(local_day(p["ts"]), set()).add(p["grid"])
    pipe = client.pipeline(transaction=False)
    for day, grids in by_day.items():
        pipe.sadd(keys.PATROLLED.format(day), *grids)
        pipe.expire(keys.PATROLLED.format(day), PATROLLED_TTL_S)
    pipe.execute()


def apply_counts(client: redis.Redis, deltas: Counter) -> None:
    """Add (unit, state) -> delta to the open-incident counters."""
    pipe = client.pipeline(transaction=False)
    for (unit, state), delta in deltas.items():
        if delta:
            pipe.hincrby(keys.OPEN_COUNTS.format(unit), state, delta)
    pipe.execute()


def count_deltas(units: list[str], from_state: str | None, to_state: str) -> Counter:
    """The counter changes of one applied step (open states only are counted)."""
    deltas: Counter = Counter()
    for unit in units:
        if from_state in OPEN_STATES:
            deltas[(unit, from_state)] -= 1
        if to_state in OPEN_STATES:
            deltas[(unit, to_state)] += 1
    return deltas


def reconcile(session: Session, client: redis.Redis, now: datetime | None = None) -> dict:
    """Rebuild counts, latest positions and today's patrolled grids from the database."""
    now = now or utcnow()
    counts: Counter = Counter()
    rows = session.execute(
        select(Incident.district_code, Incident.town_code, Incident.village_code, Incident.grid_code,
               Incident.state, func.count()).where(Incident.state.in_(OPEN_STATES))
        .group_by(Incident.district_code, Incident.town_code, Incident.village_code,
                  Incident.grid_code, Incident.state)).all()
    root = root_code(session) if rows else ""  # open incidents imply a seeded tree
    for district, town, village, grid, state, n in rows:
        for unit in chain(root, district, town, village, grid):
            counts[(unit, state)] += n
    latest = (select(Position.staff_id, func.max(Position.ts).label("ts"))
              .where(Position.ts >= now - RECONCILE_POSITIONS).group_by(Position.staff_id).subquery())
    positions = session.execute(
        select(Position.staff_id, Position.ts, Position.lat, Position.lon, Position.grid_code, Staff.role)
        .join(latest, (latest.c.staff_id == Position.staff_id) & (latest.c.ts == Position.ts))
        .join(Staff, Staff.id == Position.staff_id, isouter=True)).all()
    today = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(today, datetime.min.time(), LOCAL_TZ)
    patrolled = set(session.scalars(select(Position.grid_code).distinct()
                                    .where(Position.ts >= start, Position.grid_code.is_not(None))))
    pipe = client.pipeline(transaction=True)
    for key in client.scan_iter(keys.OPEN_COUNTS.format("*"), count=1000):
        pipe.delete(key)
    for (unit, state), n in counts.items():
        pipe.hset(keys.OPEN_COUNTS.format(unit), state, n)
    for staff_id, ts, lat, lon, grid, role in positions:
        value = {"staff": staff_id, "ts": ts.isoformat(timespec="milliseconds"), "lat": lat, "lon": lon,
                 "grid": grid, "role": role}
        pipe.hset(keys.LATEST_POSITIONS, staff_id, position_value(value))
    if patrolled:
        pipe.sadd(keys.PATROLLED.format(today.isoformat()), *patrolled)
        pipe.expire(keys.PATROLLED.format(today.isoformat()), PATROLLED_TTL_S)
    pipe.execute()
    return {"units": len({u for u, _ in counts}), "positions": len(positions), "patrolled": len(patrolled)}

