"""Patrol staff per region: hours worked (the map's "incidents per patrol hour" measure) and the
live positions counted per town (the wide maps' staff discs).

A person's patrol time on a local day is the span from their first to their last report. Days
the retention job has folded (feeds/retention.py) are read from PatrolDay, where the whole day
belongs to the person's main grid; days still at full resolution are read from the positions,
and a person's day is split over the grids they reported from by their share of the reports.
The two never overlap: retention folds exactly the rows not flagged `downsampled` and flags the
ones it keeps.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.core.models import PatrolDay, Position, Unit
from dashboard.core.timeutil import Period
from dashboard.queries.units import CHILD_LEVEL, LEVEL_COLUMN, subtree

LOCAL_OFFSET_HOURS = 8  # Asia/Shanghai keeps no daylight saving time
STATUSES = ("online", "stale", "offline")


def towns_under(session: Session, u: Unit) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Grid code → its town's code, and each town under the unit (code, names, centroid)."""
    grids = session.execute(select(Unit.code, Unit.town_code).where(Unit.level == "grid", *subtree(Unit, u)))
    towns = session.execute(
        select(Unit.code, Unit.name, Unit.name_en, Unit.centroid_lat, Unit.centroid_lon)
        .where(Unit.level == "town", *subtree(Unit, u)).order_by(Unit.sort_key, Unit.code))
    return ({grid: town for grid, town in grids if town},
            {code: {"code": code, "name": name, "name_en": name_en, "lat": lat, "lon": lon}
             for code, name, name_en, lat, lon in towns})


def count_positions(positions: list[dict[str, Any]], unit_of_grid: dict[str, str],
                    units: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The positions counted per unit (the one holding each position's grid) by status: every
    unit in `units` order, nobody there included (a town where nobody reports is news), its
    counts summing to its positions."""
    counts = {code: dict.fromkeys(STATUSES, 0) for code in units}
    for p in positions:
        unit = unit_of_grid.get(p.get("grid"))
        if unit in counts:
            counts[unit][p.get("status", "offline")] += 1
    return [{**units[code], **c} for code, c in counts.items()]


def patrol_hours_by_child(session: Session, u: Unit, period: Period) -> dict[str, float]:
    """Patrol hours worked in the period under each child of the unit (a grid: under itself).
    Children where nobody patrolled are absent."""
    child_of = _child_of_grid(session, u)
    hours: dict[str, float] = defaultdict(float)
    for grid, h in _folded_hours(session, u, period):
        if grid in child_of and h:
            hours[child_of[grid]] += float(h)
    for grid, h in _raw_hours(session, u, period).items():
        if grid in child_of:
            hours[child_of[grid]] += h
    return {code: h for code, h in hours.items() if h > 0}


def _child_of_grid(session: Session, u: Unit) -> dict[str, str]:
    """Grid code → the code of the unit's child holding it (a grid maps to itself)."""
    if u.level == "grid":
        return {u.code: u.code}
    child_level = CHILD_LEVEL[u.level]
    column = Unit.code if child_level == "grid" else getattr(Unit, LEVEL_COLUMN[child_level])
    rows = session.execute(select(Unit.code, column).where(Unit.level == "grid", *subtree(Unit, u)))
    return {grid: child for grid, child in rows if child}


def _grids_under(column: Any, u: Unit) -> list[Any]:
    # Patrol rows carry only their grid: keep those whose grid lies under the unit.
    if u.level == "city":
        return []
    if u.level == "grid":
        return [column == u.code]
    return [column.in_(select(Unit.code).where(Unit.level == "grid", *subtree(Unit, u)))]


def _span_hours(session: Session, first: Any, last: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(last) - func.julianday(first)) * 24.0
    return func.extract("epoch", last - first) / 3600.0


def _local_day(session: Session, ts: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":  # stored as naive UTC text
        return func.date(ts, f"+{LOCAL_OFFSET_HOURS} hours")
    return func.date(func.timezone("Asia/Shanghai", ts))


def _folded_hours(session: Session, u: Unit, period: Period) -> list[tuple[str, float]]:
    """(grid, hours) from the PatrolDay summaries of the period's days."""
    hours = func.sum(_span_hours(session, PatrolDay.first_ts, PatrolDay.last_ts))
    query = (select(PatrolDay.grid_code, hours)
             .where(PatrolDay.day >= period.start, PatrolDay.day <= period.end,
                    PatrolDay.first_ts.is_not(None), PatrolDay.last_ts.is_not(None),
                    PatrolDay.grid_code.is_not(None), *_grids_under(PatrolDay.grid_code, u))
             .group_by(PatrolDay.grid_code))
    return [(grid, h or 0.0) for grid, h in session.execute(query)]


def _raw_hours(session: Session, u: Unit, period: Period) -> dict[str, float]:
    """Grid → hours from the full-resolution positions of days not folded yet."""
    day = _local_day(session, Position.ts).label("day")
    rows = session.execute(
        select(day, Position.staff_id, Position.grid_code, func.min(Position.ts), func.max(Position.ts),
               func.count())
        .where(Position.ts >= period.utc_start, Position.ts < period.utc_end,
               Position.downsampled.is_(False), Position.grid_code.is_not(None),
               *_grids_under(Position.grid_code, u))
        .group_by(day, Position.staff_id, Position.grid_code))
    days: dict[tuple, list] = defaultdict(list)
    for local_day, staff, grid, first, last, n in rows:
        days[(local_day, staff)].append((grid, first, last, n))
    hours: dict[str, float] = defaultdict(float)
    for grids in days.values():
        span = (max(g[2] for g in grids) - min(g[1] for g in grids)).total_seconds() / 3600
        reports = sum(g[3] for g in grids)
        for grid, _, _, n in grids:
            hours[grid] += span * n / reports
    return hours
