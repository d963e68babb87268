"""Read your own writes (issue 14, notes): an accepted incident is readable at once, with the state
``accepted for processing`` until ingest stores it, and only inside the caller's jurisdiction; the
embedded Redis (the outbox's) fsyncs every write."""

from __future__ import annotations

import redis

from bench.intake_world import build_world
from dashboard.api.read import PENDING_STATE
from dashboard.ops.redis_server import EmbeddedRedis
from tests.integration.intake_support import api_app, drain, incident_body, persist_consumer, token


def test_an_accepted_incident_is_readable_before_it_is_stored(engine, Session, services_for):  # noqa: N803
    build_world(Session)
    services = services_for(engine)
    http = api_app(services).test_client()
    device, duty = token(Session, "device", unit="licheng-zhenhai-changshou-g01"), token(Session, "duty")
    foreign = token(Session, "duty", unit="xianyou")
    body = incident_body()
    assert http.post("/api/v1/incidents", json=body, headers=device).status_code == 202
    early = http.get(f"/api/v1/incidents/{body['id']}", headers=duty)
    assert early.status_code == 200
    assert (early.get_json()["state"], early.get_json()["stored"]) == (PENDING_STATE, False)
    hidden = http.get(f"/api/v1/incidents/{body['id']}", headers=foreign)
    missing = http.get("/api/v1/incidents/no-such-incident", headers=foreign)
    assert hidden.status_code == missing.status_code == 404
    drain(persist_consumer(services.redis, Session))
    stored = http.get(f"/api/v1/incidents/{body['id']}", headers=duty).get_json()
    assert stored["state"] == "reported" and stored["timeline"]


def test_the_embedded_redis_fsyncs_every_write(tmp_path):
    server = EmbeddedRedis(tmp_path)
    try:
        client = redis.Redis.from_url(server.start(), decode_responses=True)
        assert client.config_get("appendfsync") == {"appendfsync": "always"}
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        client.close()
    finally:
        server.stop()
