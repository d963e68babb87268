"""Units, figures and roll-ups on a small hand-built world, on SQLite and PostgreSQL.

`build_mini_world` is shared with the other query and read-API tests: it inserts a city with two
districts, three towns, three villages, six grids, two lines, two items and a spread of incidents,
and returns the specs it inserted so tests can count the expected figures independently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dashboard.core.models import (
    OPEN_STATES,
    BusinessItem,
    BusinessLine,
    Certificate,
    Department,
    Incident,
    Staff,
    SupervisionItem,
    Unit,
)
from dashboard.core.timeutil import LOCAL_TZ, Period
from dashboard.queries import units as queries

TREE = {  # code: (name, name_en, parent)
    "putian": ("莆田市", "Putian", None),
    "licheng": ("荔城区", "Licheng District", "putian"),
    "chengxiang": ("城厢区", "Chengxiang District", "putian"),
    "licheng-zhenhai": ("镇海街道", "Zhenhai Subdistrict", "licheng"),
    "licheng-gongchen": ("拱辰街道", "Gongchen Subdistrict", "licheng"),
    "chengxiang-longqiao": ("龙桥街道", "Longqiao Subdistrict", "chengxiang"),
    "licheng-zhenhai-changshou": ("长寿社区", "Changshou Community", "licheng-zhenhai"),
    "licheng-gongchen-gongchen": ("拱辰社区", "Gongchen Community", "licheng-gongchen"),
    "chengxiang-longqiao-xingan": ("兴安社区", "Xing'an Community", "chengxiang-longqiao"),
}
VILLAGES = [code for code in TREE if code.count("-") == 2]
GRIDS = [f"{village}-g{n:02d}" for village in VILLAGES for n in (1, 2)]
LEVEL_BY_DEPTH = ("city", "district", "town", "village", "grid")
STATE_CYCLE = ("closed", "closed", "closed", "reported", "dispatched", "accepted", "resolved",
               "closed", "cancelled", "closed", "closed")
SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[119.0, 25.4], [119.1, 25.4],
                                                          [119.1, 25.5], [119.0, 25.5],
                                                          [119.0, 25.4]]]})


@dataclass
class Spec:
    """What one inserted incident is, for counting expected figures in Python."""

    id: str
    grid: str
    local: datetime
    state: str
    overdue: bool
    line: str

    def under(self, code: str) -> bool:
        return code == "putian" or self.grid == code or self.grid.startswith(code + "-")


def _unit(code: str, name: str, name_en: str, parent: str | None, sort_key: int) -> Unit:
    parts = code.split("-")
    depth = 0 if parent is None else len(parts)
    chain = ["-".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return Unit(code=code, name=name, name_en=name_en, level=LEVEL_BY_DEPTH[depth],
                parent_code=parent,
                district_code=chain[0] if depth > 1 else None,
                town_code=chain[1] if depth > 2 else None,
                village_code=chain[2] if depth > 3 else None,
                boundary=SQUARE, centroid_lat=25.45, centroid_lon=119.05, area_km2=1.0,
                population=100, urban=True, sort_key=sort_key)


def build_mini_world(session) -> list[Spec]:
    """Insert the small world; returns the incident specs (ids in insertion order)."""
    tree = dict(TREE)
    for grid in GRIDS:
        village = grid.rsplit("-", 1)[0]
        tree[grid] = (f"{TREE[village][0]}第{grid[-2:]}网格", f"{TREE[village][1]} Grid {grid[-2:]}",
                      village)
    for i, (code, (name, name_en, parent)) in enumerate(tree.items()):
        session.add(_unit(code, name, name_en, parent, i))
        session.flush()
    session.add_all([Department(code="market", name="市场监督管理局", name_en="Market Supervision",
                                enforcement=True),
                     Department(code="env", name="生态环境局", name_en="Ecology and Environment",
                                enforcement=True),
                     BusinessLine(code="general", name="综合", name_en="General"),
                     BusinessLine(code="weiwangge", name="微网格", name_en="Micro-grid",
                                  origin_unit_code="licheng")])
    session.flush()
    session.add_all([
        BusinessItem(code="food-license", name="无证经营食品", name_en="Unlicensed food business",
                     department_code="market", line_code="general", limit_dispatch_min=30,
                     limit_accept_min=60, limit_resolve_min=1440, limit_check_min=240),
        BusinessItem(code="noise", name="噪声扰民", name_en="Noise nuisance", department_code="env",
                     line_code="weiwangge", limit_dispatch_min=30, limit_accept_min=60,
                     limit_resolve_min=720, limit_check_min=240)])
    session.flush()
    specs = []
    start = datetime(2018, 1, 1, 0, 30, tzinfo=LOCAL_TZ)
    for i in range(66):
        # Steps of 11 h 7 min walk through every hour of the day and across months.
        local = start + timedelta(minutes=667 * i)
        state = STATE_CYCLE[i % len(STATE_CYCLE)]
        specs.append(Spec(f"inc-{i:03d}", GRIDS[(i * 5) % len(GRIDS)], local, state,
                          overdue=(i % 4 == 0 and state != "cancelled"),
                          line="weiwangge" if i % 3 == 0 else "general"))
    # Just before the year in local time (but 2018 in neither UTC reading): excluded from 2018.
    specs.append(Spec("inc-eve", GRIDS[0], datetime(2017, 12, 31, 23, 30, tzinfo=LOCAL_TZ),
                      "closed", False, "general"))
    for spec in specs:
        session.add(_incident(spec))
    session.add_all([Staff(id=f"s{i:02d}", name=name, role=role, unit_code=grid, grid_code=grid,
                           village_code=grid.rsplit("-", 1)[0], town_code=grid.rsplit("-", 2)[0],
                           district_code=grid.split("-")[0])
                     for i, (name, role, grid) in enumerate([
                         ("林志强", "info_manager", GRIDS[0]), ("陈美玲", "patrol", GRIDS[0]),
                         ("黄建国", "enforcement", GRIDS[2]), ("林志明", "patrol", GRIDS[4])])])
    session.flush()
    for i, grid in enumerate(GRIDS):
        kind = ("senior_card", "love_card", "residence")[i % 3]
        session.add(Certificate(kind=kind, handled_at=datetime(2018, 3, 1 + i, 2, tzinfo=UTC),
                                grid_code=grid, village_code=grid.rsplit("-", 1)[0],
                                town_code=grid.rsplit("-", 2)[0], district_code=grid.split("-")[0]))
    for n, spec in enumerate(s for s in specs if s.overdue and s.state in OPEN_STATES):
        level = ("village", "town", "district")[n % 3]
        session.add(SupervisionItem(
            incident_id=spec.id, stage="accept", level=level, unit_code=spec.grid.rsplit("-", 1)[0],
            grid_code=spec.grid, village_code=spec.grid.rsplit("-", 1)[0],
            town_code=spec.grid.rsplit("-", 2)[0], district_code=spec.grid.split("-")[0],
            opened_at=spec.local.astimezone(UTC) + timedelta(hours=2),
            due_at=spec.local.astimezone(UTC) + timedelta(hours=6), escalations=n % 3))
    session.flush()
    return specs


def step_minutes(n: int) -> int:
    """Minutes from report to the n-th step (dispatch 1 .. close 4) of every mini-world incident."""
    return 20 * n + 7 * n * n


def _incident(spec: Spec) -> Incident:
    at = spec.local.astimezone(UTC)
    steps = ("reported", "dispatched", "accepted", "resolved", "closed")
    reached = steps.index(spec.state) if spec.state in steps else 0

    def step(n: int) -> datetime | None:
        return at + timedelta(minutes=step_minutes(n)) if reached >= n else None

    grid = spec.grid
    return Incident(
        id=spec.id, reported_at=at, lat=25.45, lon=119.05, grid_code=grid,
        village_code=grid.rsplit("-", 1)[0], town_code=grid.rsplit("-", 2)[0],
        district_code=grid.split("-")[0],
        business_item_code="noise" if spec.line == "weiwangge" else "food-license",
        line_code=spec.line, department_code="env" if spec.line == "weiwangge" else "market",
        source="patrol", severity=2, description=f"测试事件 {spec.id}", reporter_id="s00",
        state=spec.state, dispatched_at=step(1), accepted_at=step(2), resolved_at=step(3),
        closed_at=step(4), cancelled_at=at + timedelta(hours=1) if spec.state == "cancelled" else None,
        stage_started_at=at, overdue=spec.overdue, updated_at=at,
        bounce_count=1 if spec.id.endswith("5") else 0)


def expected(specs: list[Spec], code: str, period: Period, line: str | None = None) -> dict:
    """The figures counted from the specs in Python, independently of the SQL."""
    chosen = [s for s in specs if s.under(code) and period.start <= s.local.date() <= period.end
              and (line is None or s.line == line)]
    opened = [s for s in chosen if s.state in OPEN_STATES]
    return {"collected": len(chosen), "closed": sum(s.state == "closed" for s in chosen),
            "cancelled": sum(s.state == "cancelled" for s in chosen), "open": len(opened),
            "overdue": sum(s.overdue for s in opened),
            "open_by_state": {st: sum(s.state == st for s in opened) for st in OPEN_STATES}}


YEAR = Period(date(2018, 1, 1), date(2018, 12, 31))


def test_tree_navigation(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        assert queries.unit(s, "nowhere") is None
        assert [u.code for u in queries.children(s, "putian")] == ["licheng", "chengxiang"]
        assert [u.level for u in queries.ancestors(s, GRIDS[0])] == list(LEVEL_BY_DEPTH)
        assert queries.ancestors(s, "putian")[0].code == "putian"
        assert queries.ancestors(s, "nowhere") == []
        assert queries.children(s, GRIDS[0]) == []


def test_figures_match_rows_at_every_level(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        for code in ["putian", "licheng", "licheng-zhenhai", VILLAGES[0], GRIDS[3]]:
            fig = queries.figures(s, code, YEAR)
            want = expected(specs, code, YEAR)
            assert {k: fig[k] for k in want} == want, code
            assert fig["closure_rate"] == want["closed"] / want["collected"]
        assert queries.figures(s, "nowhere", YEAR) is None


def test_period_is_local_dates(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    first_day = Period(date(2018, 1, 1), date(2018, 1, 1))
    eve = Period(date(2017, 12, 31), date(2017, 12, 31))
    with Session() as s:
        assert queries.figures(s, "putian", first_day)["collected"] == len(
            [x for x in specs if x.local.date() == date(2018, 1, 1)])
        assert queries.figures(s, "putian", eve)["collected"] == 1
        assert queries.figures(s, "putian", YEAR)["collected"] == len(specs) - 1


def test_line_filter_and_empty_unit(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        fig = queries.figures(s, "putian", YEAR, line="weiwangge")
        want = expected(specs, "putian", YEAR, "weiwangge")
        assert {k: fig[k] for k in want} == want
        quiet = queries.figures(s, "putian", Period(date(2020, 1, 1), date(2020, 1, 2)))
        assert quiet["collected"] == 0 and quiet["closure_rate"] is None
        assert quiet["on_time_rate"] is None


def test_on_time_rate_counts_open_overdue_against_it(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        fig = queries.figures(s, "putian", YEAR)
    chosen = [x for x in specs if x.local.year == 2018]
    closed_on_time = sum(x.state == "closed" and not x.overdue for x in chosen)
    assert fig["overdue"] > 0
    assert fig["on_time_rate"] == closed_on_time / (fig["closed"] + fig["overdue"])
    assert fig["on_time_rate"] < 1


def test_children_sum_to_parent(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        for code in ["putian", "licheng", "licheng-zhenhai", VILLAGES[0]]:
            for line in (None, "general"):
                parent = queries.figures(s, code, YEAR, line)
                rows = queries.children_figures(s, code, YEAR, line)
                assert [r["code"] for r in rows] == [u.code for u in queries.children(s, code)]
                for key in ("collected", "closed", "open", "overdue", "cancelled"):
                    assert sum(r["figures"][key] for r in rows) == parent[key], (code, key)
                for state in OPEN_STATES:
                    assert sum(r["figures"]["open_by_state"][state] for r in rows) == \
                        parent["open_by_state"][state]
        assert queries.children_figures(s, GRIDS[0], YEAR) == []


def test_supervision_and_certificates(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        fig = queries.figures(s, "putian", YEAR)
        lic = queries.figures(s, "licheng", YEAR)
    open_overdue = [x for x in specs if x.overdue and x.state in OPEN_STATES]
    assert sum(fig["supervision_by_level"].values()) == len(open_overdue)
    assert set(fig["supervision_by_level"]) == {"village", "town", "district", "city"}
    assert sum(lic["supervision_by_level"].values()) == len(
        [x for x in open_overdue if x.under("licheng")])
    kinds = [("senior_card", "love_card", "residence")[i % 3] for i in range(len(GRIDS))]
    assert fig["certificates"]["total"] == len(GRIDS)
    assert fig["certificates"]["senior_card"] == kinds.count("senior_card")
    assert fig["certificates"]["love_card"] == kinds.count("love_card")
    assert lic["certificates"]["total"] == len([g for g in GRIDS if g.startswith("licheng-")])


def test_figures_with_children_agrees_with_the_separate_calls(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        for code in ["putian", "licheng-zhenhai", GRIDS[1]]:
            for line in (None, "weiwangge"):
                fig, rows = queries.figures_with_children(s, code, YEAR, line)
                assert fig == queries.figures(s, code, YEAR, line)
                assert rows == queries.children_figures(s, code, YEAR, line)
        assert queries.figures_with_children(s, "nowhere", YEAR) is None
