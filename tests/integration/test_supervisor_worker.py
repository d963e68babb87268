"""The supervise worker as it runs: its consumer group takes feed:incidents, a malformed entry is
dead-lettered, and the verb runs a scan from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.supervision_world import FakeClock, add_incident, build_world, reported_payload
from dashboard.contract import producer, schema
from dashboard.core.models import Alert, SupervisionItem
from feeds.supervisor import Knobs, Supervisor
from tests.conftest import REDIS_URL


def _wait_for(predicate, what: str, limit_s: float = 30.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def running(Session, engine, services_for):
    """A Supervisor running its consumer thread and scan loop until the test ends."""
    with Session.begin() as s:
        build_world(s)
    services = services_for(engine)
    clock = FakeClock()
    sup = Supervisor(services, clock=clock, knobs=Knobs(scan_every_s=0.2))
    stop = threading.Event()
    thread = threading.Thread(target=sup.run, args=(stop, "worker-test"), daemon=True)
    thread.start()
    yield sup
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def _alerts(sup):
    with sup.services.Session() as s:
        return list(s.execute(select(Alert)).scalars())


def test_the_worker_alerts_on_a_severe_incident_and_acks_the_entry(running):
    with running.services.Session.begin() as s:
        data = reported_payload(add_incident(s, "W1", running.clock(), severity=4))
    producer.add(running.services.redis, schema.INCIDENTS, schema.T_REPORTED, data)
    alerts = _wait_for(lambda: _alerts(running), "the alert")
    [alert] = alerts
    assert (alert.kind, alert.incident_id) == ("severe_incident", "W1")
    redis = running.services.redis
    _wait_for(lambda: redis.xpending(schema.INCIDENTS, schema.GROUP_SUPERVISE)["pending"] == 0,
              "the entry to be acknowledged")
    assert redis.get("live:heartbeat:supervise")


def test_the_worker_scans_on_its_own_as_the_clock_moves(running):
    with running.services.Session.begin() as s:
        add_incident(s, "W2", running.clock())
    running.clock.set(minutes=31)

    def items():
        with running.services.Session() as s:
            return s.execute(select(SupervisionItem)).scalars().all()

    [item] = _wait_for(items, "the supervision item")
    assert item.opened_at == running.clock.now - timedelta(minutes=1)
    redis = running.services.redis
    _wait_for(lambda: redis.get("live:heartbeat:supervise:worker-test-scan"), "the scan heartbeat")
    assert int(redis.hget("live:worker:supervise:worker-test-scan", "scans")) >= 1


def test_a_malformed_incident_entry_is_dead_lettered_and_the_group_moves_on(running):
    redis = running.services.redis
    producer.add(redis, schema.INCIDENTS, schema.T_REPORTED, {"id": "bad", "severity": 4,
                                                              "units": ["putian"]})
    dead = _wait_for(lambda: redis.xrange(schema.DEAD), "the dead letter")
    assert dead[0][1]["group"] == schema.GROUP_SUPERVISE
    assert "incident.reported" in dead[0][1]["reason"]
    with running.services.Session.begin() as s:
        data = reported_payload(add_incident(s, "W3", running.clock(), severity=3))
    producer.add(redis, schema.INCIDENTS, schema.T_REPORTED, data)
    _wait_for(lambda: _alerts(running), "the next entry's alert")


def test_the_verb_runs_one_scan(engine, Session, tmp_path, redis_client):
    with Session.begin() as s:
        build_world(s)
        add_incident(s, "V1", FakeClock()() - timedelta(days=1))
    env = dict(os.environ, DASHBOARD_DATABASE_URL=engine.url.render_as_string(hide_password=False),
               DASHBOARD_REDIS_URL=REDIS_URL, DASHBOARD_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "dashboard", "supervise", "--once"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # Opened, climbed to the city (three steps), and an alert for the opening and each climb.
    assert [f["type"] for _, f in redis_client.xrange(schema.SUPERVISION)] == [
        "supervision.opened"] + ["supervision.escalated"] * 3
    assert len(redis_client.xrange(schema.ALERTS)) == 4
    helped = subprocess.run([sys.executable, "-m", "dashboard", "supervise", "--help"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert "--silent-minutes" in helped.stdout
