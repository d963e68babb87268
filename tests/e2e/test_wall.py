"""Wall mode in Chromium, opened with a wall token as a screen would be: the tour, freshness marks
that turn amber when the feeds stop, the critical-alert banner held until a duty officer
acknowledges it through the API, and a server restart under the wall that it resumes from with the
events it missed. The web process here is restartable (tests/e2e/stack.py's `running` is not).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bench.browser import chromium
from dashboard.actions import outbox
from dashboard.actions.alert_actions import parse_request, perform
from dashboard.actions.alerting import Place, raise_alert
from dashboard.contract import schema
from dashboard.core.db import session_factory
from dashboard.core.i18n import unit_name
from dashboard.core.models import Alert, Unit
from dashboard.core.principal import Principal, issue_token
from dashboard.queries.units import unit_ref
from tests.conftest import BROWSER_BACKENDS, REDIS_URL, seeded_world
from tests.e2e.stack import BENIGN, ROOT, free_port, stack_env, wait_until_up

pytestmark = pytest.mark.e2e
GRID = "licheng-zhenhai-changshou-g01"


@dataclass
class WallStack:
    """serve (restartable) + ingest + fanout on the seeded world, with tokens for each caller."""

    env: dict[str, str]
    engine: Engine
    system: str
    wall: str
    duty: str
    serve: subprocess.Popen | None = None
    serve_log: object = None

    @property
    def base(self) -> str:
        """The web process's URL."""
        return f"http://127.0.0.1:{self.env['DASHBOARD_PORT']}"

    def start_serve(self) -> None:
        """Start the web process and wait until it answers."""
        self.serve_log = open(Path(self.env["DASHBOARD_DATA_DIR"]) / "serve.log", "a")  # noqa: SIM115
        self.serve = subprocess.Popen([sys.executable, "-m", "dashboard", "serve"], cwd=ROOT, env=self.env,
                                      stdout=self.serve_log, stderr=subprocess.STDOUT)
        wait_until_up(self.base, self.serve)

    def stop_serve(self) -> None:
        """Stop the web process (as a deploy or a crash would)."""
        if self.serve is not None:
            self.serve.terminate()
            try:
                self.serve.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait()
            self.serve = None
            self.serve_log.close()

    def wall_url(self, query: str = "") -> str:
        """The city wall's own URL with its token (what the screen is configured with)."""
        return f"{self.base}/wall/city?token={self.wall}" + (f"&{query}" if query else "")

    def opened_url(self, query: str = "") -> str:
        """Where the wall is once open: its URL without the token (swapped for a session cookie)."""
        return f"{self.base}/wall/city" + (f"?{query}" if query else "")


@pytest.fixture(scope="module", params=BROWSER_BACKENDS)
def wall_stack(request, world_dir: Path, tmp_path_factory) -> Iterator[WallStack]:
    """The product on the seeded world of each backend, a city wall token and a duty officer's token."""
    engine = seeded_world(request.param, world_dir)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    tag = uuid.uuid4().hex[:8]
    with session_factory(engine).begin() as s:
        system = issue_token(s, f"e2e-wall-system-{tag}", "system", "putian")
        wall = issue_token(s, f"e2e-wall-{tag}", "wall", "putian", wall_path="/wall/city")
        duty = issue_token(s, f"e2e-wall-duty-{tag}", "duty", "putian")
    data_dir = tmp_path_factory.mktemp(f"e2e-wall-{request.param}")
    env = stack_env(engine.url.render_as_string(hide_password=False), REDIS_URL, data_dir, free_port())
    stack = WallStack(env=env, engine=engine, system=system, wall=wall, duty=duty)
    workers = []
    try:
        for verb in ("ingest", "fanout"):
            log = open(data_dir / f"{verb}.log", "w")  # noqa: SIM115 - closed with the process
            workers.append((subprocess.Popen([sys.executable, "-m", "dashboard", verb], cwd=ROOT, env=env,
                                             stdout=log, stderr=subprocess.STDOUT), log))
        stack.start_serve()
        yield stack
    finally:
        stack.stop_serve()
        for proc, log in workers:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def browser(wall_stack) -> Iterator:
    """One headless Chromium per module."""
    with chromium() as b:
        yield b


