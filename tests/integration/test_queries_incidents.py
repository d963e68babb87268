"""Incident lists (newest first, keyset pages), one incident's timeline, catalogue and search."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashboard.core.models import OPEN_STATES, IncidentEvent
from dashboard.core.timeutil import Period
from dashboard.queries import catalog as queries_catalog
from dashboard.queries import incidents as queries_incidents
from dashboard.queries import units as queries
from tests.integration.test_queries import GRIDS, YEAR, build_mini_world


def test_list_is_newest_first_and_pages_without_gaps(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        city = queries.unit(s, "putian")
        seen, before = [], None
        while True:
            page, before = queries_incidents.incidents(
                s, city, period=YEAR, limit=7,
                before=queries_incidents.incident_row(s, before) if before else None)
            seen.extend(page)
            if before is None:
                break
    in_year = sorted((x for x in specs if x.local.year == 2018), key=lambda x: x.local, reverse=True)
    assert [row["id"] for row in seen] == [x.id for x in in_year]


def test_list_filters_by_unit_state_line(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        town = queries.unit(s, "licheng-zhenhai")
        closed, _ = queries_incidents.incidents(s, town, state="closed", period=YEAR, limit=500)
        opened, _ = queries_incidents.incidents(s, town, state="open", period=YEAR, limit=500)
        late, _ = queries_incidents.incidents(s, town, state="overdue", period=YEAR, limit=500)
        noise, _ = queries_incidents.incidents(s, town, period=YEAR, line="weiwangge", limit=500)
    mine = [x for x in specs if x.under("licheng-zhenhai") and x.local.year == 2018]
    assert {r["id"] for r in closed} == {x.id for x in mine if x.state == "closed"}
    assert {r["id"] for r in opened} == {x.id for x in mine if x.state in OPEN_STATES}
    assert {r["id"] for r in late} == {x.id for x in mine if x.state in OPEN_STATES and x.overdue}
    assert {r["id"] for r in noise} == {x.id for x in mine if x.line == "weiwangge"}
    assert all(r["town"] == "licheng-zhenhai" for r in closed + opened)


def test_timeline_synthesised_from_timestamps(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    closed = next(x for x in specs if x.state == "closed")
    cancelled = next(x for x in specs if x.state == "cancelled")
    with Session() as s:
        full = queries_incidents.incident(s, closed.id)
        dropped = queries_incidents.incident(s, cancelled.id)
        assert queries_incidents.incident(s, "missing") is None
    assert [step["to"] for step in full["timeline"]] == [
        "reported", "dispatched", "accepted", "resolved", "closed"]
    assert all(step["synthesised"] for step in full["timeline"])
    assert [step["at"] for step in full["timeline"]] == sorted(step["at"] for step in full["timeline"])
    assert [step["to"] for step in dropped["timeline"]] == ["reported", "cancelled"]
    assert [u["code"] for u in full["path"]][0] == "putian"
    assert full["path"][-1]["code"] == closed.grid
    assert full["business_item_name"] and full["department_name"]


def test_timeline_prefers_event_rows(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
        target = next(x for x in specs if x.state == "dispatched")
        at = datetime(2018, 6, 1, 1, tzinfo=UTC)
        s.add_all([IncidentEvent(incident_id=target.id, action="report", from_state=None,
                                 to_state="reported", at=at, event_key="k1"),
                   IncidentEvent(incident_id=target.id, action="dispatch", from_state="reported",
                                 to_state="dispatched", at=at.replace(hour=2), actor="center",
                                 department_code="env", note="请尽快处理", event_key="k2")])
    with Session() as s:
        steps = queries_incidents.incident(s, target.id)["timeline"]
    assert [(x["action"], x["synthesised"]) for x in steps] == [("report", False), ("dispatch", False)]
    assert steps[1]["note"] == "请尽快处理"


def test_catalogue(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        items = queries_catalog.business_items(s)
        depts = queries_catalog.departments(s)
        lines = queries_catalog.business_lines(s)
    assert [i["code"] for i in items] == ["food-license", "noise"]
    assert items[1]["department_name"] == "生态环境局" and items[1]["limits_min"]["resolve"] == 720
    assert {d["code"]: d["business_items"] for d in depts} == {"env": 1, "market": 1}
    assert {line["code"] for line in lines} == {"general", "weiwangge"}


def test_search_units_and_staff(Session):
    with Session.begin() as s:
        build_mini_world(s)
    with Session() as s:
        found = queries_catalog.search(s, "长寿")
        english = queries_catalog.search(s, "xing'an")
        people = queries_catalog.search(s, "林志")
        within = queries_catalog.search(s, "社区", within=queries.unit(s, "chengxiang"))
        staff_within = queries_catalog.search(s, "林志", within=queries.unit(s, GRIDS[0]))
        literal = queries_catalog.search(s, "%")
        pinyin = queries_catalog.search(s, "Lin Zhi")
        exact_pinyin = queries_catalog.search(s, "chenmeiling")
        pinyin_within = queries_catalog.search(s, "linzhi", within=queries.unit(s, GRIDS[0]))
        assert queries_catalog.search(s, "  ") == {"units": [], "staff": []}
    assert found["units"][0]["code"] == "licheng-zhenhai-changshou"
    assert [u["code"] for u in found["units"][0]["path"]] == ["putian", "licheng", "licheng-zhenhai"]
    assert english["units"][0]["code"] == "chengxiang-longqiao-xingan"
    assert {p["name"] for p in people["staff"]} == {"林志强", "林志明"}
    assert within["units"][0]["code"] == "chengxiang-longqiao-xingan"  # villages before grids
    assert {u["code"] for u in within["units"]} == {"chengxiang-longqiao-xingan", *GRIDS[4:]}
    assert [p["name"] for p in staff_within["staff"]] == ["林志强"]
    assert literal == {"units": [], "staff": []}
    assert {p["name"] for p in pinyin["staff"]} == {"林志强", "林志明"}
    assert [p["name"] for p in exact_pinyin["staff"]] == ["陈美玲"]
    assert [p["name"] for p in pinyin_within["staff"]] == ["林志强"]


def test_period_none_lists_everything(Session):
    with Session.begin() as s:
        specs = build_mini_world(s)
    with Session() as s:
        rows, _ = queries_incidents.incidents(s, queries.unit(s, "putian"), limit=500)
        day, _ = queries_incidents.incidents(s, queries.unit(s, "putian"),
                                             period=Period(date(2017, 12, 31), date(2017, 12, 31)))
    assert len(rows) == len(specs)
    assert [r["id"] for r in day] == ["inc-eve"]
