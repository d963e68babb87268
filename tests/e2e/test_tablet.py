"""Tablet mode in Chromium with touch: 1280×800 and 800×1280, drill by tap, back by breadcrumb and by
swipe, and a leader's instruction (批示) from the briefing page that lands in the database."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.browser import log_in
from dashboard.auth.accounts import create_user
from dashboard.core.models import AuditEntry, Instruction, SupervisionItem, Unit
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import wait_for_view, watch_console

pytestmark = pytest.mark.e2e
TABLETS = {"landscape": {"width": 1280, "height": 800}, "portrait": {"width": 800, "height": 1280}}
DISTRICT, TOWN = "licheng", "licheng-zhenhai"


def touch_page(browser, stack, orientation: str, username: str):
    """A touch-screen page of a 10-inch tablet, logged in; its console errors are collected."""
    context = browser.new_context(viewport=TABLETS[orientation], has_touch=True, is_mobile=True,
                                  device_scale_factor=1, locale="zh-CN")
    pg = context.new_page()
    log_in(pg, stack.base, username, PASSWORD)
    pg.console_errors = watch_console(pg)
    pg.orientation = orientation
    return context, pg


@pytest.fixture(params=list(TABLETS))
def tablet(request, browser, stack):
    """A touch-screen page of a 10-inch tablet in each orientation, logged in as a city leader."""
    context, pg = touch_page(browser, stack, request.param, stack.username)
    yield pg
    errors = list(pg.console_errors)
    context.close()
    assert not errors, f"browser console errors: {errors}"


def centroid(stack, code: str) -> tuple[float, float]:
    """A unit's centre (lon, lat) from the database."""
    with Session(stack.engine) as s:
        unit = s.get(Unit, code)
        return unit.centroid_lon, unit.centroid_lat


def tap_region(page, lon: float, lat: float, path: str) -> None:
    """A finger tap on the map inside a region, near the point given (projected by the map itself at
    each try), on a spot that is the region's own (not a staff disc or a marker over it: the pointer
    is rested there first and Plotly must name the region); tapped again, as a person would, if a
    live redraw of the map swallowed the first one."""
    code = path.rsplit("/", 1)[-1]
    names = ("(code) => (document.querySelector('#unit-map .js-plotly-plot')._hoverdata || [])"
             ".some(p => p.location === code)")
    around = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1))
    spots = list(dict.fromkeys((r * sx, r * sy) for r in range(0, 120, 15) for sx, sy in around))
    for dx, dy in spots:
        # Where the point is now: the map may still be settling its camera or its panel's size.
        x, y = _point(page, lon, lat)
        page.mouse.move(x + dx, y + dy)
        try:  # a loaded machine's software-drawn map can take seconds to answer the hover
            page.wait_for_function(names, arg=code, timeout=3_000, polling=100)
        except PlaywrightTimeout:
            continue
        for _ in range(3):
            page.touchscreen.tap(x + dx, y + dy)
            try:
                page.wait_for_url(lambda url: url.split("?")[0].endswith(path), timeout=10_000)
                return
            except Exception:  # noqa: BLE001 - Playwright's timeout: tap again
                continue
    raise AssertionError(f"no spot near the centre of {code} on the map drills into it")


def _point(page, lon: float, lat: float) -> tuple[float, float]:
    """Where a place is on the screen, scrolled into the viewport first (a person scrolls the map
    into view before tapping; on a portrait tablet the map may start below the fold)."""
    page.locator("#unit-map .js-plotly-plot").scroll_into_view_if_needed()
    return page.evaluate("""([lon, lat]) => {
        const map = window.plotInternals.mapOf(document.querySelector('#unit-map .js-plotly-plot'));
        const at = () => { const p = map.project([lon, lat]), r = map.getCanvas().getBoundingClientRect();
                           return [r.left + p.x, r.top + p.y]; };
        const [x, y] = at();
        if (y < 60 || y > window.innerHeight - 60) { window.scrollBy(0, y - window.innerHeight / 2); }
        return at();
    }""", [lon, lat])


