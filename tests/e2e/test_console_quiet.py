"""Every screen stays quiet for a minute under live load: no page error, no console error.

All the screens a command centre keeps open (/city, a district, a grid, the city wall, the duty desk,
the briefing and the audit page) are opened side by side, as tabs of one browser logged in as a
city administrator, while the simulator drives patrol positions and incidents through the real
intake API. After 60 seconds of live updates every tab's console must still be clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bench.browser import log_in
from dashboard.auth.accounts import create_user
from dashboard.core.db import session_factory
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = "licheng"
GRID = "licheng-zhenhai-changshou-g01"
PAGES = ("/city", f"/unit/{DISTRICT}", f"/unit/{GRID}", "/wall/city", "/duty", "/briefing", "/audit")
WATCH_S = 60


def test_every_screen_stays_free_of_errors_for_a_minute_under_load(browser, stack):
    admin = f"e2e-admin-{uuid.uuid4().hex[:8]}"
    with session_factory(stack.engine).begin() as s:
        create_user(s, admin, PASSWORD, "admin", "putian")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    first = context.new_page()
    log_in(first, stack.base, admin, PASSWORD)
    tabs = {}
    for path in PAGES:
        page = first if not tabs else context.new_page()
        page.console_errors = watch_console(page)
        page.goto(stack.url(path))
        tabs[path] = page
    simulator = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "simulate", "--url", stack.base, "--token", stack.system_token,
         "--duration", str(WATCH_S + 15), "--everyone-on-duty", "--speed", "5"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DASHBOARD_DATABASE_URL": stack.engine.url.render_as_string(hide_password=False),
             "DASHBOARD_REDIS_URL": REDIS_URL})
    try:
        time.sleep(WATCH_S)
        # Each tab is still its screen (none was sent to the log-in page or an error page).
        for path, page in tabs.items():
            assert page.url.split("?")[0] == stack.url(path), f"{path} ended on {page.url}"
            assert page.locator("body").inner_text().strip(), f"{path} is blank"
        errors = {path: list(page.console_errors) for path, page in tabs.items() if page.console_errors}
        # The live glue's fallbacks when a Plotly or MapLibre internal threw (assets/07_plot_internals.js).
        internals = {path: found for path, page in tabs.items()
                     if (found := page.evaluate("() => window.plotInternals"
                                                " ? window.plotInternals.problems.slice() : []"))}
    finally:
        simulator.terminate()
        _, err = simulator.communicate(timeout=30)
        context.close()
    assert simulator.returncode in (0, -15), f"the simulator failed: {err[-2000:]}"
    assert not errors, f"console or page errors within {WATCH_S} s: {errors}"
    assert not internals, f"Plotly or MapLibre internals that threw: {internals}"
