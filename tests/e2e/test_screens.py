"""The screens in Chromium on the seeded world: drill down and back, language, 2018, live updates.

Expected figures are read from the database with the query layer, never typed in, except the
published 2018 totals the demo world is built to match.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime

import pytest
import redis
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.browser import log_in
from dashboard.auth.accounts import create_user, set_active
from dashboard.contract import keys
from dashboard.core.i18n import fmt_int
from dashboard.core.models import BusinessItem, Staff, Unit
from dashboard.queries import units as queries
from dashboard.queries.units import ancestors
from layouts import ids
from layouts.period import resolve_period
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import kpi, wait_for_view

pytestmark = pytest.mark.e2e
GRID = "licheng-zhenhai-changshou-g01"


def expected(stack, code: str, query: dict | None = None) -> dict:
    """A unit's figures for the view's period, straight from the query layer."""
    with Session(stack.engine) as s:
        return queries.figures(s, code, resolve_period(query or {})[0])


def wait_kpi(page, key: str, text: str, timeout: float = 30_000) -> None:
    """Wait until a KPI tile reads exactly `text`."""
    page.wait_for_function(
        "([k, t]) => { const v = document.querySelector(`[data-kpi=\"${k}\"] .kpi-value`);"
        " return v && v.textContent.trim() === t; }", arg=[key, text], timeout=timeout)


def expect_view(page, stack, code: str, level: str, query: dict | None = None) -> None:
    """The page shows the unit's view with its figures right."""
    page.wait_for_selector(f'.view[data-level="{level}"]', timeout=60_000)
    wait_for_view(page, level)
    figures = expected(stack, code, query)
    wait_kpi(page, "collected", fmt_int(figures["collected"]))
    wait_kpi(page, "open", fmt_int(figures["open"]))
    assert page.url.split("?")[0].endswith("/city" if code == "putian" else f"/unit/{code}")