def at_view(page, code: str, level: str) -> None:
    """The page shows that unit's view, drawn."""
    path = "/city" if code == "putian" else f"/unit/{code}"
    page.wait_for_url(lambda url: url.split("?")[0].endswith(path), timeout=60_000)
    wait_for_view(page, level)


def tap_row(page, code: str) -> None:
    """A finger tap on a row of the sub-units list; tapped again, as a person would, if a live
    refresh of the list swallowed the first one while it was scrolling into view."""
    cell = page.locator(f'#unit-children .ag-row[row-id="{code}"] .ag-cell >> nth=0')
    for _ in range(3):
        cell.scroll_into_view_if_needed()
        cell.tap()
        try:
            page.wait_for_url(lambda url: f"/unit/{code}" in url, timeout=10_000)
            return
        except Exception:  # noqa: BLE001 - Playwright's timeout: tap again
            continue


def swipe_right(page) -> None:
    """A real one-finger swipe to the right from the page's left edge, beside the breadcrumb (CDP
    touch events)."""
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(".crumb-wrap").bounding_box()
    y, x0 = box["y"] + box["height"] / 2, 4
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]})
    for step in (1, 2):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x0 + 100 * step, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_tap_drills_down_and_breadcrumb_and_swipe_go_back_up(tablet, stack):
    tablet.goto(stack.url("/city"))
    wait_for_view(tablet, "city")
    # Touch targets: the children list's rows and the language switch are at least 44 px tall.
    row = tablet.locator(f'#unit-children .ag-row[row-id="{DISTRICT}"]')
    assert row.bounding_box()["height"] >= 44
    assert tablet.locator(".lang-switch").bounding_box()["height"] >= 44
    tap_region(tablet, *centroid(stack, DISTRICT), f"/unit/{DISTRICT}")
    at_view(tablet, DISTRICT, "district")
    tap_row(tablet, TOWN)
    at_view(tablet, TOWN, "town")
    # The breadcrumb is set twice on a drill in place (by the tap, then by the server), so its
    # links are read in one go: a link measured after being listed could already be replaced.
    tablet.wait_for_function("() => document.querySelectorAll('.crumb-wrap .breadcrumb-item a').length === 2")
    heights = tablet.eval_on_selector_all(".crumb-wrap .breadcrumb-item a",
                                          "links => links.map(a => a.getBoundingClientRect().height)")
    assert [h >= 44 for h in heights] == [True, True], heights
    tablet.locator(".crumb-wrap .breadcrumb-item a", has_text="荔城区").tap()
    at_view(tablet, DISTRICT, "district")
    swipe_right(tablet)
    at_view(tablet, "putian", "city")
    if tablet.orientation == "portrait":  # stacked: the map comes first, the sub-units list right after it
        boxes = [tablet.locator(sel).bounding_box() for sel in (".area-map", ".area-kpis", ".area-children")]
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
        assert all(b["width"] > 700 for b in boxes)


def test_leader_leaves_an_instruction_on_the_briefing(tablet, stack):
    with Session(stack.engine) as s:
        open_items = s.execute(select(SupervisionItem.id).where(SupervisionItem.state == "open")
                               .limit(1)).scalars().all()
    assert open_items, "the seeded world has open supervision items"
    tablet.goto(stack.url("/briefing"))
    card = tablet.locator('.briefing-card[data-kind="supervision"]').first
    card.wait_for(timeout=60_000)
    item_id = card.get_attribute("data-id")
    button = card.locator(".instruct-button")
    assert button.bounding_box()["height"] >= 44
    button.tap()
    tablet.locator(".briefing-dialog textarea").wait_for(state="visible", timeout=30_000)
    text = f"请今日内处置并回报 {uuid.uuid4().hex[:6]}"
    tablet.locator(".briefing-dialog textarea").fill(text)
    tablet.locator(".briefing-dialog .touch-button.primary").tap()
    tablet.locator(".briefing-notice", has_text=text).wait_for(timeout=30_000)
    # Shown on the item once the list is read again.
    tablet.locator(f'.briefing-card[data-id="{item_id}"] .note-text', has_text=text).wait_for(timeout=30_000)
    with Session(stack.engine) as s:
        row = s.execute(select(Instruction).where(Instruction.text == text)).scalar_one()
        assert (row.target_kind, row.target_id, row.author) == ("supervision", item_id, stack.username)
        logged = s.execute(select(AuditEntry).where(AuditEntry.action == "instruction",
                                                    AuditEntry.target == f"supervision:{item_id}")).scalars()
        assert any(e.detail.get("text") == text for e in logged)


