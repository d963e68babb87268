"""The simulator in a small hand-built world: every step of an incident's life goes through the
real intake API into the real streams, on SQLite and PostgreSQL, and a run repeats by seed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

from shapely.geometry import box, mapping

from dashboard.contract import schema
from dashboard.core.db import session_factory
from dashboard.core.models import BusinessItem, BusinessLine, Department, Staff, Unit
from dashboard.core.principal import issue_token
from dashboard.core.timeutil import utcnow
from feeds.sim_city import City
from feeds.sim_engine import Simulation
from feeds.sim_world import load_world
from tests.integration.test_simulator import Served, _free_port

CITY = box(119.00, 25.40, 119.02, 25.42)
GRIDS = {"meizhou-gongxia-lianchi-g01": box(119.00, 25.40, 119.01, 25.42),
         "meizhou-gongxia-lianchi-g02": box(119.01, 25.40, 119.02, 25.42)}


def _unit(code: str, level: str, parent: str | None, shape, chain: dict) -> Unit:
    c = shape.centroid
    return Unit(code=code, name=code, name_en=code, level=level, parent_code=parent,
                boundary=json.dumps(mapping(shape)), centroid_lat=c.y, centroid_lon=c.x, area_km2=4.0,
                population=1000, **chain)


def build_small_world(Session) -> None:  # noqa: N803 - a session factory
    """A city with one district, town and village, two grids, six staff and two business items."""
    d, t, v = "meizhou", "meizhou-gongxia", "meizhou-gongxia-lianchi"
    with Session.begin() as s:
        s.add(_unit("putian", "city", None, CITY, {}))
        s.flush()
        s.add(_unit(d, "district", "putian", CITY, {}))
        s.flush()
        s.add(_unit(t, "town", d, CITY, {"district_code": d}))
        s.flush()
        s.add(_unit(v, "village", t, CITY, {"district_code": d, "town_code": t}))
        s.flush()
        for code, shape in GRIDS.items():
            s.add(_unit(code, "grid", v, shape, {"district_code": d, "town_code": t, "village_code": v}))
        s.add(Department(code="city_mgmt", name="城市管理局", name_en="City management", enforcement=True))
        s.add(BusinessLine(code="general", name="综合", name_en="General"))
        s.add(BusinessLine(code="tourism", name="网格+安全旅游", name_en="Safe tourism", origin_unit_code=d))
        s.flush()
        s.add(BusinessItem(code="CM-001", name="占道经营", name_en="Street vending",
                           department_code="city_mgmt", line_code="general", limit_dispatch_min=30,
                           limit_accept_min=60, limit_resolve_min=600, limit_check_min=240,
                           default_severity=2))
        s.add(BusinessItem(code="TR-001", name="民宿消防隐患", name_en="Homestay fire hazard",
                           department_code="city_mgmt", line_code="tourism", limit_dispatch_min=30,
                           limit_accept_min=60, limit_resolve_min=600, limit_check_min=240,
                           default_severity=3))
        for i in range(6):
            grid = list(GRIDS)[i % 2]
            s.add(Staff(id=f"S{i:05d}", name=f"网格员{i}", role=("patrol", "info_manager")[i % 2],
                        unit_code=grid, grid_code=grid, village_code=v, town_code=t, district_code=d,
                        shift="day"))


def _run(services, Session, seed: int, seconds: float) -> dict[str, int]:  # noqa: N803
    with Session() as s:
        world = load_world(s)
    with Session.begin() as s:
        token = issue_token(s, f"sim-{seed}", "system", "putian")
    # Speed 36,000: an hour of the city per tenth of a second, so whole lifecycles fit in seconds;
    # a quiet city (20 reports a day) so the incidents stay few; phones report twice a second.
    city = City(world, start=utcnow(), speed=36_000, seed=seed, everyone_on_duty=True,
                late_fraction=0.0, incidents_per_day=20, report_period_s=0.5)
    served = Served(services, _free_port())
    try:
        sim = Simulation(city, served.url, token, duration_s=seconds, status_every_s=1,
                         out=lambda _line: None)
        return sim.run()
    finally:
        served.stop()


def _entries(redis_client, stream: str) -> list[tuple[str, dict]]:
    return [(f["type"], json.loads(f["data"])) for _sid, f in redis_client.xrange(stream)]


def test_whole_lifecycles_go_through_the_api(engine, services_for, redis_client):
    Session = session_factory(engine)  # noqa: N806
    build_small_world(Session)
    totals = _run(services_for(engine), Session, seed=1, seconds=4)
    assert not [k for k in totals if k.startswith("http_")], totals

    positions = [p for _t, d in _entries(redis_client, schema.POSITIONS) for p in d["positions"]]
    assert len(positions) == totals["positions_sent"] > 0
    assert {p["staff"] for p in positions} == {f"S{i:05d}" for i in range(6)}
    assert all(p["grid"] in GRIDS for p in positions)

    events = _entries(redis_client, schema.INCIDENTS)
    reported = [d for t, d in events if t == schema.T_REPORTED]
    steps = [d for t, d in events if t == schema.T_TRANSITION]
    assert len(reported) == totals["incidents"] > 0
    assert len(steps) == totals["transitions"] > 0
    # Each incident's steps arrive in loop order, and some reach the end of the loop.
    by_incident: dict[str, list[str]] = {}
    for d in steps:
        by_incident.setdefault(d["incident"], []).append(d["to"])
    for states in by_incident.values():
        assert states[0] in ("dispatched", "cancelled")
    assert Counter(s[-1] for s in by_incident.values())["closed"] > 0
    assert {d["department"] for d in steps if d["action"] == "dispatch"} == {"city_mgmt"}


def test_posting_the_same_incident_again_is_a_harmless_repeat(engine, services_for, redis_client):
    Session = session_factory(engine)  # noqa: N806
    build_small_world(Session)
    with Session() as s:
        world = load_world(s)
    with Session.begin() as s:
        token = issue_token(s, "sim-repeat", "system", "putian")
    start = utcnow()
    city = City(world, start=start, speed=36_000, seed=5)
    incident = next(i for s in range(1, 100) for i in city.incidents(start + timedelta(seconds=s)))
    served = Served(services_for(engine), _free_port())
    try:
        sim = Simulation(city, served.url, token, out=lambda _line: None)
        from feeds.sim_client import Intake

        intake = Intake(served.url, token, sim.counters, threading.Event())
        first = intake.post("/incidents", incident.payload)
        again = intake.post("/incidents", incident.payload)
        step = intake.post(f"/incidents/{incident.id}/transitions", incident.transition(0))
        step_again = intake.post(f"/incidents/{incident.id}/transitions", incident.transition(0))
        refused = intake.post("/incidents", {**incident.payload, "id": "other-1", "business_item": "NOPE"})
        intake.close()
    finally:
        served.stop()
    assert (first.status, again.status, step.status, step_again.status) == (202, 200, 202, 200)
    # A refusal is counted and not retried: sending it again would be refused again.
    assert refused.status == 422 and refused.body["field"] == "business_item"
    assert sim.counters.snapshot() == {"http_422": 1}
    events = _entries(redis_client, schema.INCIDENTS)
    assert [t for t, _d in events] == [schema.T_REPORTED, schema.T_TRANSITION]


def test_server_errors_are_retried_with_backoff_and_never_crash(engine, services_for, redis_client):
    """An intake whose Redis is gone answers 5xx: the simulator backs off, retries, and ends cleanly."""
    import redis

    from dashboard.core.services import Services

    Session = session_factory(engine)  # noqa: N806
    build_small_world(Session)
    with Session() as s:
        world = load_world(s)
    with Session.begin() as s:
        token = issue_token(s, "sim-5xx", "system", "putian")
    good = services_for(engine)
    dead = redis.Redis(port=_free_port(), decode_responses=True, socket_connect_timeout=0.5)
    broken = Services(settings=good.settings, engine=engine, Session=Session, redis=dead)
    served = Served(broken, _free_port())
    city = City(world, start=utcnow(), speed=36_000, seed=2, everyone_on_duty=True, incidents_per_day=20,
                report_period_s=0.5)
    try:
        totals = Simulation(city, served.url, token, duration_s=3, out=lambda _line: None).run()
    finally:
        served.stop()
    assert totals["http_5xx"] > 0 and totals["retries"] > 0
    assert "positions_sent" not in totals and "incidents" not in totals
    assert not [k for k in totals if k.startswith("http_4")], totals
    assert redis_client.xlen(schema.POSITIONS) == 0
