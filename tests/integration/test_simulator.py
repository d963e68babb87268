"""The simulator against the real intake API: positions and incidents land in the streams.

The app is served on a free port in a thread (the real Werkzeug server, real Redis, the seeded
world on SQLite and PostgreSQL); the simulator talks to it over HTTP as it would in production.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core.models import ApiToken
from dashboard.core.principal import issue_token
from dashboard.core.timeutil import utcnow
from feeds.sim_city import City
from feeds.sim_engine import Simulation
from feeds.sim_world import load_world, restrict

ROOT = Path(__file__).resolve().parents[2]
UNIT = "meizhou"  # 湄洲岛: a small district keeps the load light


@pytest.fixture
def sim_token(world):
    """A system token for the simulator, removed again so the shared world stays as it was."""
    from dashboard.core.db import session_factory

    Session = session_factory(world)  # noqa: N806
    with Session.begin() as s:
        token = issue_token(s, "test-simulator", "system", "putian")
    yield token
    with Session.begin() as s:
        s.execute(delete(ApiToken).where(ApiToken.name == "test-simulator"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """The app served by Werkzeug's threaded server in a background thread."""

    def __init__(self, services, port: int) -> None:
        app = create_app(services.settings, services)
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def _stream(redis_client, name: str) -> list[tuple[str, str, dict]]:
    return [(sid, f["type"], json.loads(f["data"])) for sid, f in redis_client.xrange(name)]


def _world_part(world):
    from dashboard.core.db import session_factory

    with session_factory(world)() as s:
        return restrict(load_world(s), UNIT, "putian")


def test_simulate_verb_posts_positions_and_incidents(world, services_for, redis_client, sim_token,
                                                    tmp_path):
    services = services_for(world)
    served = Served(services, _free_port())
    env = {**os.environ, "DASHBOARD_DATABASE_URL": world.url.render_as_string(hide_password=False),
           "DASHBOARD_REDIS_URL": services.settings.redis_url, "DASHBOARD_DATA_DIR": str(tmp_path),
           "DASHBOARD_SIM_TOKEN": sim_token}
    try:
        done = subprocess.run(
            # About 30 reports a second: a loaded machine keeps up, so steps come due behind them (at
            # 20,000 a day the sender fell behind on a loaded machine and every step waited in line).
            [sys.executable, "-m", "dashboard", "simulate", "--url", served.url, "--unit", UNIT,
             "--duration", "6", "--speed", "600", "--incidents-per-day", "4000",
             "--city-start", "2026-11-24T10:00", "--seed", "7", "--everyone-on-duty",
             "--status-every", "1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    finally:
        served.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("simulate ") and "positions" in line for line in lines), done.stdout
    totals = dict(kv.split("=") for kv in lines[-1].removeprefix("simulate: done ").split())

    batches = _stream(redis_client, schema.POSITIONS)
    positions = [p for _sid, _type, data in batches for p in data["positions"]]
    assert len(positions) == int(totals["positions_sent"]) > 0
    part = _world_part(world)
    assert {p["staff"] for p in positions} <= set(part.staff_ids)
    assert all(p["units"][1] == UNIT for p in positions)

    events = _stream(redis_client, schema.INCIDENTS)
    kinds = Counter(t for _sid, t, _data in events)
    assert kinds[schema.T_REPORTED] == int(totals["incidents"]) > 0
    assert kinds[schema.T_TRANSITION] == int(totals.get("transitions", 0)) > 0
    reported = [d for _sid, t, d in events if t == schema.T_REPORTED]
    assert all(d["district_code"] == UNIT for d in reported)
    assert len({d["id"] for d in reported}) == len(reported)
    assert not [k for k in totals if k.startswith("http_4")], totals


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_connection_loss_is_retried_with_the_same_ids(world, services_for, redis_client, sim_token):
    """The server is down when the simulator starts; once it is up, everything goes through once."""
    services = services_for(world)
    port = _free_port()
    city = City(_world_part(world), start=utcnow(), speed=3600, seed=3, everyone_on_duty=True)
    sim = Simulation(city, f"http://127.0.0.1:{port}", sim_token, duration_s=5, status_every_s=60,
                     out=lambda _line: None)
    runner = threading.Thread(target=sim.run)
    runner.start()
    sim.halt.wait(1.5)
    served = Served(services, port)
    try:
        runner.join(60)
    finally:
        served.stop()
    totals = sim.counters.snapshot()
    assert totals["conn_errors"] > 0 and totals["retries"] > 0
    positions = [p for _s, _t, d in _stream(redis_client, schema.POSITIONS) for p in d["positions"]]
    # Batches that waited out the outage arrive once each: no (staff, ts) twice.
    assert len(positions) == totals["positions_sent"] > 0
    assert len({(p["staff"], p["ts"]) for p in positions}) == len(positions)
    reported = [d["id"] for _s, t, d in _stream(redis_client, schema.INCIDENTS) if t == schema.T_REPORTED]
    assert len(reported) == len(set(reported)) == totals["incidents"] > 0
