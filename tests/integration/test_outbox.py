"""Nothing lost between the database and the streams: an ack made while Redis refuses the publish, a
supervisor killed right after its commit, a publisher that died between XADD and its mark — each
event reaches its stream exactly once afterwards (real Redis, both databases)."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.supervision_world import (
    T0,
    FakeClock,
    add_incident,
    build_world,
    reported_payload,
    token,
)
from dashboard.actions import outbox
from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core.models import Alert, AlertAck, OutboxEvent, SupervisionItem
from dashboard.core.timeutil import utcnow
from feeds.supervision_alerts import on_reported
from feeds.supervisor import Supervisor
from tests.conftest import REDIS_URL


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _types(client: redis.Redis, stream: str) -> list[str]:
    return [fields["type"] for _, fields in client.xrange(stream)]


def _pending(Session) -> int:  # noqa: N803 - a session factory
    with Session() as s:
        return outbox.pending(s)


@pytest.fixture
def sup(Session, engine, services_for):
    """A supervisor over the small world, with one severe incident already alerted."""
    with Session.begin() as s:
        build_world(s)
        entry = schema.Entry(schema.INCIDENTS, "1-0", schema.T_REPORTED,
                             reported_payload(add_incident(s, "O1", T0, severity=4)))
    supervisor = Supervisor(services_for(engine), clock=FakeClock())
    supervisor.handle([entry])
    return supervisor


def test_an_ack_while_redis_refuses_is_kept_and_published_once_by_the_sweep(sup, Session):
    live = sup.services.redis
    assert _types(live, schema.ALERTS) == ["alert.raised"]
    down = redis.Redis(port=_closed_port(), decode_responses=True)
    app = create_app(sup.services.settings, dataclasses.replace(sup.services, redis=down))
    app.extensions["dashboard.clock"] = sup.clock
    with Session.begin() as s:
        bearer = token(s, "zhenhai-duty", "duty", "licheng-zhenhai")
        alert_id = s.execute(select(Alert.id)).scalar_one()
    resp = app.test_client().post(f"/api/v1/alerts/{alert_id}/ack", json={"note": "已电话通知"},
                                  headers={"Authorization": f"Bearer {bearer}"})
    # The database is the system of record: the ack stands although nothing reached the stream.
    assert resp.status_code == 202, resp.get_json()
    assert resp.get_json()["stream_id"] is None
    with Session() as s:
        assert s.get(Alert, alert_id).state == "acked"
        assert s.execute(select(func.count()).select_from(AlertAck)).scalar() == 1
    assert _types(live, schema.ALERTS) == ["alert.raised"]
    assert _pending(Session) == 1
    # Redis is reachable again for the worker: its sweep sends the ack, once, however often it runs.
    sup.scan(T0 + timedelta(minutes=1))
    sup.sweep()
    assert _types(live, schema.ALERTS) == ["alert.raised", "alert.acked"]
    [(entry_id, fields)] = live.xrange(schema.ALERTS)[1:]
    data = schema.decode(schema.ALERTS, entry_id, fields).data
    assert (data["id"], data["state"], data["ack"]["note"]) == (alert_id, "acked", "已电话通知")
    assert _pending(Session) == 0
    with Session() as s:
        assert s.execute(select(OutboxEvent.stream_id).where(OutboxEvent.type == "alert.acked")
                         ).scalar_one() == entry_id


def test_a_publisher_dead_between_xadd_and_its_mark_does_not_publish_twice(sup, Session):
    live = sup.services.redis
    with Session.begin() as s:
        data = reported_payload(add_incident(s, "O2", T0, severity=4))
    # A second severe incident in the grid counts into the alert: one committed, unpublished row.
    with Session.begin() as s:
        [(type_, payload)] = on_reported(s, data, T0)
        outbox.stage(s, schema.ALERTS, type_, payload)
    with Session() as s:
        rows = list(s.execute(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))).scalars())
        s.expunge_all()
    [first_id] = outbox.append(live, rows)  # appended; the process dies before marking the row
    assert _pending(Session) == 1
    assert outbox.flush(Session, live) == {rows[0].key: first_id}
    assert outbox.flush(Session, live) == {}
    assert _types(live, schema.ALERTS) == ["alert.raised", "alert.updated"]
    assert live.xrange(schema.ALERTS)[-1][0] == first_id


class HoldingRelay:
    """A TCP relay to the test Redis that swallows the first script call (the outbox's XADD) and
    everything after it, so a process can be killed with its commit done and its publish not."""

    def __init__(self) -> None:
        url = make_url(REDIS_URL.replace("redis://", "redis+x://", 1))
        self.target = (url.host or "127.0.0.1", url.port or 6379)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/{url.database or 0}"
        self.held = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for src, dst, outbound in ((conn, upstream, True), (upstream, conn, False)):
                threading.Thread(target=self._pump, args=(src, dst, outbound), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, outbound: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if outbound and (self.held.is_set() or b"\r\nEVAL" in chunk):
                    self.held.set()
                    continue
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            src.close()
            dst.close()

    def close(self) -> None:
        """Stop accepting."""
        self.server.close()


def _supervise_once(engine, tmp_path, redis_url: str) -> subprocess.Popen:
    env = dict(os.environ, DASHBOARD_DATABASE_URL=engine.url.render_as_string(hide_password=False),
               DASHBOARD_REDIS_URL=redis_url, DASHBOARD_DATA_DIR=str(tmp_path))
    return subprocess.Popen([sys.executable, "-m", "dashboard", "supervise", "--once"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_supervisor_killed_after_its_commit_publishes_on_restart_exactly_once(
        engine, Session, tmp_path, redis_client):
    with Session.begin() as s:
        build_world(s)
        add_incident(s, "K1", utcnow() - timedelta(days=1))
    relay = HoldingRelay()
    proc = _supervise_once(engine, tmp_path, relay.url)
    try:
        assert relay.held.wait(timeout=180), proc.communicate(timeout=30)
        os.kill(proc.pid, signal.SIGKILL)  # kill -9 with the commit done, the XADD not sent
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
        relay.close()
    assert proc.returncode == -signal.SIGKILL
    with Session() as s:
        [item] = s.execute(select(SupervisionItem)).scalars().all()
        assert item.level == "city"
    assert _pending(Session) == 8  # opened + 3 climbs, and an alert for each
    assert _types(redis_client, schema.SUPERVISION) == []
    for _ in range(2):  # the restart, then one more run: nothing doubles
        done = _supervise_once(engine, tmp_path, REDIS_URL)
        out, err = done.communicate(timeout=180)
        assert done.returncode == 0, err
        assert _types(redis_client, schema.SUPERVISION) == ["supervision.opened"] + [
            "supervision.escalated"] * 3
        assert _types(redis_client, schema.ALERTS) == ["alert.raised"] * 4
        assert _pending(Session) == 0
    levels = [schema.decode(schema.SUPERVISION, i, f).data["level"]
              for i, f in redis_client.xrange(schema.SUPERVISION)]
    assert levels == ["village", "town", "district", "city"]


def test_published_rows_go_after_a_day_unpublished_ones_stay(sup, Session):
    with Session.begin() as s:
        outbox.stage(s, schema.ALERTS, "alert.updated", {"id": 0, "units": ["putian"]})
    down = redis.Redis(port=_closed_port())
    assert outbox.try_flush(Session, down) == {}
    with Session() as s:
        assert s.execute(select(func.count()).select_from(OutboxEvent)).scalar() == 2
    assert outbox.prune(Session, utcnow() + timedelta(hours=23)) == 0
    assert outbox.prune(Session, utcnow() + timedelta(days=1, minutes=1)) == 1
    assert _pending(Session) == 1
    with Session() as s:
        assert s.execute(select(OutboxEvent.type)).scalar_one() == "alert.updated"