@pytest.fixture
def wall_page(browser):
    """A fresh 1920×1080 screen with nobody logged in (the wall URL carries its token); the test
    fails on any console error."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not any(b in m.text for b in BENIGN) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def open_wall(page, stack: WallStack, query: str = "") -> None:
    """Open the wall and wait until its view is drawn and live."""
    page.goto(stack.wall_url(query))
    page.wait_for_selector(".wall-body .view", timeout=60_000)
    page.wait_for_function("() => { const g = document.querySelector('#unit-map .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }", timeout=60_000)
    wait_state(page, "connected")


def wait_state(page, state: str, timeout: float = 60_000) -> None:
    """Wait until the wall's connection mark shows this state."""
    page.wait_for_selector(f'#wall-conn[data-state="{state}"]', timeout=timeout)


def fresh(page, panel: str) -> str:
    """The freshness mark of one panel: ok, amber or red."""
    return page.get_attribute(f'[data-wall-panel="{panel}"]', "data-fresh")


def grid_place(engine: Engine) -> Place:
    """Where the test's alerts are: a grid of Licheng, at its centre."""
    with Session(engine) as s:
        g = s.get(Unit, GRID)
        return Place(unit_code=GRID, district_code=g.district_code, town_code=g.town_code,
                     village_code=g.village_code, grid_code=GRID, lat=g.centroid_lat, lon=g.centroid_lon)


def raise_critical(stack: WallStack, key: str) -> int:
    """A new critical alert, recorded and published the way the supervise worker does it."""
    factory = session_factory(stack.engine)
    with factory.begin() as s:
        type_, data = raise_alert(s, kind="severe_incident", group_key=f"severe_incident:{GRID}:{key}",
                                  occurrence=key, cause=key, place=grid_place(stack.engine), severity=4,
                                  # The Chinese title numbers it in digits: a hex key of letters only
                                  # ("edabfdfc") reads as an English word (test_one_language failed so).
                                  title=f"紧急事件：墙面测试{int(key, 16) % 100_000:05d}",
                                  title_en=f"Critical incident: wall test {key}",
                                  now=datetime.now(UTC))
        outbox.stage(s, schema.ALERTS, type_, data)
    publish(stack)
    return data["id"]


def publish(stack: WallStack) -> None:
    """Send the outbox's unpublished rows to the streams (the supervise worker's sweep)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        outbox.flush(session_factory(stack.engine), client)
    finally:
        client.close()


def banner_ids(page) -> list[int]:
    """The critical alerts the wall holds for its banner."""
    return page.evaluate("() => Object.keys(window.gridWall.alerts).map(Number)")


def test_wall_tours_the_city_and_its_districts(wall_page, wall_stack):
    open_wall(wall_page, wall_stack, "tour=5")
    with Session(wall_stack.engine) as s:
        districts = {u.code: unit_name(unit_ref(u), "zh")
                     for u in s.scalars(select(Unit).where(Unit.parent_code == "putian"))}
    wall_page.wait_for_function("() => window.gridWall.history.length >= 2", timeout=60_000)
    first, code = wall_page.evaluate("() => window.gridWall.history.slice(0, 2)")
    assert first == "putian" and code in districts  # the city, then its first district
    # The stop shows that district's own view, inside the same page (no navigation, same URL).
    wall_page.wait_for_selector('.wall-body .view[data-level="district"]', timeout=60_000)
    wall_page.wait_for_function("(names) => names.some(n => document.querySelector('#wall-title')"
                                ".textContent.includes(n))", arg=list(districts.values()), timeout=30_000)
    assert wall_page.url == wall_stack.opened_url("tour=5")
    wait_state(wall_page, "connected")
    # One screen, no scroll bars.
    assert wall_page.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight && "
                              "document.documentElement.scrollWidth <= window.innerWidth")
    wall_page.wait_for_function("() => window.gridWall.history.length >= 3", timeout=60_000)
    assert wall_page.evaluate("() => window.gridWall.history[2]") in districts
    # Known and open: Dash's own dcc.Graph (async-graph.js, plot) runs a redraw it had queued for a
    # graph the tour has just unmounted and throws on its missing element. The tour is unaffected
    # (asserted above); this one error is tolerated here until the redraw race is fixed, nothing else.
    unmounted = "Cannot read properties of null (reading 'classList')"
    wall_page.console_errors[:] = [e for e in wall_page.console_errors if e != unmounted]


def test_scheduled_soft_reload_reopens_the_walls_own_url(wall_page, wall_stack):
    query = "reload=0.002"  # 7.2 s
    wall_page.goto(wall_stack.wall_url(query))
    # Mark the page once it has scheduled its reload (retried on a page that reloaded meanwhile).
    wall_page.wait_for_function("() => window.gridWall && window.gridWall.reloadAt > 0"
                                " && (window.beforeReload = true)", timeout=60_000, polling=200)
    # The reopened page: once it has scheduled its own next reload, that one is called off, so the
    # page is left to come up live whatever this machine's load (a loaded CPU can take longer than
    # 7.2 s to draw the city and connect, and would otherwise never show "connected" in between).
    wall_page.wait_for_function("() => window.beforeReload === undefined && window.gridWall"
                                " && window.gridWall.reloadAt > 0", timeout=60_000, polling=200)
    wall_page.evaluate("() => { window.gridWall.reloadAt = 0; }")
    wall_page.wait_for_selector(".wall-body .view", timeout=60_000)
    assert wall_page.url == wall_stack.opened_url(query)
    wait_state(wall_page, "connected")


def test_a_wall_whose_view_never_came_reloads_itself(browser, wall_stack):
    """The server's answers with the view are lost (the connection drops each time the page asks
    for its body): the wall stays blank only until its watchdog reloads it, then shows its view."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    lost: list[str] = []

    def lose_the_view(route) -> None:
        if lost is not None and "view-body.children" in (route.request.post_data or ""):
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    try:
        page.route("**/_dash-update-component*", lose_the_view)
        page.clock.install()  # the watchdog's 45 s, passed at once below
        page.goto(wall_stack.wall_url())
        page.wait_for_function("() => window.gridWall && window.gridWall.view"
                               " && window.gridWall.blankSince > 0", timeout=60_000)
        assert lost and not page.query_selector(".wall-body .view")
        page.evaluate("() => { window.beforeReload = true; }")
        lost = None  # the connection is back
        page.clock.fast_forward(46_000)
        page.wait_for_selector(".wall-body .view", timeout=60_000)
        assert page.evaluate("() => window.beforeReload") is None  # a new page, not a late answer
        assert page.url == wall_stack.opened_url()
    finally:
        context.close()


