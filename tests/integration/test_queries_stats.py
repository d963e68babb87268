"""Screen aggregates: local-time trends, breakdowns, department board, funnel, staff counts."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from dashboard.core.models import OPEN_STATES, Incident
from dashboard.core.timeutil import LOCAL_TZ, Period
from dashboard.queries import stats as queries_stats
from dashboard.queries import units as queries
from tests.integration.test_queries import GRIDS, YEAR, build_mini_world, step_minutes


def test_trend_buckets_are_local_time(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    in_year = [x for x in specs if x.local.year == 2018]
    with Session() as s:
        city = queries.unit(s, "putian")
        days = queries_stats.trend(s, city, YEAR, "day")
        months = queries_stats.trend(s, city, YEAR, "month")
        hours = queries_stats.trend(s, city, YEAR, "hour")
        rhythm = queries_stats.trend(s, city, YEAR, "hour_of_day")
    assert dict(zip(days["bucket"], days["collected"], strict=True)) == dict(
        Counter(x.local.strftime("%Y-%m-%d") for x in in_year))
    assert dict(zip(months["bucket"], months["collected"], strict=True)) == dict(
        Counter(x.local.strftime("%Y-%m") for x in in_year))
    assert dict(zip(hours["bucket"], hours["collected"], strict=True)) == dict(
        Counter(x.local.strftime("%Y-%m-%d %H:00") for x in in_year))
    assert dict(zip(rhythm["bucket"], rhythm["collected"], strict=True)) == dict(
        Counter(x.local.strftime("%H") for x in in_year))
    assert list(days["bucket"]) == sorted(days["bucket"])
    assert months["closed"].sum() == sum(x.state == "closed" for x in in_year)


def test_breakdowns_by_line_and_item(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    in_year = [x for x in specs if x.local.year == 2018 and x.under("licheng")]
    with Session() as s:
        district = queries.unit(s, "licheng")
        lines = queries_stats.by_line(s, district, YEAR)
        items = queries_stats.by_item(s, district, YEAR)
    assert dict(zip(lines["line"], lines["collected"], strict=True)) == dict(
        Counter(x.line for x in in_year))
    assert set(lines["name"]) == {"综合", "微网格"}
    assert items["collected"].sum() == len(in_year)
    assert list(items["collected"]) == sorted(items["collected"], reverse=True)
    row = lines.set_index("line").loc["weiwangge"]
    assert row["closure_rate"] == row["closed"] / row["collected"]


def test_department_board(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        board = queries_stats.department_board(s, queries.unit(s, "putian"), YEAR)
    dispatched = [x for x in specs if x.local.year == 2018
                  and x.state not in ("reported", "cancelled")]
    by_dept = board.set_index("department")
    assert by_dept["dispatched"].to_dict() == dict(
        Counter("env" if x.line == "weiwangge" else "market" for x in dispatched))
    # Every mini-world incident takes the same minutes per step (within the 60-minute accept limit).
    assert (by_dept["median_accept_min"].round(3) == step_minutes(2) - step_minutes(1)).all()
    assert (by_dept["median_resolve_min"].round(3) == step_minutes(3) - step_minutes(2)).all()
    assert (by_dept["accepted_in_time"] == by_dept["accepted"]).all()
    assert by_dept.loc["env", "name"] == "生态环境局"
    assert board["bounced"].sum() == sum(x.id.endswith("5") for x in dispatched)


def test_funnel_counts_and_waits(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    now = datetime(2019, 1, 1, tzinfo=UTC)
    with Session() as s:
        funnel = queries_stats.funnel(s, queries.unit(s, "putian"), now=now)
    opened = [x for x in specs if x.state in OPEN_STATES]
    assert list(funnel["state"]) == list(OPEN_STATES)
    assert dict(zip(funnel["state"], funnel["count"], strict=True)) == {
        st: sum(x.state == st for x in opened) for st in OPEN_STATES}
    waits = sorted((now - x.local).total_seconds() / 60 for x in opened if x.state == "reported")
    median = funnel.set_index("state").loc["reported", "median_wait_min"]
    middle = len(waits) // 2
    want = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
    assert abs(median - want) < 0.01


def test_staff_and_supervision_counts(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        grid = queries_stats.staff_by_role(s, queries.unit(s, GRIDS[0]))
        city = queries_stats.staff_by_role(s, queries.unit(s, "putian"))
        empty = queries_stats.staff_by_role(s, queries.unit(s, GRIDS[1]))
        sup = queries_stats.supervision_by_level(s, queries.unit(s, "putian"))
        late = queries_stats.supervision_by_level(
            s, queries.unit(s, "putian"), Period(date(2030, 1, 1), date(2030, 1, 1)))
    assert grid == {"info_manager": 1, "patrol": 1, "enforcement": 0}
    assert sum(city.values()) == 4
    assert empty == {"info_manager": 0, "patrol": 0, "enforcement": 0}
    assert sum(sup.values()) > 0 and sum(late.values()) == 0


def test_department_medians_to_the_minute(Session):
    with Session.begin() as s:
        build_mini_world(s)
        rows = s.scalars(select(Incident).where(Incident.accepted_at.is_not(None))
                         .order_by(Incident.id)).all()
        for n, row in enumerate(rows):  # uneven waits, so the median is not any one constant
            row.accepted_at = row.dispatched_at + timedelta(minutes=(n * 37) % 101, seconds=n % 7)
    waits: dict[str, list[float]] = {}
    for row in rows:
        if row.reported_at.astimezone(LOCAL_TZ).year == 2018:
            minutes = (row.accepted_at - row.dispatched_at).total_seconds() / 60
            waits.setdefault(row.department_code, []).append(minutes)
    whole = {d: [math.floor(round(v, 6)) for v in values] for d, values in waits.items()}
    with Session() as s:
        board = queries_stats.department_board(s, queries.unit(s, "putian"), YEAR)
    got = board.set_index("department")["median_accept_min"].to_dict()
    assert set(got) == set(waits)
    for department, values in whole.items():
        assert got[department] == statistics.median(values), department
    in_time = board.set_index("department")["accepted_in_time"].to_dict()
    assert in_time == {d: sum(v <= 60 for v in values) for d, values in waits.items()}


def test_trend_of_a_quiet_period_is_empty(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        quiet = queries_stats.trend(s, queries.unit(s, "putian"),
                                    Period(date(2030, 1, 1), date(2030, 1, 31)), "day")
    assert quiet.empty and list(quiet.columns[:3]) == ["bucket", "collected", "closed"]
