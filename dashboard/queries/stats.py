"""Aggregates for the screens: trends in local time, breakdowns by line and item, the department
board, the open-work funnel, supervision and staff counts. Pure reads; DataFrames or dicts out.

Every function takes the unit (a `Unit` row, already checked against the caller's jurisdiction)
and an optional period and line; incidents count when *reported* in the period under the unit,
as in `dashboard.queries.units.figures`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Integer, case, func, literal, select
from sqlalchemy.orm import Session

from dashboard.core.models import (
    OPEN_STATES,
    STAFF_ROLES,
    BusinessItem,
    BusinessLine,
    Department,
    Incident,
    Staff,
    Unit,
)
from dashboard.core.timeutil import LOCAL_TZ, Period, utcnow
from dashboard.queries.units import incident_filters, subtree, supervision_counts

# Local-time bucket labels. Asia/Shanghai offsets are whole hours, so UTC hour buckets map
# exactly onto local ones: the database groups by UTC hour, Python relabels and sums.
BUCKETS = {"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m", "hour_of_day": "%H"}
COUNT_COLUMNS = ("collected", "closed", "open", "overdue")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def utc_hour(session: Session, column: Any) -> ColumnElement[Any]:
    """A SQL expression for the UTC hour a timestamp falls in (text on SQLite, timestamp on PG)."""
    if _dialect(session) == "sqlite":
        # SQLite stores UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'; the hour is a prefix, read from the index.
        return func.substr(column, 1, 13)
    return func.date_trunc("hour", column, "UTC")


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
    columns bucket, collected, closed, open, overdue, closure_rate. Empty buckets are absent."""
    fmt = BUCKETS[bucket]
    hour = utc_hour(session, Incident.reported_at).label("hour")
    rows = session.execute(select(hour, *_count_columns())
                           .where(*incident_filters(u, period, line)).group_by(hour)).all()
    frame = pd.DataFrame(rows, columns=["hour", *COUNT_COLUMNS])
    hours = pd.to_datetime(frame["hour"], utc=True, format="%Y-%m-%d %H" if
                           _dialect(session) == "sqlite" else "ISO8601")
    frame["bucket"] = hours.dt.tz_convert(LOCAL_TZ).dt.strftime(fmt)
    frame = frame.groupby("bucket", as_index=False, sort=True)[list(COUNT_COLUMNS)].sum()
    return _with_rate(frame)


def _names(session: Session, model: Any, key: str, *extra: Any) -> pd.DataFrame:
    rows = session.execute(select(model.code, model.name, model.name_en, *extra)).all()
    return pd.DataFrame(rows, columns=[key, "name", "name_en", *[c.key for c in extra]])


def _breakdown(session: Session, column: Any, key: str, u: Unit, period: Period | None,
               line: str | None) -> pd.DataFrame:
    # Group on the code alone (covered by the figures indexes), attach names afterwards.
    rows = session.execute(select(column, *_count_columns())
                           .where(*incident_filters(u, period, line)).group_by(column)).all()
    return pd.DataFrame(rows, columns=[key, *COUNT_COLUMNS])


def by_line(session: Session, u: Unit, period: Period | None) -> pd.DataFrame:
    """Counts per business line ("网格+" practice), largest first, with the lines' names."""
    frame = _breakdown(session, Incident.line_code, "line", u, period, None)
    frame = frame.merge(_names(session, BusinessLine, "line"), on="line", how="left")
    frame = frame[["line", "name", "name_en", *COUNT_COLUMNS]]
    return _with_rate(frame.sort_values(["collected", "line"], ascending=[False, True],
                                        ignore_index=True))


def by_item(session: Session, u: Unit, period: Period | None, line: str | None = None,
            limit: int | None = None) -> pd.DataFrame:
    """Counts per business item, largest first, with item names and departments."""
    frame = _breakdown(session, Incident.business_item_code, "item", u, period, line)
    names = _names(session, BusinessItem, "item", BusinessItem.department_code)
    frame = frame.merge(names.rename(columns={"department_code": "department"}), on="item",
                        how="left")[["item", "name", "name_en", "department", *COUNT_COLUMNS]]
    frame = frame.sort_values(["collected", "item"], ascending=[False, True], ignore_index=True)
    return _with_rate(frame.head(limit) if limit else frame)


def _whole_minutes(session: Session, value: ColumnElement[float]) -> ColumnElement[int]:
    """`value` (minutes, >= 0) truncated to a whole minute, NULL where a timestamp is missing."""
    # CAST truncates on SQLite but rounds on PostgreSQL: floor first there (waits are >= 0).
    # The 60 ms nudge keeps julianday's float error from turning 34 min into 33.99999.
    nudged = value + 0.001
    whole = nudged if _dialect(session) == "sqlite" else func.floor(nudged)
    return whole.cast(Integer)


