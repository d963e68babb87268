"""Figures on the seeded world (both DBs): the published 2018 totals come out of the queries, the
roll-up holds at every level, and the named places can be found."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dashboard.core.models import Certificate, Incident
from dashboard.core.timeutil import Period
from dashboard.queries import catalog as queries_catalog
from dashboard.queries import incidents as queries_incidents
from dashboard.queries import stats as queries_stats
from dashboard.queries import units as queries
from tests.integration.test_world import open_stages_expected, seed_now

YEAR = Period(date(2018, 1, 1), date(2018, 12, 31))
# DESIGN.md §1, the city's own report for 2018.
PUBLISHED = {"collected": 576_647, "closed": 549_565, "closure_rate": 0.953,
             "certificates": 17_465, "senior_card": 4_116, "love_card": 396}


@pytest.fixture
def Session(world):  # noqa: N802 - a session factory, named like one
    """Sessions on the seeded world (read only)."""
    from dashboard.core.db import session_factory

    return session_factory(world)


def test_city_2018_figures_are_the_published_ones(Session):
    with Session() as s:
        fig = queries.figures(s, "putian", YEAR)
        rows = s.scalar(select(func.count()).select_from(Incident).where(
            Incident.reported_at >= YEAR.utc_start, Incident.reported_at < YEAR.utc_end))
        certs = s.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.handled_at >= YEAR.utc_start, Certificate.handled_at < YEAR.utc_end))
    assert fig["collected"] == rows == PUBLISHED["collected"]
    assert fig["closed"] == PUBLISHED["closed"]
    assert round(fig["closure_rate"], 3) == PUBLISHED["closure_rate"]
    assert fig["certificates"]["total"] == certs == PUBLISHED["certificates"]
    assert fig["certificates"]["senior_card"] == PUBLISHED["senior_card"]
    assert fig["certificates"]["love_card"] == PUBLISHED["love_card"]
    assert fig["collected"] == fig["closed"] + fig["open"] + fig["cancelled"]


def test_children_sum_to_parent_down_one_branch(Session):
    with Session() as s:
        code = "putian"
        while True:
            parent = queries.figures(s, code, YEAR)
            rows = queries.children_figures(s, code, YEAR)
            if not rows:
                break
            for key in ("collected", "closed", "open", "overdue", "cancelled"):
                assert sum(r["figures"][key] for r in rows) == parent[key], (code, key)
            # Walk down through the busiest child, so every level is checked with real numbers.
            code = max(rows, key=lambda r: r["figures"]["collected"])["code"]
        assert queries.unit(s, code).level == "grid"


def test_today_has_open_work_and_overdue_supervision(world, Session):
    with Session() as s:
        city = queries.unit(s, "putian")
        funnel = queries_stats.funnel(s, city)
        supervision = queries_stats.supervision_by_level(s, city)
        listed, _ = queries_incidents.incidents(s, city, state="overdue", limit=5)
    expected = open_stages_expected(seed_now(world))
    assert (funnel.set_index("state").loc[sorted(expected), "count"] > 0).all()
    assert all(supervision[level] > 0 for level in ("village", "town", "district", "city"))
    assert listed and all(row["overdue"] for row in listed)


def test_named_places_are_found(Session):
    with Session() as s:
        for text, code in [("长寿社区", "licheng-zhenhai-changshou"),
                           ("兴安社区", "chengxiang-longqiao-xingan"),
                           ("帽山村", "xianyou-duwei-maoshan"), ("龙华镇", "xianyou-longhua"),
                           ("涵西街道", "hanjiang-hanxi")]:
            found = queries_catalog.search(s, text)["units"]
            assert code in [u["code"] for u in found], text
        grid = queries.unit(s, "chengxiang-longqiao-xingan-g03")
        assert grid is not None and grid.level == "grid"


def test_a_historic_incident_has_a_timeline(Session):
    with Session() as s:
        closed_id = s.scalar(select(Incident.id).where(
            Incident.state == "closed", Incident.reported_at >= YEAR.utc_start).limit(1))
        detail = queries_incidents.incident(s, closed_id)
    assert [step["to"] for step in detail["timeline"]][0] == "reported"
    assert detail["timeline"][-1]["to"] == "closed"
    assert [step["at"] for step in detail["timeline"]] == sorted(step["at"] for step in detail["timeline"])
