"""The processes the pipeline benchmark starts, and the set-up they need (world, tokens, port)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests
from sqlalchemy import Engine, create_engine, func, select, text

from dashboard.core.db import session_factory
from dashboard.core.models import Staff
from dashboard.core.principal import issue_token
from dashboard.demo.places import CITY_CODE
from feeds.sim_city import REPORT_PERIOD_S
from feeds.sim_rhythm import INCIDENTS_PER_DAY

ROOT = Path(__file__).resolve().parent.parent


class Children:
    """Subprocesses of `python -m dashboard <verb>`, each logging to its own file."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        logs.mkdir(parents=True, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.log_paths: dict[str, Path] = {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start one child, watched for CPU and stopped at the end if still running."""
        path = self.logs / f"{name}.log"
        with path.open("w") as log:
            proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT)
        self.log_paths[name] = path
        self.procs[name] = proc
        return proc

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by each live child (with its own children)."""
        out = {}
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            try:
                p = psutil.Process(proc.pid)
                times = [p.cpu_times()] + [c.cpu_times() for c in p.children(recursive=True)]
            except psutil.Error:
                continue
            out[name] = sum(t.user + t.system for t in times)
        return out

    def totals(self, proc: subprocess.Popen) -> dict[str, int]:
        """The simulator's final tallies, read from its `simulate: done k=v ...` line."""
        name = next(n for n, p in self.procs.items() if p is proc)
        for line in reversed(self.log_paths[name].read_text().splitlines()):
            if line.startswith("simulate: done"):
                return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[2:])}
        return {}

    def stop_all(self) -> None:
        """SIGTERM every live child, then SIGKILL what is left after 15 s."""
        live = [p for p in self.procs.values() if p.poll() is None]
        for proc in live:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in live:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout_s: float) -> None:
    """Wait until the URL answers at all (any status)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def ensure_world(env: dict[str, str], logs: Path, engine: Engine) -> None:
    """Create the schema and seed the world if the configured database is empty."""
    logs.mkdir(parents=True, exist_ok=True)
    _create_database(engine)
    _verb(env, logs, ["init-db"])
    with engine.connect() as conn:
        empty = not conn.scalar(select(func.count()).select_from(Staff))
    engine.dispose()  # the seeder wants the SQLite file to itself
    if empty:
        _verb(env, logs, ["seed"])


def _create_database(engine: Engine) -> None:
    """Create a missing PostgreSQL database (SQLite files create themselves)."""
    if engine.url.get_backend_name() != "postgresql":
        return
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                               {"n": engine.url.database}):
                conn.execute(text(f'CREATE DATABASE "{engine.url.database}"'))
    finally:
        admin.dispose()


def _verb(env: dict[str, str], logs: Path, argv: list[str]) -> None:
    name = argv[0]
    with (logs / f"{name}.log").open("w") as log:
        done = subprocess.run([sys.executable, "-m", "dashboard", *argv], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"`dashboard {' '.join(argv)}` failed; see {logs / (name + '.log')}")


def issue_bench_tokens(engine: Engine) -> tuple[str, str]:
    """A system token for the simulator and a city wall token for the latency client."""
    with session_factory(engine).begin() as s:
        if not s.scalar(select(func.count()).select_from(Staff)):
            raise RuntimeError("the database has no staff after seeding")
        return (issue_token(s, "bench-simulator", "system", CITY_CODE),
                issue_token(s, "bench-screen", "wall", CITY_CODE))


SIM_MAX_SCALE = 20.0  # the simulator's --scale stops here


def sim_load_args(multiple: float) -> list[str]:
    """Simulator options for `multiple` × Putian load, past its --scale limit of 20 as well.

    Above 20× the scale stays at 20 and the phones report more often and the city reports more
    incidents, in proportion: positions/s and the incident rate are both `multiple` × Putian's.
    """
    if multiple <= SIM_MAX_SCALE:
        return ["--scale", f"{multiple:g}"]
    over = multiple / SIM_MAX_SCALE
    return ["--scale", f"{SIM_MAX_SCALE:g}", "--report-period", f"{REPORT_PERIOD_S / over:.6g}",
            "--incidents-per-day", f"{INCIDENTS_PER_DAY * over:.6g}"]