# Everything on a page a finger aims at: buttons and button-like links, text and date fields, the
# radio choices (their labels are the target), dropdowns and the desk list's story cells.
TOUCH_TARGETS = """(root) => [...document.querySelectorAll(['button', 'a.btn', 'textarea',
        'input:not([type=radio]):not([type=hidden]):not(.dash-dropdown-focus-target)',
        'label:has(> input[type=radio])', '.dash-dropdown-trigger', '.ag-cell[col-id="story"]']
        .map(s => root + ' ' + s).join(','))]
    .filter(e => e.checkVisibility() && e.getClientRects().length)
    .map(e => { const b = e.getBoundingClientRect();
                return {what: (e.id || e.className || e.tagName) + ' ' + e.textContent.trim().slice(0, 20),
                        height: b.height, width: b.width, left: b.left, right: b.right}; })"""


def assert_touchable(page, root: str, at_least: int) -> None:
    """Every target a finger aims at under `root` is at least 44 px each way and on the screen."""
    width = TABLETS[page.orientation]["width"]
    targets = page.evaluate(TOUCH_TARGETS, root)
    assert len(targets) >= at_least, targets
    small = [t for t in targets if t["height"] < 44 or t["width"] < 44]
    assert not small, f"{root}: touch targets under 44 px: {small}"
    outside = [t for t in targets if t["left"] < 0 or t["right"] > width]
    assert not outside, f"{root}: touch targets off the screen: {outside}"


def test_duty_desk_by_touch(tablet, stack):
    tablet.goto(stack.url("/duty"))
    row = tablet.locator("#duty-queue .ag-center-cols-container .ag-row").first
    row.wait_for(timeout=60_000)
    width = TABLETS[tablet.orientation]["width"]
    assert_touchable(tablet, ".duty", at_least=11)
    # A tap on an alert selects it: the action panel names it, whole.
    title = row.locator('.ag-cell[col-id="title"] .duty-alert-title').inner_text()
    row.locator('.ag-cell[col-id="title"]').tap()
    tablet.locator(".duty-target", has_text=title).wait_for(timeout=30_000)
    # Acknowledge is then in reach: a finger-sized button within the screen's width.
    ack = tablet.locator(".duty-btn-ack")
    ack.scroll_into_view_if_needed()
    box = ack.bounding_box()
    assert box["height"] >= 44 and 0 <= box["x"] and box["x"] + box["width"] <= width


def test_the_briefing_and_the_audit_log_by_touch(tablet, browser, stack):
    tablet.goto(stack.url("/briefing"))
    tablet.locator(".briefing-card .instruct-button").first.wait_for(timeout=60_000)
    assert_touchable(tablet, ".briefing-view", at_least=5)  # the filters, print, each card's 批示
    admin = f"e2e-admin-{uuid.uuid4().hex[:8]}"  # the audit log is an administrator's
    with Session(stack.engine) as s, s.begin():
        create_user(s, admin, PASSWORD, "admin", "putian")
    context, page = touch_page(browser, stack, tablet.orientation, admin)
    try:
        page.goto(stack.url("/audit"))
        page.wait_for_selector("#chain")
        assert_touchable(page, ".audit", at_least=5)  # unit, from, to, show, CSV
        assert page.console_errors == []
    finally:
        context.close()