def test_clock_and_today_roll_over_at_local_midnight(browser, wall_stack):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        # The screen's own clock says 23:59:30 in Putian (UTC+8); the server keeps the real time.
        eve = datetime.now(UTC).replace(hour=15, minute=59, second=30, microsecond=0)
        page.clock.install(time=eve)
        open_wall(page, wall_stack)
        assert page.evaluate("() => window.gridWall.view.day") == eve.date().isoformat()
        shown = page.evaluate("() => window.gridWall.history.length")
        page.clock.set_system_time(eve + timedelta(seconds=40))
        page.wait_for_function("(day) => window.gridWall.view.day === day", arg=(eve + timedelta(days=1))
                               .date().isoformat(), timeout=15_000)
        # The view is drawn again for the new "today", and the date under the clock moved on.
        assert page.evaluate("() => window.gridWall.history.length") == shown + 1
        page.wait_for_function("(d) => document.querySelector('#wall-clock .wall-date').textContent"
                               ".includes(d)", arg=f"{(eve + timedelta(days=1)).day}日", timeout=15_000)
        page.wait_for_function("() => document.querySelector('#wall-clock .wall-time').textContent"
                               ".startsWith('00:00')", timeout=15_000)
    finally:
        context.close()


def test_critical_alert_banner_holds_until_a_duty_officer_acknowledges(wall_page, wall_stack):
    open_wall(wall_page, wall_stack)
    wall_page.wait_for_function("() => window.gridWall && window.gridWall.aready", timeout=30_000)
    alert_id = raise_critical(wall_stack, uuid.uuid4().hex[:8])
    wall_page.wait_for_selector(f'#wall-banner[data-alert="{alert_id}"]:not([hidden])', timeout=15_000)
    assert "墙面测试" in wall_page.inner_text("#wall-banner")
    # Its place flashes on the city map.
    wall_page.wait_for_selector(f'.wall-flash[data-alert="{alert_id}"]', state="attached", timeout=15_000)

    response = requests.post(f"{wall_stack.base}/api/v1/alerts/{alert_id}/ack", timeout=10,
                             headers={"Authorization": f"Bearer {wall_stack.duty}"},
                             json={"note": "已电话核实，处置中", "channel": "phone"})
    assert response.status_code == 202, response.text
    wall_page.wait_for_function("(id) => !Object.keys(window.gridWall.alerts).map(Number).includes(id)",
                                arg=alert_id, timeout=10_000)
    assert wall_page.get_attribute("#wall-banner", "data-alert") != str(alert_id)
    wall_page.wait_for_selector(f'.wall-flash[data-alert="{alert_id}"]', state="detached", timeout=5_000)


