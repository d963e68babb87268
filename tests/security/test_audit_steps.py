"""Every incident step taken through the API lands in the audit chain once, with its actor and
address (issue 14, item 3), and an intact chain verifies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bench.intake_world import G1, build_world
from dashboard.contract import schema
from dashboard.core import audit
from dashboard.core.models import AuditEntry
from tests.integration.intake_support import api_app, drain, incident_body, persist_consumer, token


@pytest.fixture
def env(engine, Session, services_for):  # noqa: N803
    build_world(Session)
    services = services_for(engine)
    app = api_app(services)
    return SimpleNamespace(http=app.test_client(), Session=Session, redis=services.redis,
                           consumer=persist_consumer(services.redis, Session),
                           device=token(Session, "device", unit=G1, name="phone-g1"),
                           duty=token(Session, "duty", name="duty-city"),
                           market=token(Session, "liaison", department="market", name="market-liaison"))


def _step(env, incident: str, who: dict, action: str, **extra) -> None:
    reply = env.http.post(f"/api/v1/incidents/{incident}/transitions", json={"action": action, **extra},
                          headers=who)
    assert reply.status_code == 202, reply.get_json()


def test_each_step_of_the_loop_is_audited_once(env):
    body = incident_body()
    assert env.http.post("/api/v1/incidents", json=body, headers=env.device).status_code == 202
    _step(env, body["id"], env.duty, "dispatch", department="market")
    _step(env, body["id"], env.market, "accept")
    _step(env, body["id"], env.market, "resolve", note="已取缔")
    _step(env, body["id"], env.device, "reopen", note="现场仍在经营")
    _step(env, body["id"], env.duty, "cancel", note="重复上报")
    drain(env.consumer)
    # A redelivery of the whole stream (a persister restarted before acking) adds nothing.
    entries = [schema.decode(schema.INCIDENTS, i, f) for i, f in env.redis.xrange(schema.INCIDENTS)]
    assert len(entries) == 6
    env.consumer.handler(entries)
    with env.Session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.target == f"incident:{body['id']}")
                         .order_by(AuditEntry.id)).scalars().all()
        assert audit.verify(s) is None
    assert [(r.action, r.actor) for r in rows] == [
        ("incident.report", "phone-g1"), ("incident.dispatch", "duty-city"),
        ("incident.accept", "market-liaison"), ("incident.resolve", "market-liaison"),
        ("incident.reopen", "phone-g1"), ("incident.cancel", "duty-city")]
    assert {r.unit_code for r in rows} == {G1} and {r.source_ip for r in rows} == {"127.0.0.1"}
    assert rows[1].detail["department"] == "market" and rows[3].detail["note"] == "已取缔"
    assert (rows[4].detail["from"], rows[4].detail["to"]) == ("resolved", "dispatched")
