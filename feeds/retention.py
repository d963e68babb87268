"""Position history: full resolution for a window, then a thinned track, then PatrolDay summaries.

The arithmetic, for a year of Putian's positions (DESIGN.md §4):

- 5,722 field staff x one report per 10 s over an 8-hour shift = 2,880 reports per person-day,
  16.5 million rows a day, 6.0 billion a year. A position row with its three indexes costs about
  200 bytes on PostgreSQL: 3.3 GB a day, 1.2 TB a year at full resolution. Not for one machine.
- So: **full resolution for RAW_DAYS = 2 local days** (33 M rows, about 6.6 GB; enough to replay
  yesterday's patrols exactly);
- then **a thinned track for THINNED_DAYS = 30 days**: the first position per person per
  5 minutes is kept (flagged ``downsampled``), 96 per person-day, 5,722 x 96 x 30 = 16.5 M rows,
  about 3.3 GB;
- and **one PatrolDay row per person per day, kept for good**: positions, first and last report,
  distance walked, grids visited; 5,722 x 365 = 2.1 M rows a year, about 0.4 GB a year.

Steady state is about 10 GB plus 0.4 GB per year kept, instead of 1.2 TB a year. At the 20x design
load the raw window is the only tier that grows with the rate; shorten it with ``raw_days``.
Each (day, group of staff) is one transaction: summaries merge into existing PatrolDay rows, so a
run that stops half-way or positions that arrive late are counted once.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core.models import PatrolDay, Position
from dashboard.core.timeutil import LOCAL_TZ, utcnow

log = logging.getLogger(__name__)
RAW_DAYS = 2
THINNED_DAYS = 30
THIN_BUCKET_S = 300
STAFF_PER_TRANSACTION = 100
EARTH_M = 6_371_000.0


def day_range(day: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding a local day."""
    start = datetime.combine(day, time(), LOCAL_TZ)
    return start, start + timedelta(days=1)


def distance_m(points: list[tuple[float, float]]) -> float:
    """Length of a walked track in metres (haversine between consecutive points)."""
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:], strict=False):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))
    return total


def summarise_day(session: Session, day: date, staff_ids: list[str]) -> int:
    """Fold these people's full-resolution positions of a local day into PatrolDay and thin them."""
    start, end = day_range(day)
    rows = session.execute(
        select(Position.id, Position.staff_id, Position.ts, Position.lat, Position.lon,
               Position.grid_code)
        .where(Position.staff_id.in_(staff_ids), Position.ts >= start, Position.ts < end,
               Position.downsampled.is_(False))
        .order_by(Position.staff_id, Position.ts)).all()
    by_staff: dict[str, list] = {}
    for row in rows:
        by_staff.setdefault(row.staff_id, []).append(row)
    keep, drop = [], []
    for staff_id, track in by_staff.items():
        _merge_day(session, staff_id, day, track)
        last_bucket = None
        for row in track:
            bucket = int(row.ts.timestamp()) // THIN_BUCKET_S
            (keep if bucket != last_bucket else drop).append(row.id)
            last_bucket = bucket
    for i in range(0, len(drop), 1000):
        session.execute(delete(Position).where(Position.id.in_(drop[i:i + 1000])))
    for i in range(0, len(keep), 1000):
        session.execute(update(Position).where(Position.id.in_(keep[i:i + 1000]))
                        .values(downsampled=True))
    return len(rows)


def _merge_day(session: Session, staff_id: str, day: date, track: list) -> None:
    grids = Counter(r.grid_code for r in track if r.grid_code)
    visited = list(dict.fromkeys(r.grid_code for r in track if r.grid_code))
    walked = distance_m([(r.lat, r.lon) for r in track])
    summary = session.get(PatrolDay, (staff_id, day))
    if summary is None:
        session.add(PatrolDay(staff_id=staff_id, day=day, positions=len(track),
                              first_ts=track[0].ts, last_ts=track[-1].ts, distance_m=walked,
                              grid_code=grids.most_common(1)[0][0] if grids else None,
                              grids_visited=",".join(visited)))
        return
    summary.positions += len(track)
    summary.first_ts = min(filter(None, (summary.first_ts, track[0].ts)))
    summary.last_ts = max(filter(None, (summary.last_ts, track[-1].ts)))
    summary.distance_m += walked
    known = [g for g in summary.grids_visited.split(",") if g]
    summary.grids_visited = ",".join(dict.fromkeys(known + visited))
    summary.grid_code = summary.grid_code or (grids.most_common(1)[0][0] if grids else None)


def run_once(Session: sessionmaker, now: datetime | None = None, raw_days: int = RAW_DAYS,  # noqa: N803
             thinned_days: int = THINNED_DAYS) -> dict:
    """Summarise every local day older than the raw window, then drop thinned tracks past theirs."""
    now = now or utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    raw_cutoff, _ = day_range(today - timedelta(days=raw_days - 1))
    folded = 0
    with Session() as session:
        oldest = session.scalar(select(func.min(Position.ts)).where(
            Position.downsampled.is_(False), Position.ts < raw_cutoff))
    day = oldest.astimezone(LOCAL_TZ).date() if oldest else None
    while day is not None and day_range(day)[1] <= raw_cutoff:
        start, end = day_range(day)
        with Session() as session:
            staff = list(session.scalars(select(Position.staff_id).distinct().where(
                Position.ts >= start, Position.ts < end, Position.downsampled.is_(False))))
        for i in range(0, len(staff), STAFF_PER_TRANSACTION):
            with Session.begin() as session:
                folded += summarise_day(session, day, staff[i:i + STAFF_PER_TRANSACTION])
        day += timedelta(days=1)
    thinned_cutoff, _ = day_range(today - timedelta(days=thinned_days - 1))
    with Session.begin() as session:
        pruned = session.execute(delete(Position).where(Position.downsampled.is_(True),
                                                        Position.ts < thinned_cutoff)).rowcount
    return {"folded": folded, "pruned": pruned}


def run_periodically(Session: sessionmaker, stop: threading.Event, every_s: float) -> None:  # noqa: N803
    """Call run_once every ``every_s`` seconds until ``stop`` is set; failures are logged."""
    while not stop.wait(every_s):
        try:
            result = run_once(Session)
            if result["folded"] or result["pruned"]:
                log.info("retention: %s", result)
        except Exception:  # noqa: BLE001 - the next run retries; ingest must go on
            log.exception("retention run failed")
