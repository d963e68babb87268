"""Aggregates for the screens: trends in local time, breakdowns by line and item, the department
board, the open-work funnel, supervision and staff counts. Pure reads; DataFrames or dicts out.

Every function takes the unit (a `Unit` row, already checked against the caller's jurisdiction)
and an optional period and line; incidents count when *reported* in the period under the unit,
as in `dashboard.queries.figures`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.orm import Session

from dashboard.models import (
    OPEN_STATES,
    STAFF_ROLES,
    BusinessItem,
    BusinessLine,
    Department,
    Incident,
    Staff,
    Unit,
)
from dashboard.queries import incident_filters, subtree, supervision_counts
from dashboard.timeutil import Period, utcnow

# Local-time bucket formats per dialect. Asia/Shanghai has kept UTC+8 without DST since 1991,
# so SQLite's fixed '+8 hours' modifier agrees with PostgreSQL's zone conversion.
BUCKETS = {
    "hour": ("%Y-%m-%d %H:00", "YYYY-MM-DD HH24:00"),
    "day": ("%Y-%m-%d", "YYYY-MM-DD"),
    "month": ("%Y-%m", "YYYY-MM"),
    "hour_of_day": ("%H", "HH24"),
}
COUNT_COLUMNS = ("collected", "closed", "open", "overdue")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def local_bucket(session: Session, column: Any, bucket: str) -> ColumnElement[str]:
    """A SQL expression turning a UTC timestamp column into its local-time bucket label."""
    sqlite_fmt, pg_fmt = BUCKETS[bucket]
    if _dialect(session) == "sqlite":
        return func.strftime(sqlite_fmt, column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), pg_fmt)


def minutes_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """A SQL expression for the minutes from one timestamp column to another."""
    if _dialect(session) == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 1440.0
    return func.extract("epoch", end - start) / 60.0


def _count_columns() -> list[Any]:
    is_open = Incident.state.in_(OPEN_STATES)
    return [func.count().label("collected"),
            func.sum(case((Incident.state == "closed", 1), else_=0)).label("closed"),
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((is_open & Incident.overdue.is_(True), 1), else_=0)).label("overdue")]


def _with_rate(frame: pd.DataFrame) -> pd.DataFrame:
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].fillna(0).astype(int)
    frame["closure_rate"] = (frame["closed"] / frame["collected"]).where(frame["collected"] > 0)
    return frame


def trend(session: Session, u: Unit, period: Period, bucket: str = "day",
          line: str | None = None) -> pd.DataFrame:
    """Counts per local-time bucket (`hour`, `day`, `month` or `hour_of_day`), oldest first:
    columns bucket, collected, closed, open, overdue, closure_rate."""
    label = local_bucket(session, Incident.reported_at, bucket).label("bucket")
    rows = session.execute(select(label, *_count_columns())
                           .where(*incident_filters(u, period, line))
                           .group_by(label).order_by(label)).all()
    return _with_rate(pd.DataFrame(rows, columns=["bucket", *COUNT_COLUMNS]))


def by_line(session: Session, u: Unit, period: Period | None) -> pd.DataFrame:
    """Counts per business line ("网格+" practice), largest first, with the lines' names."""
    rows = session.execute(
        select(Incident.line_code, BusinessLine.name, BusinessLine.name_en, *_count_columns())
        .join(BusinessLine, BusinessLine.code == Incident.line_code, isouter=True)
        .where(*incident_filters(u, period))
        .group_by(Incident.line_code, BusinessLine.name, BusinessLine.name_en)
        .order_by(func.count().desc(), Incident.line_code)).all()
    return _with_rate(pd.DataFrame(rows, columns=["line", "name", "name_en", *COUNT_COLUMNS]))