def _medians(hist: pd.DataFrame) -> dict[str, float]:
    """Median per department from a histogram (department, minute, n) of whole minutes: the
    database groups (cheap on both databases, unlike sorting every row), Python walks it."""
    hist = hist[hist["minute"].notna() & (hist["n"] > 0)].sort_values(["department", "minute"])
    medians = {}
    for department, group in hist.groupby("department"):
        cumulative = group["n"].cumsum().to_numpy()
        total = int(cumulative[-1])
        # 1-based positions of the middle value(s) in the sorted list of all values.
        low, high = (total + 1) // 2, (total + 2) // 2
        minutes = group["minute"].to_numpy()
        medians[department] = float(minutes[cumulative.searchsorted(low)]
                                    + minutes[cumulative.searchsorted(high)]) / 2
    return medians


def _sql_medians(session: Session, value: ColumnElement[float], where: list[Any]) -> dict[str, float]:
    """Median whole minutes of `value` per department, computed in the database: a histogram
    of whole minutes, running totals over it (window functions), and only the one or two
    groups around the middle come back."""
    minute = _whole_minutes(session, value).label("minute")
    hist = (select(Incident.department_code.label("department"), minute, func.count().label("n"))
            .where(*where, value.is_not(None)).group_by(Incident.department_code, minute).subquery())
    running = select(hist.c.department, hist.c.minute, hist.c.n,
                     func.sum(hist.c.n).over(partition_by=hist.c.department,
                                             order_by=hist.c.minute).label("cum"),
                     func.sum(hist.c.n).over(partition_by=hist.c.department).label("total")).subquery()
    # Loose bounds (sums are NUMERIC on PostgreSQL): the middle positions lie in [total/2, total/2 + 1].
    half = running.c.total / 2.0
    rows = session.execute(select(running.c.department, running.c.minute, running.c.n,
                                  running.c.cum, running.c.total)
                           .where(running.c.cum >= half, running.c.cum - running.c.n <= half + 1)).all()
    picked: dict[str, dict[int, int]] = {}
    for department, minute_, n, cum, total in rows:
        low, high = (int(total) + 1) // 2, (int(total) + 2) // 2
        first = int(cum) - int(n)  # positions first+1 .. cum hold this minute
        for position in (low, high):
            if first < position <= int(cum):
                picked.setdefault(department, {})[position] = int(minute_)
    return {d: float(sum(m.values())) / 2 if len(m) == 2 else float(next(iter(m.values())))
            for d, m in picked.items()}


BOARD_COUNTS = ("dispatched", "accepted", "accepted_in_time", "bounced", "open", "overdue")


def department_board(session: Session, u: Unit, period: Period | None,
                     line: str | None = None) -> pd.DataFrame:
    """Per department, for incidents dispatched to it: dispatched, accepted, accepted within the
    item's limit, median whole minutes to accept and to resolve, bounced, open and overdue.
    Two grouped passes (a year for the city is fine on both databases)."""
    accept_min = minutes_between(session, Incident.dispatched_at, Incident.accepted_at)
    resolve_min = minutes_between(session, Incident.accepted_at, Incident.resolved_at)
    where = [*incident_filters(u, period, line), Incident.dispatched_at.is_not(None),
             Incident.department_code.is_not(None)]
    is_open = Incident.state.in_(OPEN_STATES)
    # Pass 1: the counts, grouped by department and whole minutes to accept, so the same scan
    # yields the accept histogram; the counts are summed per department afterwards.
    accept_minute = _whole_minutes(session, accept_min).label("minute")
    rows = session.execute(
        select(Incident.department_code, accept_minute, func.count(), func.count(Incident.accepted_at),
               func.sum(case((accept_min <= BusinessItem.limit_accept_min, 1), else_=0)),
               func.sum(case((Incident.bounce_count > 0, 1), else_=0)),
               func.sum(case((is_open, 1), else_=0)),
               func.sum(case((is_open & Incident.overdue.is_(True), 1), else_=0)))
        .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
        .where(*where).group_by(Incident.department_code, accept_minute)).all()
    groups = pd.DataFrame(rows, columns=["department", "minute", *BOARD_COUNTS])
    for column in BOARD_COUNTS:
        groups[column] = groups[column].fillna(0).astype(int)
    board = groups.groupby("department", as_index=False, sort=False)[list(BOARD_COUNTS)].sum()
    accept_hist = groups.rename(columns={"accepted": "n"})[["department", "minute", "n"]]
    # Pass 2: minutes to resolve spread over days (a six-figure histogram for a year), so the
    # database also walks it and returns only the groups holding the middle.
    resolve_medians = _sql_medians(session, resolve_min, where)
    board["median_accept_min"] = board["department"].map(_medians(accept_hist))
    board["median_resolve_min"] = board["department"].map(resolve_medians)
    board = board.merge(_names(session, Department, "department"), on="department", how="left")
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
