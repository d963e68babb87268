"""A second city, not Putian: its own root code and geography (tests/data/geo_example.geojson with
its codes renamed), seeded by `seed --geo`, goes the whole way: an incident through the intake API,
stored by the persister, a critical alert that the escalation timer carries to its own root, and
its own city wall showing that alert. Nothing in the product may assume the city is `putian`."""

from __future__ import annotations

from datetime import timedelta

from flask import g
from sqlalchemy import select

from bench.supervision_world import FakeClock
from callbacks import wall as wall_cb
from dashboard.app import create_app
from dashboard.auth.walls import default_wall_path
from dashboard.contract import schema
from dashboard.core.models import Alert, BusinessItem, Unit
from dashboard.core.principal import Principal, issue_token
from dashboard.core.timeutil import utcnow
from dashboard.core.units import LADDER, root_code
from dashboard.demo.seed import seed_world
from feeds.supervisor import Supervisor
from layouts import wall as wall_layout
from tests.integration.intake_support import drain, persist_consumer
from tests.integration.test_world_overdue import _imported_city

CITY = "xiapu"


def _page_attrs(node) -> dict:
    return {k: v for k, v in node.to_plotly_json()["props"].items() if k.startswith("data-")}


def test_a_second_city_runs_from_intake_to_its_own_wall(engine, Session, services_for, tmp_path):  # noqa: N803
    now = utcnow()
    geo = _imported_city(tmp_path, CITY)
    seed_world(engine, progress=False, geo_file=str(geo), now=now - timedelta(hours=1), scale=0.05)
    with Session.begin() as s:
        assert root_code(s) == CITY
        grid = s.execute(select(Unit).where(Unit.level == "grid").order_by(Unit.code)).scalars().first()
        item = s.execute(select(BusinessItem.code).order_by(BusinessItem.code)).scalars().first()
        device = issue_token(s, "second-city-phone", "device", CITY)
        wall_path = default_wall_path(CITY, "city")
        wall_token = issue_token(s, "second-city-wall", "wall", CITY, wall_path=wall_path)
    services = services_for(engine)
    clock = FakeClock(now)
    app = create_app(services.settings, services)
    app.extensions["dashboard.clock"] = clock
    client = app.test_client()

    # Intake: a critical incident in one of the second city's grids, routed to its own root.
    body = {"id": "second-city-1", "reported_at": now.isoformat(), "lat": grid.centroid_lat,
            "lon": grid.centroid_lon, "grid": grid.code, "business_item": item, "source": "patrol",
            "severity": 4, "description": "示例市网格内的重大事件"}
    answer = client.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {device}"})
    assert answer.status_code == 202, answer.get_json()
    entries = [schema.decode(schema.INCIDENTS, *e) for e in services.redis.xrange(schema.INCIDENTS)]
    [reported] = [e for e in entries if e.type == schema.T_REPORTED]
    assert reported.data["units"][0] == CITY and reported.data["units"][-1] == grid.code
    assert drain(persist_consumer(services.redis, Session)) >= 1

    # The supervise worker raises the alert and its timer carries it up the ladder to the city.
    sup = Supervisor(services, clock=clock)
    sup.handle([reported])
    with Session() as s:
        [alert] = s.execute(select(Alert).where(Alert.incident_id == body["id"])).scalars().all()
        assert alert.severity == 4 and alert.grid_code == grid.code
    for _ in LADDER:
        clock.now += timedelta(days=1)
        sup.scan(clock.now)
    feed = [schema.decode(schema.ALERTS, *e).data for e in services.redis.xrange(schema.ALERTS)]
    escalations = [e for e in feed if e.get("id") == alert.id]
    tops = [e for e in escalations if e.get("to_level") == "city"]
    assert tops and tops[-1]["to_unit"] == CITY and tops[-1]["to_unit_name"] == "示例市"
    assert all(e["units"][0] == CITY for e in escalations)
    with Session() as s:
        assert s.get(Alert, alert.id).level == "city"

    # Its wall: the city wall URL opens with the second city's token, and shows the alert.
    wall = client.get(f"/wall/city?token={wall_token}")
    assert wall.status_code == 303 and client.get("/wall/city").status_code == 200
    with app.test_request_context("/_dash-update-component"):
        g.principal = Principal(name="second-city-wall", role="wall", unit_code=CITY, unit_level="city",
                                wall_path="/wall/city", via="session")
        page = wall_layout.wall_city_page()
        assert _page_attrs(page) == {"data-home": CITY, "data-root": CITY}
        shown = wall_cb.open_critical({}, None, "zh")
        [ours] = [a for a in shown if a["id"] == alert.id]
        assert ours["place"].startswith("东区 › ") and ours["place"].endswith(grid.name)
        assert wall_cb.tour_stops({})[0] == CITY