def by_item(session: Session, u: Unit, period: Period | None, line: str | None = None,
            limit: int | None = None) -> pd.DataFrame:
    """Counts per business item, largest first, with item and department names."""
    query = (select(Incident.business_item_code, BusinessItem.name, BusinessItem.name_en,
                    BusinessItem.department_code, *_count_columns())
             .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
             .where(*incident_filters(u, period, line))
             .group_by(Incident.business_item_code, BusinessItem.name, BusinessItem.name_en,
                       BusinessItem.department_code)
             .order_by(func.count().desc(), Incident.business_item_code))
    if limit:
        query = query.limit(limit)
    return _with_rate(pd.DataFrame(session.execute(query).all(),
                                   columns=["item", "name", "name_en", "department",
                                            *COUNT_COLUMNS]))


def department_board(session: Session, u: Unit, period: Period | None,
                     line: str | None = None) -> pd.DataFrame:
    """Per department, for incidents dispatched to it: dispatched, accepted, accepted within the
    item's limit, median minutes to accept and to resolve, bounced items, open and overdue.
    Medians are computed here (SQLite has no median), so keep periods screen-sized."""
    accept_min = minutes_between(session, Incident.dispatched_at, Incident.accepted_at)
    resolve_min = minutes_between(session, Incident.accepted_at, Incident.resolved_at)
    rows = session.execute(
        select(Incident.department_code, accept_min, resolve_min,
               case((accept_min <= BusinessItem.limit_accept_min, 1), else_=0),
               case((Incident.bounce_count > 0, 1), else_=0),
               case((Incident.state.in_(OPEN_STATES), 1), else_=0),
               case((Incident.state.in_(OPEN_STATES) & Incident.overdue.is_(True), 1), else_=0))
        .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
        .where(*incident_filters(u, period, line), Incident.dispatched_at.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=["department", "accept_min", "resolve_min", "in_time",
                                        "bounced", "open", "overdue"])
    board = frame.groupby("department").agg(
        dispatched=("department", "size"), accepted=("accept_min", "count"),
        accepted_in_time=("in_time", "sum"), median_accept_min=("accept_min", "median"),
        median_resolve_min=("resolve_min", "median"), bounced=("bounced", "sum"),
        open=("open", "sum"), overdue=("overdue", "sum")).reset_index()
    names = pd.DataFrame(session.execute(select(Department.code, Department.name,
                                                Department.name_en)).all(),
                         columns=["department", "name", "name_en"])
    board = board.merge(names, on="department", how="left")
    board["in_time_rate"] = (board["accepted_in_time"] / board["dispatched"]).where(
        board["dispatched"] > 0)
    return board.sort_values(["dispatched", "department"], ascending=[False, True],
                             ignore_index=True)


def funnel(session: Session, u: Unit, period: Period | None = None, line: str | None = None,
           now: datetime | None = None) -> pd.DataFrame:
    """Open work per state in loop order: count, overdue and median minutes waiting in the
    current stage (since `stage_started_at`). No period: everything open now."""
    now = now or utcnow()
    waited = minutes_between(session, Incident.stage_started_at, literal(now, Incident.reported_at.type))
    rows = session.execute(
        select(Incident.state, waited, Incident.overdue.cast(Integer))
        .where(*incident_filters(u, period, line), Incident.state.in_(OPEN_STATES))).all()
    frame = pd.DataFrame(rows, columns=["state", "wait_min", "overdue"])
    grouped = frame.groupby("state").agg(count=("state", "size"), overdue=("overdue", "sum"),
                                         median_wait_min=("wait_min", "median"))
    out = grouped.reindex(list(OPEN_STATES)).reset_index().rename(columns={"index": "state"})
    out["count"] = out["count"].fillna(0).astype(int)
    out["overdue"] = out["overdue"].fillna(0).astype(int)
    return out


def supervision_by_level(session: Session, u: Unit, period: Period | None = None,
                         line: str | None = None) -> dict[str, int]:
    """Open supervision items under the unit by current level (opened in the period, if given)."""
    return supervision_counts(session, u, period, line)


def staff_by_role(session: Session, u: Unit) -> dict[str, int]:
    """Field staff answering for places under the unit, by role (zeros included)."""
    counts = dict.fromkeys(STAFF_ROLES, 0)
    counts.update(dict(session.execute(select(Staff.role, func.count())
                                       .where(*subtree(Staff, u)).group_by(Staff.role)).all()))
    return counts