def test_wall_survives_a_server_restart_and_resumes_with_missed_events(wall_page, wall_stack):
    open_wall(wall_page, wall_stack)
    wall_page.wait_for_function("() => window.gridWall && window.gridWall.aready", timeout=30_000)
    acked_later = raise_critical(wall_stack, uuid.uuid4().hex[:8])
    wall_page.wait_for_function("(id) => Object.keys(window.gridWall.alerts).map(Number).includes(id)",
                                arg=acked_later, timeout=15_000)

    errors_before = len(wall_page.console_errors)
    wall_stack.stop_serve()
    wait_state(wall_page, "reconnecting")
    # While the web process is down: a new critical alert, and an acknowledgement of the earlier
    # one made at another desk (recorded and published as the API would).
    missed = raise_critical(wall_stack, uuid.uuid4().hex[:8])
    factory = session_factory(wall_stack.engine)
    with factory.begin() as s:
        alert = s.get(Alert, acked_later)
        desk = Principal("e2e-duty", "duty", "putian")
        _, (type_, data) = perform(s, alert, parse_request("ack", {"note": "现场处置"}), desk,
                                   source_ip="127.0.0.1", now=datetime.now(UTC) + timedelta(seconds=1))
        outbox.stage(s, schema.ALERTS, type_, data)
    publish(wall_stack)

    wall_stack.start_serve()
    wait_state(wall_page, "connected")
    wall_page.wait_for_function("() => window.gridWall.aready", timeout=30_000)  # the banner's socket too
    # While the server was away the browser said so (refused connections, a callback with no
    # answer); those are the outage itself, anything else is an error of the wall.
    # A response cut off as the process stopped is the outage too (its body shorter than its
    # Content-Length, the callback's fetch failing with it).
    outage = ("net::ERR_CONNECTION_REFUSED", "net::ERR_EMPTY_RESPONSE", "net::ERR_CONNECTION_RESET",
              "net::ERR_CONTENT_LENGTH_MISMATCH", "Failed to fetch", "the server did not respond")
    during = wall_page.console_errors[errors_before:]
    del wall_page.console_errors[errors_before:]
    wall_page.console_errors.extend(e for e in during if not any(o in e for o in outage))
    wall_page.wait_for_function("(id) => Object.keys(window.gridWall.alerts).map(Number).includes(id)",
                                arg=missed, timeout=30_000)
    wall_page.wait_for_function("(id) => !Object.keys(window.gridWall.alerts).map(Number).includes(id)",
                                arg=acked_later, timeout=30_000)
    assert missed in banner_ids(wall_page) and acked_later not in banner_ids(wall_page)
    # The view's own stream resumed too: a live incident after the restart reaches the ticker.
    with Session(wall_stack.engine) as s:
        grid = s.get(Unit, GRID)
        from dashboard.core.models import BusinessItem

        item = s.scalars(select(BusinessItem.code).order_by(BusinessItem.code)).first()
    incident_id = str(uuid.uuid4())
    response = requests.post(f"{wall_stack.base}/api/v1/incidents", timeout=10,
                             headers={"Authorization": f"Bearer {wall_stack.system}"},
                             json={"id": incident_id, "reported_at": datetime.now(UTC).isoformat(),
                                   "lat": grid.centroid_lat, "lon": grid.centroid_lon, "grid": GRID,
                                   "business_item": item, "source": "patrol", "severity": 2,
                                   "description": "大屏重连测试"})
    assert response.status_code in (200, 202), response.text
    # In the ticker again. Asked of the list itself: the wall's pager (tests/e2e/test_wall_fit.py)
    # scrolls through the rows, and the list draws only the rows near the page it shows.
    wall_page.wait_for_function("(id) => { const api = dash_ag_grid.getApi('unit-ticker');"
                                " return !!(api && api.getRowNode(id)); }", arg=incident_id, timeout=30_000)
