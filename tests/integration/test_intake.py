"""The intake API end to end: posted incidents and steps are persisted once and reach live state."""

from __future__ import annotations

import dataclasses
import json
import socket
from types import SimpleNamespace

import pytest
import redis
from prometheus_client import generate_latest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from bench.intake_world import G1, G2, G2_POINT, build_world, now_iso
from dashboard.contract import keys, schema
from dashboard.core.models import Incident, IncidentEvent, Position
from dashboard.ops.metrics import registry
from dashboard.queries.views import open_counts
from feeds import livestate
from tests.integration.intake_support import api_app, drain, incident_body, persist_consumer, token
from tests.integration.metrics_text import parse_metrics


@pytest.fixture
def env(engine, Session, services_for):
    build_world(Session)
    services = services_for(engine)
    app = api_app(services)
    return SimpleNamespace(app=app, http=app.test_client(), Session=Session, redis=services.redis,
                           services=services,
                           consumer=persist_consumer(services.redis, Session),
                           device=token(Session, "device", unit=G1),
                           duty=token(Session, "duty"),
                           market=token(Session, "liaison", department="market"),
                           citymgmt=token(Session, "liaison", department="citymgmt"))


def nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v}


def count(Session, model, *where) -> int:
    with Session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_posted_incident_is_persisted_once_and_counted_live(env):
    body = incident_body()
    reply = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    assert reply.status_code == 202, reply.json
    assert reply.json["id"] == body["id"] and reply.json["stream_id"]
    drain(env.consumer)
    with env.Session() as s:
        row = s.get(Incident, body["id"])
        assert (row.state, row.grid_code, row.district_code, row.stream_id) == (
            "reported", G1, "licheng", reply.json["stream_id"])
    assert count(env.Session, IncidentEvent, IncidentEvent.incident_id == body["id"]) == 1
    for unit in ("putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou", G1):
        assert open_counts(env.redis, unit) == {"reported": 1}
    assert open_counts(env.redis, "xianyou") == {}


def test_open_incidents_by_district_reach_metrics(env):
    for body in (incident_body(), incident_body()):
        assert env.http.post("/api/v1/incidents", json=body, headers=env.device).status_code == 202
    drain(env.consumer)
    samples = parse_metrics(generate_latest(registry(env.services)).decode())
    open_now = {dict(labels)["unit"]: value for (name, labels), value in samples.items()
                if name == "dashboard_open_incidents" and dict(labels)["state"] == "reported"}
    assert open_now == {"putian": 2, "licheng": 2}  # the city and districts only; none elsewhere


def test_repeated_post_changes_nothing(env):
    body = incident_body()
    first = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    again = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json == first.json
    assert env.redis.xlen(schema.INCIDENTS) == 1
    drain(env.consumer)
    # Even once Redis has forgotten the incident, the database answers the repeat.
    env.redis.delete(keys.INCIDENT.format(body["id"]))
    later = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    assert later.status_code == 200 and later.json["id"] == body["id"]
    assert env.redis.xlen(schema.INCIDENTS) == 1
    drain(env.consumer)
    assert count(env.Session, Incident) == 1
    assert open_counts(env.redis, "putian") == {"reported": 1}


def test_grid_is_found_from_the_point(env):
    body = incident_body(grid=..., lat=G2_POINT[0], lon=G2_POINT[1])
    reply = env.http.post("/api/v1/incidents", json=body, headers=env.duty)
    assert reply.status_code == 202, reply.json
    drain(env.consumer)
    with env.Session() as s:
        assert s.get(Incident, body["id"]).grid_code == G2


def step(env, incident_id, headers, **body):
    return env.http.post(f"/api/v1/incidents/{incident_id}/transitions", json=body, headers=headers)