def click_region(page, code: str, lon: float, lat: float) -> None:
    """A real mouse click on a region of the map: near its centre (projected by the map itself),
    on a spot where the pointer rests on the region rather than on an incident marker."""
    x, y = page.evaluate("""([lon, lat]) => {
        const map = window.plotInternals.mapOf(document.querySelector('#unit-map .js-plotly-plot'));
        const p = map.project([lon, lat]);
        const r = map.getCanvas().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lon, lat])
    hovered = ("() => (document.querySelector('#unit-map .js-plotly-plot')._hoverdata || [])"
               ".map(p => p.location)")
    spots = [(dx, dy) for r in range(0, 90, 10)
             for dx, dy in ((r, 0), (-r, 0), (0, r), (0, -r), (r, r), (-r, -r))]
    for dx, dy in spots:
        page.mouse.move(x + dx, y + dy)
        page.wait_for_timeout(120)
        if code in page.evaluate(hovered):
            before = page.url
            page.mouse.click(x + dx, y + dy)
            # A live redraw landing between hover and click can swallow the click (a known
            # defect noted on issue 4); try the next spot rather than fail on that alone.
            try:
                page.wait_for_url(lambda url, was=before: url != was, timeout=5_000)
                return
            except PlaywrightTimeout:  # the click did not drill
                continue
    raise AssertionError(f"no spot near the centre of {code} reaches the region on the map")


def click_child_row(page, code: str) -> None:
    """A click on a row of the sub-units list."""
    page.click(f'#unit-children .ag-row[row-id="{code}"] .ag-cell >> nth=0')


def test_drill_down_by_map_and_lists_then_back_up(page, stack):
    with Session(stack.engine) as s:
        chain = ancestors(s, GRID)
        licheng = s.get(Unit, "licheng")
        centre = ("licheng", licheng.centroid_lon, licheng.centroid_lat)
        names = [u.name for u in chain]
    page.goto(stack.url("/city"))
    expect_view(page, stack, "putian", "city")
    click_region(page, *centre)
    expect_view(page, stack, "licheng", "district")
    the_map = "window.plotInternals.mapOf(document.querySelector('#unit-map .js-plotly-plot'))"
    mark, same = f"() => {{ {the_map}.__seen = 1; }}", f"() => {the_map}.__seen === 1"
    for unit, level in zip(chain[2:], ("town", "village", "grid"), strict=True):
        page.evaluate(mark)
        click_child_row(page, unit.code)
        expect_view(page, stack, unit.code, level)
        # A drill redraws the map on the page, into a grid too: no new map is built for it.
        assert page.evaluate(same), f"a new map was built for the {level}"
    page.wait_for_selector("#grid-staff .ag-row", timeout=30_000)  # the grid's own panels
    assert page.is_hidden("#unit-children") and page.is_hidden("#unit-funnel")
    assert page.inner_text("#unit-ticker-title") == "网格事件"  # the ticker's panel: the grid's incidents
    crumbs = page.inner_text(".crumb-wrap").replace("\n", "")
    assert [n for n in names if n in crumbs] == names
    assert page.is_visible("#grid-staff")
    page.click(f'.crumb-wrap a:text-is("{names[1]}")')
    expect_view(page, stack, "licheng", "district")
    page.go_back()
    expect_view(page, stack, GRID, "grid")
    page.go_back()
    expect_view(page, stack, chain[3].code, "village")
    page.go_forward()
    expect_view(page, stack, GRID, "grid")


def test_language_switch_is_remembered(page, stack):
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    assert page.inner_text("#shell-title") == "莆田市网格化服务管理指挥中心"
    page.click("#shell-lang-switch")
    page.wait_for_function("() => document.querySelector('#shell-title').textContent.startsWith('Putian')")
    page.wait_for_selector('[data-kpi="collected"] .kpi-label:text-is("Collected")')
    page.reload()
    wait_for_view(page, "city")
    page.wait_for_selector('[data-kpi="collected"] .kpi-label:text-is("Collected")')
    assert "Putian" in page.inner_text(".crumb-wrap")
    page.click("#shell-lang-switch")
    page.wait_for_selector('[data-kpi="collected"] .kpi-label:text-is("采集事件")')


def test_period_2018_reads_the_published_totals(page, stack):
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    page.click("#unit-period")
    page.get_by_role("option", name="2018年").click()
    page.wait_for_url("**/city?from=2018-01-01&to=2018-12-31*")
    wait_kpi(page, "collected", "576,647")
    wait_kpi(page, "closed", "549,565")
    wait_kpi(page, "closure_rate", "95.3%")
    click_child_row(page, "licheng")  # the period survives drill-down
    page.wait_for_url("**/unit/licheng?from=2018-01-01&to=2018-12-31*")
    licheng = expected(stack, "licheng", {"from": "2018-01-01", "to": "2018-12-31"})
    wait_kpi(page, "collected", fmt_int(licheng["collected"]))


def _post(stack, path: str, body: dict) -> requests.Response:
    response = requests.post(stack.base + path, json=body, timeout=10,
                             headers={"Authorization": f"Bearer {stack.system_token}"})
    assert response.status_code in (200, 202), response.text
    return response


# Whether the incidents' MapLibre source holds a circle at (lon, lat) for the incident's figure point.
DRAWN = """([id, lon, lat]) => {
    const gd = document.querySelector('#unit-map .js-plotly-plot');
    const i = gd.data.findIndex(t => t.meta === 'incidents');
    const k = gd.data[i].ids.indexOf(id);
    const circles = window.plotInternals.circleSource(gd, i), geo = circles && circles.geo;
    const f = k >= 0 && geo ? geo.features[k] : null;
    const [x, y] = f ? f.geometry.coordinates : [NaN, NaN];
    return Math.abs(x - lon) < 1e-9 && Math.abs(y - lat) < 1e-9;
}"""


def map_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Where the map draws (lon, lat) on the page."""
    return page.evaluate("""([lon, lat]) => {
        const map = window.plotInternals.mapOf(document.querySelector('#unit-map .js-plotly-plot'));
        const p = map.project([lon, lat]), r = map.getCanvas().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lon, lat])


def test_live_incident_and_position_reach_city_and_grid_views(browser, page, stack):
    with Session(stack.engine) as s:
        grid = s.get(Unit, GRID)
        item = s.scalars(select(BusinessItem.code).order_by(BusinessItem.code)).first()
        staff = s.scalars(select(Staff.id).where(Staff.grid_code == GRID).order_by(Staff.id)).first()
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    grid_page = page.context.new_page()
    grid_page.console_errors = page.console_errors
    grid_page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error"
                 and "GL Driver" not in m.text else None)
    grid_page.goto(stack.url(f"/unit/{GRID}"))
    wait_for_view(grid_page, "grid")
    for p in (page, grid_page):
        p.wait_for_selector("#shell-status.status-connected", timeout=30_000)
    before = int(kpi(page, "collected").replace(",", ""))

    incident_id = str(uuid.uuid4())
    _post(stack, "/api/v1/incidents", {
        "id": incident_id, "reported_at": datetime.now(UTC).isoformat(), "lat": grid.centroid_lat,
        "lon": grid.centroid_lon, "grid": GRID, "business_item": item, "source": "patrol", "severity": 3,
        "description": "浏览器测试事件 " + "W" * 300})  # an unbroken word must not stretch the panel
    posted = time.monotonic()
    for p in (page, grid_page):
        p.wait_for_selector(f'#unit-ticker .ag-row[row-id="{incident_id}"]', timeout=10_000)
    seen_after = time.monotonic() - posted
    print(f"incident visible on city and grid views {seen_after * 1000:.0f} ms after the POST returned")
    wait_kpi(page, "collected", fmt_int(before + 1))
    # A marker drawn where the incident is, on both maps (in the map's own layer, not only in the
    # figure), and on the grid's map a tap on it opens the incident's detail.
    for p in (page, grid_page):
        p.wait_for_function(DRAWN, arg=[incident_id, grid.centroid_lon, grid.centroid_lat], timeout=10_000)
    grid_page.mouse.click(*map_point(grid_page, grid.centroid_lon, grid.centroid_lat))
    grid_page.locator(f"#{ids.DETAIL_BODY}", has_text="浏览器测试事件").wait_for(timeout=10_000)
    panel = grid_page.evaluate("""() => { const p = document.querySelector('.detail-panel');
        return [p.scrollWidth, p.clientWidth, p.getBoundingClientRect().width, innerWidth]; }""")
    assert panel[0] <= panel[1] + 1 and panel[2] <= panel[3], f"detail panel overflows: {panel}"

    lat, lon = grid.centroid_lat + 0.0004, grid.centroid_lon - 0.0004
    _post(stack, "/api/v1/positions", {"positions": [
        {"staff": staff, "ts": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon, "grid": GRID}]})
    moved = ("([id, lat]) => { const t = document.querySelector('#unit-map .js-plotly-plot')"
             ".data.find(t => t.meta === 'positions'); const i = t.ids.indexOf(id);"
             " return i >= 0 && Math.abs(t.lat[i] - lat) < 1e-6; }")
    grid_page.wait_for_function(moved, arg=[staff, lat], timeout=10_000)
    grid_page.close()


def search(page, name: str) -> None:
    """Type into the search field and tap the match whose name is exactly ``name``."""
    page.fill("#shell-search", name)
    exact = page.locator(".hit-name", has_text=re.compile(f"^{re.escape(name)}$"))
    page.locator("#shell-search-results a.search-hit", has=exact).first.click(timeout=30_000)


def test_search_box_opens_a_unit(page, stack):
    village = "licheng-zhenhai-changshou"
    page.goto(stack.url("/city?period=7d"))
    wait_for_view(page, "city")
    search(page, "长寿社区")
    page.wait_for_url(f"**/unit/{village}?period=7d")
    expect_view(page, stack, village, "village", {"period": "7d"})


def test_search_for_a_person_rings_them_on_their_grid_map(page, stack):
    with Session(stack.engine) as s:
        grid = s.get(Unit, GRID)
        unique = select(Staff.name).group_by(Staff.name).having(func.count() == 1)
        person = s.scalars(select(Staff).where(Staff.grid_code == GRID, Staff.name.in_(unique))
                           .order_by(Staff.id)).first()
    lat, lon = grid.centroid_lat + 0.0003, grid.centroid_lon + 0.0003
    _post(stack, "/api/v1/positions", {"positions": [
        {"staff": person.id, "ts": datetime.now(UTC).isoformat(), "lat": lat, "lon": lon, "grid": GRID}]})
    live = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    deadline = time.monotonic() + 15
    while not live.hget(keys.LATEST_POSITIONS, person.id) and time.monotonic() < deadline:
        time.sleep(0.2)
    live.close()
    page.goto(stack.url("/city?period=7d"))
    wait_for_view(page, "city")
    search(page, person.name)
    page.wait_for_url(f"**/unit/{GRID}?period=7d&staff={person.id}")
    wait_for_view(page, "grid")
    ringed = ("([lat, name]) => { const g = document.querySelector('#unit-map .js-plotly-plot');"
              " const t = g.data.find(t => t.meta === 'highlight'); const a = g.layout.annotations || [];"
              " return t && t.lat.length === 2 && Math.abs(t.lat[0] - lat) < 1e-6"
              " && a.some(x => x.text.includes(name)); }")
    page.wait_for_function(ringed, arg=[lat, person.name], timeout=30_000)


def test_a_screen_whose_account_is_disabled_goes_back_to_the_log_in_page(browser, stack):
    # serve checks its sockets' credentials every 10 s; the page reloads 3 s after `revoked`.
    username = f"e2e-gone-{uuid.uuid4().hex[:8]}"
    with Session(stack.engine) as s, s.begin():
        create_user(s, username, PASSWORD, "leader", "putian")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, stack.base, username, PASSWORD)
        page.goto(stack.url("/city"))
        wait_for_view(page, "city")
        page.wait_for_selector("#shell-status.status-connected", timeout=30_000)
        with Session(stack.engine) as s, s.begin():
            set_active(s, username, False, actor="e2e")
        page.wait_for_url(lambda url: "/login" in url, timeout=40_000)
    finally:
        context.close()


def test_a_drill_draws_the_childs_map_from_memory(page, stack):
    """Once the city map is drawn its districts' maps are fetched; a tap on one then draws it with
    no answer from the map's callback (held back here: 204, what Dash takes as "nothing new")."""
    with Session(stack.engine) as s:
        districts = [u.code for u in queries.children(s, "putian")]
        towns = sorted(u.code for u in queries.children(s, "licheng"))
    fetched, asked = set(), []
    page.on("response", lambda r: fetched.add(r.url.split("/_dash-prefetch/map/")[1].split("?")[0])
            if "/_dash-prefetch/map/" in r.url and r.ok else None)
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    deadline = time.monotonic() + 60
    while not fetched >= set(districts) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert fetched >= set(districts)

    def hold_map(route):
        if f'"output":"..{ids.MAP}.figure' in (route.request.post_data or ""):
            asked.append(route.request)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_map)
    click_child_row(page, "licheng")
    page.wait_for_selector('.view[data-level="district"]', timeout=30_000)
    page.wait_for_function(
        "(towns) => { const gd = document.querySelector('#unit-map .js-plotly-plot');"
        " const r = gd && gd.data && gd.data.find(t => t.meta === 'regions');"
        " return !!r && JSON.stringify([...r.locations].sort()) === JSON.stringify(towns); }",
        arg=towns, timeout=30_000)
    assert asked, "the map's callback was asked for the district (its answer held back)"
    assert "荔城区" in page.inner_text(".crumb-wrap")
    page.unroute("**/_dash-update-component*")
    expect_view(page, stack, "licheng", "district")  # and its figures follow
