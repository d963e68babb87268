"""GET /healthz and GET /metrics on the real app, real Redis, both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine

from dashboard.app import create_app
from dashboard.contract import keys, schema
from dashboard.core.db import session_factory
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow
from dashboard.ops.fanout_stats import FanoutStats
from dashboard.ops.health import health_report
from tests.integration.metrics_text import parse_metrics
from tests.integration.realtime_support import LICHENG_GRID, xadd


@pytest.fixture
def app_and_redis(engine, services_for):
    services = services_for(engine)
    return create_app(services.settings, services), services.redis


def beat(r, name: str, age_s: float = 1.0) -> None:
    r.set(keys.heartbeat(name), (utcnow() - timedelta(seconds=age_s)).isoformat(), ex=60)


def test_healthz_is_200_when_redis_database_and_workers_are_fine(app_and_redis):
    app, r = app_and_redis
    for name in ("ingest", "supervise:host-1", "fanout", "simulate"):
        beat(r, name)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["redis"]["ok"] is True and body["database"]["ok"] is True
    assert set(body["workers"]) == {"ingest", "supervise", "fanout"}
    assert all(w["ok"] and 0 <= w["age_s"] < 30 for w in body["workers"].values())
    assert set(body["heartbeats"]) == {"ingest", "supervise:host-1", "fanout", "simulate"}


def test_healthz_is_503_naming_a_silent_or_stale_worker(app_and_redis):
    app, r = app_and_redis
    beat(r, "ingest")
    beat(r, "supervise", age_s=120)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    workers = response.get_json()["workers"]
    assert workers["ingest"]["ok"] is True
    assert workers["supervise"] == {"ok": False, "age_s": pytest.approx(120, abs=5)}
    assert workers["fanout"] == {"ok": False, "age_s": None}


def test_health_report_names_an_unreachable_database(redis_client, tmp_path):
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
                           connect_args={"connect_timeout": 2})
    services = Services(settings=None, engine=engine, Session=session_factory(engine), redis=redis_client)
    report, healthy = health_report(services)
    assert healthy is False
    assert report["database"]["ok"] is False and report["database"]["error"]
    assert report["redis"]["ok"] is True


def test_metrics_expose_streams_groups_dead_letters_and_push_latency(app_and_redis):
    app, r = app_and_redis
    for i in range(3):
        xadd(r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"m{i}")
    r.xgroup_create(schema.INCIDENTS, schema.GROUP_PERSIST, id="0")
    r.xreadgroup(schema.GROUP_PERSIST, "c1", {schema.INCIDENTS: ">"}, count=2)
    first = r.xpending(schema.INCIDENTS, schema.GROUP_PERSIST)["min"]
    r.xack(schema.INCIDENTS, schema.GROUP_PERSIST, first)
    r.xadd(schema.DEAD, {"stream": schema.INCIDENTS, "id": "1-0", "reason": "bad", "fields": "{}",
                         "group": schema.GROUP_PERSIST})
    stats = FanoutStats()
    stats.count("events:incidents", 3)
    stats.count("pushes:feed", 3)
    for seconds in (0.004, 0.02, 0.3):
        stats.observe("feed", seconds)
    pipe = r.pipeline()
    stats.flush(pipe)
    pipe.execute()
    beat(r, "fanout", age_s=2)
    r.hset(keys.worker_counters("ingest:a-incidents"), mapping={"processed": 41, "dead": 1})

    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    m = parse_metrics(response.get_data(as_text=True))

    def value(name, **labels):
        return m[(name, frozenset(labels.items()))]

    assert value("dashboard_up", check="redis") == 1 and value("dashboard_up", check="database") == 1
    assert value("dashboard_stream_length", stream=schema.INCIDENTS) == 3
    assert value("dashboard_stream_length", stream=schema.POSITIONS) == 0
    group = {"stream": schema.INCIDENTS, "group": schema.GROUP_PERSIST}
    assert value("dashboard_group_lag", **group) == 1
    assert value("dashboard_group_pending", **group) == 1
    assert value("dashboard_events_processed_total", **group) == 1
    assert value("dashboard_dead_letters_total") == 1
    assert value("dashboard_fanout_events_total", stream="incidents") == 3
    assert value("dashboard_push_latency_seconds_bucket", event="feed", le="0.005") == 1
    assert value("dashboard_push_latency_seconds_bucket", event="feed", le="0.025") == 2
    assert value("dashboard_push_latency_seconds_bucket", event="feed", le="+Inf") == 3
    assert value("dashboard_push_latency_seconds_count", event="feed") == 3
    assert value("dashboard_push_latency_seconds_sum", event="feed") == pytest.approx(0.324)
    assert value("dashboard_worker_heartbeat_age_seconds", worker="fanout") >= 2
    assert value("dashboard_worker_events_total", worker="ingest:a-incidents", counter="processed") == 41