def test_full_loop_with_roles_and_persisted_timeline(env):
    body = incident_body()
    env.http.post("/api/v1/incidents", json=body, headers=env.device)
    iid = body["id"]
    assert step(env, iid, env.device, action="dispatch", department="market").status_code == 403
    assert step(env, iid, env.duty, action="dispatch", department="market").status_code == 202
    refused = step(env, iid, env.citymgmt, action="accept")
    assert refused.status_code == 403 and refused.json["field"] == "department"
    assert step(env, iid, env.market, action="accept", key="acc-1").status_code == 202
    assert step(env, iid, env.market, action="accept", key="acc-1").status_code == 200
    assert step(env, iid, env.market, action="accept").status_code == 200  # a retry without a key
    wrong = step(env, iid, env.device, action="close")
    assert wrong.status_code == 409 and wrong.json["field"] == "action"
    assert step(env, iid, env.market, action="resolve").status_code == 202
    assert step(env, iid, env.device, action="reopen", note="现场未整改").status_code == 202
    assert step(env, iid, env.market, action="accept").status_code == 202
    assert step(env, iid, env.market, action="resolve").status_code == 202
    done = step(env, iid, env.device, action="close", note="已核实")
    assert done.status_code == 202 and done.json["state"] == "closed" and done.json["version"] == 8
    drain(env.consumer)
    with env.Session() as s:
        row = s.get(Incident, iid)
        assert (row.state, row.department_code, row.reopen_count) == ("closed", "market", 1)
        assert row.closed_at is not None and row.dispatched_at is not None
        actions = s.scalars(select(IncidentEvent.action).where(IncidentEvent.incident_id == iid)
                            .order_by(IncidentEvent.id)).all()
    assert actions == ["report", "dispatch", "accept", "resolve", "reopen", "accept", "resolve", "close"]
    assert nonzero(open_counts(env.redis, "putian")) == {}


def test_step_after_redis_forgot_the_incident_uses_the_database(env):
    body = incident_body()
    env.http.post("/api/v1/incidents", json=body, headers=env.device)
    step(env, body["id"], env.duty, action="dispatch", department="market")
    drain(env.consumer)
    env.redis.delete(keys.INCIDENT.format(body["id"]))
    assert step(env, body["id"], env.duty, action="dispatch", department="market").status_code == 409
    reply = step(env, body["id"], env.market, action="accept")
    assert reply.status_code == 202 and reply.json["version"] == 3
    drain(env.consumer)
    with env.Session() as s:
        assert s.get(Incident, body["id"]).state == "accepted"
    assert nonzero(open_counts(env.redis, "putian")) == {"accepted": 1}


def test_positions_are_persisted_and_update_live_positions(env):
    batch = [{"staff": "S0001", "ts": now_iso(), "lat": 25.435, "lon": 119.005},
             {"staff": "S0002", "ts": now_iso(), "lat": G2_POINT[0], "lon": G2_POINT[1], "grid": G2}]
    system = token(env.Session, "system")
    reply = env.http.post("/api/v1/positions", json={"positions": batch}, headers=system)
    assert reply.status_code == 202 and reply.json["accepted"] == 2
    env.http.post("/api/v1/positions", json={"positions": batch}, headers=system)  # a resend
    drain(env.consumer)
    assert count(env.Session, Position) == 2
    live = env.redis.hgetall(keys.LATEST_POSITIONS)
    assert set(live) == {"S0001", "S0002"}
    assert json.loads(live["S0001"])["grid"] == G1
    day = livestate.local_day(batch[0]["ts"])
    assert env.redis.smembers(keys.PATROLLED.format(day)) == {G1, G2}


def test_a_device_may_not_report_for_another_grid(env):
    reply = env.http.post("/api/v1/positions", headers=env.device,
                          json={"positions": [{"staff": "S0002", "ts": now_iso(), "lat": G2_POINT[0],
                                               "lon": G2_POINT[1]}]})
    # Answered as for a staff id that does not exist (issue 14: no probing of foreign ids).
    assert reply.status_code == 422 and reply.json["field"] == "positions[0].staff"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_with_redis_down_a_report_is_refused_with_503_and_its_retry_is_taken_once(env, engine):
    # A real client against a port where no Redis listens: what a phone meets while Redis restarts.
    down = dataclasses.replace(env.app.extensions["dashboard"],
                               redis=redis.Redis(port=_closed_port(), socket_connect_timeout=1))
    body = incident_body()
    env.app.extensions["dashboard"] = down
    refused = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.json["error"].startswith("redis temporarily unavailable")
    assert refused.headers["Retry-After"] == "1"
    env.app.extensions["dashboard"] = dataclasses.replace(down, redis=env.redis)
    taken = env.http.post("/api/v1/incidents", json=body, headers=env.device)
    assert taken.status_code == 202, taken.json
    drain(env.consumer)
    assert count(env.Session, Incident) == 1


def test_with_the_database_down_a_request_is_refused_with_503(env, tmp_path):
    # Every request resolves its caller's token in the database first.
    gone = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}")
    services = env.app.extensions["dashboard"]
    env.app.extensions["dashboard"] = dataclasses.replace(services, engine=gone,
                                                          Session=sessionmaker(gone))
    reply = env.http.get("/api/v1/units/putian", headers=env.duty)
    assert reply.status_code == 503, reply.get_data(as_text=True)
    assert reply.json == {"error": "database temporarily unavailable; retry with the same request",
                          "field": None}
