"""GET /healthz (Redis, database, worker heartbeats) and GET /metrics (Prometheus text)."""

from __future__ import annotations

import time
from datetime import datetime

import redis
from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy import Engine, text

from dashboard.contract import keys
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow

# The workers `run` starts whose silence means screens go stale. A worker may beat under its
# verb (`live:heartbeat:ingest`) or per consumer (`live:heartbeat:ingest:<consumer>`).
WORKERS = ("ingest", "supervise", "fanout")
STALE_S = 30.0


def check_redis(r: redis.Redis) -> dict:
    """Whether Redis answers PING, and how fast."""
    started = time.perf_counter()
    try:
        r.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_database(engine: Engine) -> dict:
    """Whether the database answers a trivial query, and how fast."""
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means the database is not usable
        return {"ok": False, "error": str(exc).splitlines()[0]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def heartbeat_ages(r: redis.Redis, now: datetime) -> dict[str, float | None]:
    """Seconds since each heartbeat key under live:heartbeat: was written (None if unreadable)."""
    beats = sorted(r.scan_iter(match=keys.HEARTBEAT_PREFIX + "*", count=1000))
    ages: dict[str, float | None] = {}
    for key, value in zip(beats, r.mget(beats) if beats else [], strict=True):
        name = key[len(keys.HEARTBEAT_PREFIX):]
        try:
            beat = datetime.fromisoformat(value.replace("Z", "+00:00"))
            ages[name] = round(max((now - beat).total_seconds(), 0.0), 1)
        except (AttributeError, TypeError, ValueError):
            ages[name] = None  # expired between SCAN and MGET, or not an ISO time
    return ages


def workers_status(ages: dict[str, float | None]) -> dict[str, dict]:
    """Each expected worker's freshest heartbeat age and whether it is within STALE_S."""
    status = {}
    for worker in WORKERS:
        found = [age for name, age in ages.items()
                 if (name == worker or name.startswith(worker + ":")) and age is not None]
        age = min(found) if found else None
        status[worker] = {"ok": age is not None and age <= STALE_S, "age_s": age}
    return status


def health_report(services: Services, now: datetime | None = None) -> tuple[dict, bool]:
    """The /healthz body and whether everything is healthy."""
    now = now or utcnow()
    report = {"redis": check_redis(services.redis), "database": check_database(services.engine)}
    ages = heartbeat_ages(services.redis, now) if report["redis"]["ok"] else {}
    report["workers"] = workers_status(ages)
    report["heartbeats"] = ages
    healthy = (report["redis"]["ok"] and report["database"]["ok"]
               and all(w["ok"] for w in report["workers"].values()))
    report["status"] = "ok" if healthy else "degraded"
    report["checked_at"] = now.isoformat()
    return report, healthy


def healthz():
    """Liveness: 200 when Redis, the database and every worker are fine, else 503."""
    report, healthy = health_report(current_app.extensions["dashboard"])
    return jsonify(report), 200 if healthy else 503


def metrics():
    """The pipeline's state in the exposition format the scraper asks for (Accept)."""
    from prometheus_client.exposition import choose_encoder

    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(current_app.extensions["dashboard.metrics"]), content_type=content_type)


def init_app(server: Flask, services: Services) -> None:
    """Register /healthz and /metrics."""
    from dashboard.ops.metrics import registry

    server.extensions["dashboard.metrics"] = registry(services)
    server.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    server.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
