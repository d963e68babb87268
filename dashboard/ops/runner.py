"""run: the whole product in one process tree for a laptop.

Embedded Redis when DASHBOARD_REDIS_URL is unset, schema upgrade, the demo world when the
database is empty, then each worker and the web server as a child `python -m dashboard <verb>`
sharing the resolved Redis URL. A child that dies is reported and nothing is restarted behind
anyone's back: a dead worker stops the whole tree (the simulator alone may end by itself).
Ctrl-C or SIGTERM stops every child, then the embedded Redis.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import requests

from dashboard.core.config import Settings
from dashboard.ops.runner_setup import demo_lines, prepare_database
from dashboard.ops.server import display_url

# Start order: consumers first so nothing queues up unread, the web server, then the load.
CHILDREN = ("ingest", "supervise", "fanout", "serve", "simulate")
OPTIONAL = frozenset({"simulate"})  # may finish by itself (--duration) without stopping the rest
SERVE_WAIT_S = 60
STOP_WAIT_S = 15


@dataclass
class Child:
    """A started child process."""

    verb: str
    proc: subprocess.Popen


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of run."""
    parser.add_argument("--no-simulate", action="store_true", help="do not start the simulator")
    parser.add_argument("--scale", default=None, help="simulator load multiplier, 1 to 20")
    parser.add_argument("--speed", default=None, help="simulator time compression")


def child_env(settings: Settings, sim_token: str | None) -> dict[str, str]:
    """The environment every child shares: the resolved Redis, database and data dir."""
    env = dict(os.environ)
    env.update(DASHBOARD_REDIS_URL=settings.redis_url, DASHBOARD_DATA_DIR=str(settings.data_dir),
               DASHBOARD_DATABASE_URL=settings.effective_database_url,
               DASHBOARD_HOST=settings.host, DASHBOARD_PORT=str(settings.port),
               PYTHONUNBUFFERED="1")
    if sim_token:
        env["DASHBOARD_SIM_TOKEN"] = sim_token
    return env


def start(verb: str, env: dict[str, str], extra: list[str] | None = None) -> Child:
    """Start `python -m dashboard <verb>` in its own session (Ctrl-C reaches only the runner)."""
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", verb, *(extra or [])], env=env,
                            start_new_session=True)
    return Child(verb, proc)


def wait_for_http(url: str, child: Child, stop: threading.Event) -> bool:
    """Wait until the web server answers (any status), it dies, or we are told to stop."""
    deadline = time.monotonic() + SERVE_WAIT_S
    while time.monotonic() < deadline and not stop.is_set():
        if child.proc.poll() is not None:
            return False
        try:
            requests.get(url + "/healthz", timeout=2)
            return True
        except requests.RequestException:
            stop.wait(0.2)
    return False


def stop_all(children: list[Child]) -> None:
    """SIGTERM every child (newest first), wait, then SIGKILL what is left."""
    for child in reversed(children):
        if child.proc.poll() is None:
            child.proc.terminate()
    deadline = time.monotonic() + STOP_WAIT_S
    for child in reversed(children):
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{child.verb} did not stop in {STOP_WAIT_S} s; killing it", flush=True)
            child.proc.kill()
            child.proc.wait()


def launch(args: argparse.Namespace, settings: Settings, env: dict[str, str],
           stop: threading.Event) -> tuple[list[Child], bool]:
    """Start every child in order; False when the web server never came up."""
    children: list[Child] = []
    url = display_url(settings.host, settings.port)
    for verb in CHILDREN:
        if stop.is_set():
            break
        if verb == "simulate" and args.no_simulate:
            continue
        extra = []
        if verb == "simulate":
            for flag in ("scale", "speed"):
                if getattr(args, flag) is not None:
                    extra += [f"--{flag}", str(getattr(args, flag))]
        children.append(start(verb, env, extra))
        if verb == "serve" and not wait_for_http(url, children[-1], stop):
            return children, False
    return children, True


def watch(children: list[Child], stop: threading.Event) -> int:
    """Report any child that ends; a worker or the web server ending stops everything."""
    running = list(children)
    while not stop.wait(0.5):
        for child in list(running):
            code = child.proc.poll()
            if code is None:
                continue
            running.remove(child)
            print(f"{child.verb} exited with code {code}", flush=True)
            if child.verb not in OPTIONAL:
                print("stopping everything (nothing is restarted automatically)", flush=True)
                return 1
    return 0


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Start everything, print the URL and accounts, wait for Ctrl-C or SIGTERM."""
    from dashboard.ops.redis_server import ensure_redis

    # Until the children start, SIGTERM interrupts like Ctrl-C (seeding rolls back cleanly).
    signal.signal(signal.SIGTERM, _interrupt)
    settings = settings.with_(data_dir=settings.data_dir.resolve())
    settings, embedded = ensure_redis(settings)
    if embedded is not None:
        print(f"redis: embedded server {settings.redis_url} (data in {embedded.dir})", flush=True)
    children: list[Child] = []
    code = 0
    try:
        tokens = prepare_database(settings)
        accounts = demo_lines(settings, tokens)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        children, served = launch(args, settings, child_env(settings, tokens.get("simulator")), stop)
        if not served and not stop.is_set():
            print("serve did not come up; stopping", flush=True)
            return 1
        if not stop.is_set():
            print(f"\n  {display_url(settings.host, settings.port)}\n", flush=True)
            for line in accounts:
                print(f"  {line}", flush=True)
            print("\nCtrl-C stops everything.", flush=True)
            code = watch(children, stop)
    except KeyboardInterrupt:
        print("\ninterrupted", flush=True)
        code = 130
    finally:
        stop_all(children)
        if embedded is not None:
            embedded.stop()
        print("stopped", flush=True)
    return code
