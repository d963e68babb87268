"""The `ingest` process under faults: kill -9 mid-stream, and a Redis restart (AOF on)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from bench.intake_world import build_world, produce_dispatch, produce_report
from dashboard.contract import schema
from dashboard.core.models import Incident, IncidentEvent
from dashboard.queries.views import open_counts
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.fault, pytest.mark.slow]


def start_ingest(engine, redis_url: str, tmp_path: Path, name: str, *extra: str) -> subprocess.Popen:
    """`python -m dashboard ingest` as a child process, logging to a file."""
    env = dict(os.environ, DASHBOARD_DATABASE_URL=engine.url.render_as_string(hide_password=False),
               DASHBOARD_REDIS_URL=redis_url, DASHBOARD_DATA_DIR=str(tmp_path))
    with open(tmp_path / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "dashboard", "ingest", "--name", name,
                                 "--block-ms", "100", "--retention-every-s", "0", *extra],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(condition, what: str, timeout_s: float = 180.0, proc=None, log: Path | None = None):
    """Poll until condition() is truthy; fail (with the worker's log) if it never is."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    detail = log.read_text()[-3000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{detail}")


def rows(Session, model, *where) -> int:
    with Session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def caught_up(client: redis.Redis) -> bool:
    """The persist group has read every entry and acknowledged all it read."""
    for stream in (schema.INCIDENTS,):
        groups = {g["name"]: g for g in client.xinfo_groups(stream)}
        group = groups.get(schema.GROUP_PERSIST)
        if group is None or group["pending"] or group.get("lag"):
            return False
    return True


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_kill_9_mid_stream_loses_and_doubles_nothing(engine, Session, redis_client, tmp_path):
    build_world(Session)
    total, dispatched = 10_000, 2_000
    ids = [str(uuid.uuid4()) for _ in range(total)]
    for iid in ids:
        produce_report(redis_client, iid)
    for iid in ids[:dispatched]:
        produce_dispatch(redis_client, iid)
    log = tmp_path / "ingest-k.log"
    proc = start_ingest(engine, REDIS_URL, tmp_path, "ingest-k", "--count", "100")
    try:
        wait_for(lambda: rows(Session, Incident) >= 1_000, "a first part persisted", proc=proc, log=log)
        proc.kill()  # SIGKILL: no chance to finish the batch or acknowledge
        proc.wait()
        at_kill = rows(Session, Incident)
        proc = start_ingest(engine, REDIS_URL, tmp_path, "ingest-k", "--count", "100")
        wait_for(lambda: caught_up(redis_client) and rows(Session, Incident) == total,
                 "the restarted worker to catch up", proc=proc, log=log)
    finally:
        stop(proc)
    assert proc.returncode == 0  # SIGTERM is a clean stop
    assert 0 < at_kill < total  # the kill did land mid-stream
    assert rows(Session, Incident) == total
    assert rows(Session, IncidentEvent) == total + dispatched
    assert rows(Session, Incident, Incident.state == "dispatched") == dispatched
    assert open_counts(redis_client, "putian") == {"reported": total - dispatched,
                                                          "dispatched": dispatched}
    assert redis_client.xlen(schema.DEAD) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on PATH")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, decode_responses=True)
    wait_for(lambda: _pings(client), "redis-server to answer", timeout_s=20)
    return proc


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_worker_resumes_without_loss_after_redis_restarts(engine, Session, tmp_path):
    build_world(Session)
    port, folder = free_port(), tmp_path / "redis"
    folder.mkdir()
    server = start_redis(port, folder)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, decode_responses=True)
    log = tmp_path / "ingest-r.log"
    proc = start_ingest(engine, url, tmp_path, "ingest-r")
    try:
        first = [str(uuid.uuid4()) for _ in range(300)]
        for iid in first:
            produce_report(client, iid)
        wait_for(lambda: rows(Session, Incident) == 300, "the first batch", proc=proc, log=log)
        second = [str(uuid.uuid4()) for _ in range(300)]
        for iid in second:  # some of these are still unread when Redis goes down
            produce_report(client, iid)
        client.shutdown()  # persists the AOF, then exits
        server.wait(20)
        server = start_redis(port, folder)
        client = redis.Redis.from_url(url, decode_responses=True)
        assert client.xlen(schema.INCIDENTS) == 600  # AOF kept every entry
        third = [str(uuid.uuid4()) for _ in range(300)]
        for iid in third:
            produce_report(client, iid)
        for iid in first[:100]:
            produce_dispatch(client, iid)
        wait_for(lambda: caught_up(client) and rows(Session, Incident) == 900,
                 "the worker to resume", proc=proc, log=log)
        assert proc.poll() is None  # the same process rode out the outage
        assert client.xlen(schema.DEAD) == 0
        assert open_counts(client, "putian") == {"reported": 800, "dispatched": 100}
    finally:
        stop(proc)
        if server.poll() is None:
            server.terminate()
            server.wait(20)
    assert rows(Session, IncidentEvent) == 1_000
    assert rows(Session, Incident, Incident.state == "dispatched") == 100
