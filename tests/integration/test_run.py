"""`python -m dashboard run --no-simulate` as a user starts it: its own embedded Redis, every
worker and the web server as children, /healthz answering, and a clean stop on SIGTERM.

The database holds a small unit tree (so `run` sees a seeded world and does not spend minutes
seeding the full city); the seeding path itself is the seed module's tests' business.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import redis
import requests

from dashboard.ops.health import WORKERS
from tests.integration.realtime_support import add_units

ROOT = Path(__file__).resolve().parents[2]
START_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Output:
    """Collects a child's output lines in a thread."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)


def poll(predicate, what: str, output: Output, proc: subprocess.Popen):
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        assert proc.poll() is None, f"run exited early while waiting for {what}:\n{output.text()}"
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}:\n{output.text()}")


def healthz(url: str):
    try:
        return requests.get(url + "/healthz", timeout=5)
    except requests.RequestException:
        return None


@pytest.mark.slow
def test_run_starts_embedded_redis_serves_healthz_and_stops_cleanly_on_ctrl_c(engine, Session, tmp_path):
    add_units(Session)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
    env.update(DASHBOARD_DATA_DIR=str(tmp_path / "data"), DASHBOARD_PORT=str(port),
               DASHBOARD_DATABASE_URL=engine.url.render_as_string(hide_password=False))
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "run", "--no-simulate"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    output = Output(proc)
    url = f"http://127.0.0.1:{port}"
    try:
        first = poll(lambda: healthz(url), "/healthz", output, proc)
        body = first.json()
        assert body["redis"]["ok"] is True and body["database"]["ok"] is True
        marker = tmp_path / "data" / "redis" / "url"
        redis_url = marker.read_text().strip()
        assert f"redis: embedded server {redis_url}" in output.text()
        embedded = redis.Redis.from_url(redis_url)
        assert embedded.ping()
        poll(lambda: "Ctrl-C stops everything." in output.text(), "the banner", output, proc)
        assert f"\n  {url}\n" in output.text()
        assert "city wall: " + url + "/wall/city?token=pt_" in output.text()
        poll(lambda: all(healthz(url).json()["workers"][w]["ok"] for w in WORKERS),
             f"heartbeats of {WORKERS}", output, proc)
        assert healthz(url).status_code == 200
        children = psutil.Process(proc.pid).children(recursive=True)
        verbs = {c.cmdline()[3] for c in children if c.cmdline()[1:3] == ["-m", "dashboard"]}
        assert verbs == {*WORKERS, "serve"}
        redis_proc = [c for c in children if "redis-server" in " ".join(c.cmdline())]
        assert len(redis_proc) == 1

        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
        assert proc.wait(60) == 0, output.text()
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"left running: {[c.cmdline() for c in alive]}"
        with pytest.raises(redis.ConnectionError):
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        output.thread.join(5)
        assert output.lines[-1] == "stopped"
        # Redis outlived the workers: none of them saw it vanish on the way out.
        assert "Traceback" not in output.text() and "Redis unavailable" not in output.text()
    finally:
        if proc.poll() is None:  # the test failed midway: leave nothing behind
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            proc.kill()
            proc.wait()
        proc.stdout.close()
