"""Start the product as users run it (serve, ingest, fanout as separate processes) and watch its
pages in Chromium (started by bench/browser.py). Used by the browser tests and by screenshots.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
# Console noise that is not an error of ours: software WebGL's performance notes.
BENIGN = ("GL Driver Message", "GPU stall", "WebGL")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_env(database_url: str, redis_url: str, data_dir: Path, port: int) -> dict[str, str]:
    """The environment of every process of one stack."""
    env = dict(os.environ)
    env.update(DASHBOARD_DATABASE_URL=database_url, DASHBOARD_REDIS_URL=redis_url,
               DASHBOARD_DATA_DIR=str(data_dir), DASHBOARD_PORT=str(port), DASHBOARD_HOST="127.0.0.1",
               DASHBOARD_SECRET_KEY="e2e-secret-key-0123456789abcdef")
    return env


@contextmanager
def running(env: dict[str, str], verbs: tuple[str, ...] = ("serve", "ingest", "fanout"),
            log_dir: Path | None = None) -> Iterator[str]:
    """Run the verbs as child processes until the block ends; yields the base URL."""
    procs = []
    log_dir = log_dir or Path(env["DASHBOARD_DATA_DIR"])
    try:
        for verb in verbs:
            log = open(log_dir / f"{verb}.log", "w")  # noqa: SIM115 - closed with the process
            procs.append((subprocess.Popen([sys.executable, "-m", "dashboard", verb], cwd=ROOT, env=env,
                                           stdout=log, stderr=subprocess.STDOUT), log))
        base = f"http://127.0.0.1:{env['DASHBOARD_PORT']}"
        wait_until_up(base, procs[0][0])
        yield base
    finally:
        for proc, _log in procs:
            proc.terminate()
        for proc, log in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a loaded machine: stop it hard, and reap it
                proc.kill()
                proc.wait(timeout=10)
            log.close()


@contextmanager
def simulating(env: dict[str, str], base: str, token: str, warm_up: float, *options: str) -> Iterator[None]:
    """The simulator posting to `base` for `warm_up` seconds before the block and all through it:
    screenshots taken minutes later still show a live city (with a warm-up only, every position
    was stale by the 4K shots and "staff online" read 0)."""
    if warm_up <= 0:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "simulate", "--url", base, "--token", token,
                             *options], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        time.sleep(warm_up)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    """Block until the web process answers /city (or fail if it died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"web process exited with {proc.returncode}")
        try:
            if requests.get(base + "/city", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base} did not come up in {timeout:.0f} s")


def watch_console(page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions (benign GL notes excluded)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not any(b in m.text for b in BENIGN) else None)
    # An uncaught exception keeps the top of its stack, so a failure in CI says where it was thrown.
    page.on("pageerror", lambda exc: errors.append(
        "\n".join([str(exc), *(exc.stack or "").splitlines()[1:6]])))
    return errors


def wait_for_view(page, level: str | None = None, timeout: float = 60_000) -> None:
    """Wait until a view's figures are drawn (KPI numbers filled, map rendered)."""
    selector = f'.view[data-level="{level}"]' if level else ".view"
    page.wait_for_selector(selector, timeout=timeout)
    page.wait_for_function("() => { const v = document.querySelector('[data-kpi=\"collected\"] .kpi-value');"
                           " return v && v.textContent !== '—' && v.textContent !== ''; }", timeout=timeout)
    page.wait_for_function("() => { const g = document.querySelector('#unit-map .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }", timeout=timeout)
    # The map is shown (a drill keeps the canvas hidden until the new view's regions are drawn).
    page.wait_for_selector("#unit-map:not(.map-drawing) canvas.maplibregl-canvas", state="visible",
                           timeout=timeout)


def kpi(page, key: str) -> str:
    """The text of one KPI tile."""
    return page.inner_text(f'[data-kpi="{key}"] .kpi-value').strip()
