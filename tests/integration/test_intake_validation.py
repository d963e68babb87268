"""Every refusal of the intake API: the status, and the field it names."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from bench.intake_world import G1, G1_POINT, OUTSIDE, build_world, now_iso
from dashboard.contract import schema
from tests.integration.intake_support import api_app, incident_body, token


@pytest.fixture
def env(engine, Session, services_for):
    build_world(Session)
    services = services_for(engine)
    return SimpleNamespace(http=api_app(services).test_client(), Session=Session,
                           redis=services.redis, duty=token(Session, "duty"))


INCIDENT_CASES = [
    ({"id": ...}, "id"),
    ({"id": "has spaces"}, "id"),
    ({"id": 42}, "id"),
    ({"reported_at": ...}, "reported_at"),
    ({"reported_at": "2026-01-01T08:00:00"}, "reported_at"),  # no zone
    ({"reported_at": "yesterday"}, "reported_at"),
    ({"reported_at": now_iso(timedelta(hours=1))}, "reported_at"),
    ({"reported_at": now_iso(-timedelta(days=90))}, "reported_at"),
    ({"lat": ...}, "lat"),
    ({"lat": "25.4"}, "lat"),
    ({"lat": True}, "lat"),
    ({"lat": 95.0}, "lat"),
    ({"lon": 200}, "lon"),
    ({"lat": OUTSIDE[0], "lon": OUTSIDE[1]}, "lat"),
    ({"lat": 25.60, "lon": 119.20, "grid": ...}, "lat"),  # in the city, in no grid
    ({"grid": "nowhere-g01"}, "grid"),
    ({"business_item": ...}, "business_item"),
    ({"business_item": "X99"}, "business_item"),
    ({"source": "rumour"}, "source"),
    ({"source": ...}, "source"),
    ({"severity": 5}, "severity"),
    ({"severity": 0}, "severity"),
    ({"severity": "2"}, "severity"),
    ({"description": 7}, "description"),
    ({"description": "很" * 5000}, "description"),
    ({"reporter": "S9999"}, "reporter"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("changes", "field"), INCIDENT_CASES)
def test_incident_refusals(env, changes, field):
    reply = env.http.post("/api/v1/incidents", json=incident_body(**changes), headers=env.duty)
    assert reply.status_code == 422, reply.json
    assert reply.json["field"] == field and reply.json["error"]
    assert env.redis.exists(schema.INCIDENTS) == 0


def test_body_must_be_a_json_object(env):
    as_text = env.http.post("/api/v1/incidents", data="id=1", headers=env.duty)
    assert as_text.status_code == 415 and as_text.json["field"] is None
    as_list = env.http.post("/api/v1/incidents", json=[incident_body()], headers=env.duty)
    assert as_list.status_code == 400


def test_callers_must_authenticate_with_an_allowed_role(env):
    body = incident_body()
    assert env.http.post("/api/v1/incidents", json=body).status_code == 401
    bad = env.http.post("/api/v1/incidents", json=body, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json["field"] == "Authorization"
    viewer = token(env.Session, "viewer")
    assert env.http.post("/api/v1/incidents", json=body, headers=viewer).status_code == 403
    other_district = token(env.Session, "device", unit="xianyou")
    assert env.http.post("/api/v1/incidents", json=body, headers=other_district).status_code == 403


def position(**changes) -> dict:
    item = {"staff": "S0001", "ts": now_iso(), "lat": G1_POINT[0], "lon": G1_POINT[1]}
    item.update(changes)
    return {k: v for k, v in item.items() if v is not ...}


POSITION_CASES = [
    ({}, "positions"),
    ({"positions": []}, "positions"),
    ({"positions": "S0001"}, "positions"),
    ({"positions": [position()] * 5001}, "positions"),
    ({"positions": [position(), "x"]}, "positions[1]"),
    ({"positions": [position(staff="S9999")]}, "positions[0].staff"),
    ({"positions": [position(staff=...)]}, "positions[0].staff"),
    ({"positions": [position(), position(ts="2026-11-27 10:00")]}, "positions[1].ts"),
    ({"positions": [position(ts=now_iso(timedelta(hours=2)))]}, "positions[0].ts"),
    ({"positions": [position(lat="north")]}, "positions[0].lat"),
    ({"positions": [position(), position(lat=OUTSIDE[0], lon=OUTSIDE[1])]}, "positions[1].lat"),
    ({"positions": [position(grid="nowhere-g01")]}, "positions[0].grid"),
    ({"positions": [position(speed=-3)]}, "positions[0].speed"),
    ({"positions": [position(colour="red")]}, "positions[0].colour"),
    ({"positions": [position()], "batch": 1}, "batch"),
]


@pytest.mark.parametrize(("body", "field"), POSITION_CASES)
def test_position_refusals(env, body, field):
    system = token(env.Session, "system")
    reply = env.http.post("/api/v1/positions", json=body, headers=system)
    assert reply.status_code == 422, reply.json
    assert reply.json["field"] == field
    assert env.redis.exists(schema.POSITIONS) == 0


def test_only_devices_and_systems_send_positions(env):
    liaison = token(env.Session, "liaison", department="market")
    reply = env.http.post("/api/v1/positions", json={"positions": [position()]}, headers=liaison)
    assert reply.status_code == 403


TRANSITION_CASES = [
    ({}, 422, "action"),
    ({"action": "fly"}, 422, "action"),
    ({"action": "dispatch"}, 422, "department"),
    ({"action": "dispatch", "department": "nasa"}, 422, "department"),
    ({"action": "cancel"}, 422, "note"),
    ({"action": "cancel", "note": "   "}, 422, "note"),
    ({"action": "dispatch", "department": "market", "at": now_iso(timedelta(hours=1))}, 422, "at"),
    ({"action": "dispatch", "department": "market", "at": "2020-01-01T00:00:00+08:00"}, 422, "at"),
    ({"action": "dispatch", "department": "market", "key": "a b"}, 422, "key"),
    ({"action": "dispatch", "department": "market", "urgent": True}, 422, "urgent"),
    ({"action": "accept"}, 409, "action"),
    ({"action": "close"}, 409, "action"),
]


@pytest.mark.parametrize(("body", "status", "field"), TRANSITION_CASES)
def test_transition_refusals(env, body, status, field):
    incident = incident_body()
    assert env.http.post("/api/v1/incidents", json=incident, headers=env.duty).status_code == 202
    reply = env.http.post(f"/api/v1/incidents/{incident['id']}/transitions", json=body,
                          headers=env.duty)
    assert (reply.status_code, reply.json["field"]) == (status, field), reply.json
    assert env.redis.xlen(schema.INCIDENTS) == 1


def test_transition_of_unknown_incident_or_outside_jurisdiction(env):
    missing = env.http.post("/api/v1/incidents/no-such-id/transitions", headers=env.duty,
                            json={"action": "dispatch", "department": "market"})
    assert missing.status_code == 404 and missing.json["field"] == "id"
    incident = incident_body()
    env.http.post("/api/v1/incidents", json=incident, headers=env.duty)
    elsewhere = token(env.Session, "duty", unit="xianyou")
    reply = env.http.post(f"/api/v1/incidents/{incident['id']}/transitions", headers=elsewhere,
                          json={"action": "dispatch", "department": "market"})
    assert reply.status_code == 404  # as for an incident that does not exist
    assert reply.json == {"error": f"no incident {incident['id']!r}", "field": "id"}
    device = token(env.Session, "device", unit=G1)
    reply = env.http.post(f"/api/v1/incidents/{incident['id']}/transitions", headers=device,
                          json={"action": "cancel", "note": "重复"})
    assert reply.status_code == 403 and reply.json["field"] == "action"
