"""The processes one screens-per-web-process run needs: an embedded Redis, a SQLite database
with the synthetic city tree and a wall token, one real `serve` (in a given async mode) and one
real `fanout`, started as `python -m dashboard <verb>` like a deployment starts them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
import requests

from bench.fanout import build_database, free_port, wait_for
from bench.sockets_load import tree
from dashboard.contract import schema
from dashboard.core.db import make_engine, session_factory
from dashboard.ops.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Stack:
    """Where the running stack answers, and its two processes (for CPU and memory)."""

    url: str
    token: str
    redis_url: str
    serve: psutil.Process
    fanout: psutil.Process


def build_city(path: Path) -> tuple[str, str]:
    """bench.fanout's database (city, districts, wall token) plus the towns, villages and grids
    of the synthetic tree, so screens may subscribe to any room; returns its URL and the token."""
    from dashboard.core.models import Unit

    url, token = build_database(path)
    engine = make_engine(url)
    units = tree()
    with session_factory(engine).begin() as s:
        for level in ("town", "village", "grid"):
            for code, (lv, parent, above) in units.items():
                if lv != level:
                    continue
                s.add(Unit(code=code, name=code, name_en=code, level=level, parent_code=parent,
                           district_code=above[1], town_code=above[2] if len(above) > 2 else None,
                           village_code=above[3] if len(above) > 3 else None, boundary="{}",
                           centroid_lat=25.4, centroid_lon=119.0, area_km2=1.0))
            s.flush()
    engine.dispose()
    return url, token


def routed_incidents(r: redis.Redis, first: str, last: str) -> list[tuple[str, list[str]]]:
    """(id, units) of the incidents appended between two ids, read back from the stream."""
    out = []
    for entry_id, fields in r.xrange(schema.INCIDENTS, min=first, max=last):
        entry = schema.decode(schema.INCIDENTS, entry_id, fields)
        out.append((entry_id, entry.data["units"]))
    return out


def _start(verb: str, env: dict[str, str], work: Path, stack: ExitStack) -> subprocess.Popen:
    log = stack.enter_context(open(work / f"{verb}.log", "w"))  # noqa: SIM115 - closed by the stack
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", verb], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    stack.callback(_stop, proc)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextmanager
def web_stack(mode: str = "threading", site: str | None = None) -> Iterator[Stack]:
    """Start everything, yield the Stack, stop everything; the temporary folder (logs) is kept
    only when something failed."""
    work = Path(tempfile.mkdtemp(prefix=f"bench-sockets-{mode}-"))
    with ExitStack() as stack:
        embedded = EmbeddedRedis(work)
        redis_url = embedded.start()
        stack.callback(embedded.stop)
        db_url, token = build_city(work / "bench.sqlite3")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
        env.update(DASHBOARD_REDIS_URL=redis_url, DASHBOARD_DATABASE_URL=db_url, DASHBOARD_DATA_DIR=str(work),
                   DASHBOARD_PORT=str(port), PYTHONUNBUFFERED="1")
        fanout = _start("fanout", env, work, stack)
        serve_env = dict(env, DASHBOARD_ASYNC_MODE=mode)
        if site:  # gevent / eventlet installed aside: only serve sees them
            serve_env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
        serve = _start("serve", serve_env, work, stack)
        url = f"http://127.0.0.1:{port}"
        r = stack.enter_context(redis.Redis.from_url(redis_url, decode_responses=True))
        wait_for(lambda: requests.get(url + "/healthz", timeout=2).status_code > 0, f"serve ({mode})")
        wait_for(lambda: r.exists("live:heartbeat:fanout"), "fanout")
        yield Stack(url, token, redis_url, psutil.Process(serve.pid), psutil.Process(fanout.pid))
    shutil.rmtree(work, ignore_errors=True)
