"""Paging, the alert's story and roster assignment in real browsers: a village, a town and a district
desk over one grid, on the real stack (serve + ingest + fanout).

A new severe alert starts, on every desk, the repeating tone (#duty-root[data-tone]), the tab title
count and, on a hidden tab, a system notification (window.Notification is counted by an init
script); one acknowledgement stops all of them on every desk within a second. The district desk then
opens the alert's story and assigns it from the roster (typed by pinyin initials); the village desk
sees it as "指派给我". `DUTY_SCREENSHOTS=1` also writes docs/screens/duty-story-zh.png and
duty-assign-zh.png.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from bench.browser import log_in
from dashboard.actions.alerting import raise_alert
from dashboard.auth.accounts import create_user
from dashboard.core.alert_titles import parts
from dashboard.core.db import session_factory
from dashboard.core.models import Alert, AlertAck, BusinessItem, Unit
from dashboard.core.timeutil import utcnow
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import ROOT, watch_console
from tests.e2e.test_duty import HAS, _grid_place, _publish
from tests.e2e.test_duty_escalation import SELECT

DISTRICT = "hanjiang"  # the other duty tests use licheng and xianyou
VILLAGE_OFFICER = "陈美玲"  # the village desk's display name: typed as "cml" in the roster
# Counts notifications and lets the test hide the tab (Chromium's own visibility never changes
# in a headless window).
INIT = """
(() => {
  window.__notes = {made: 0, open: 0, titles: []};
  class CountedNotification {
    constructor(title, options) {
      window.__notes.made += 1; window.__notes.open += 1; window.__notes.titles.push(title);
      this.title = title; this.options = options; this.closed = false;
    }
    close() { if (!this.closed) { this.closed = true; window.__notes.open -= 1; } }
    static get permission() { return "granted"; }
    static requestPermission() { return Promise.resolve("granted"); }
  }
  window.Notification = CountedNotification;
  window.__hidden = false;
  Object.defineProperty(Document.prototype, "visibilityState",
                        {configurable: true, get() { return window.__hidden ? "hidden" : "visible"; }});
  Object.defineProperty(Document.prototype, "hidden",
                        {configurable: true, get() { return window.__hidden; }});
  // When the paging state last changed, by this page's clock (the test reads it after the fact,
  // so its own polling adds nothing to the measured time).
  window.__quietAt = null;
  new MutationObserver(() => {
    const root = document.getElementById("duty-root");
    if (document.title === "值班台" && root && root.dataset.tone === "idle" && window.__notes.open === 0) {
      window.__quietAt = window.__quietAt || Date.now();
    } else { window.__quietAt = null; }
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ["data-tone"]});
})();
"""
TONE = "() => document.getElementById('duty-root').dataset.tone"
QUIET = ("() => document.title === '值班台' && document.getElementById('duty-root').dataset.tone === 'idle'"
         " && window.__notes.open === 0")


@pytest.fixture(scope="module")
def desks(stack):
    """Duty accounts at a grid's village, town and district; no live alert left in the district."""
    tag = uuid.uuid4().hex[:6]
    with session_factory(stack.engine).begin() as s:
        place = _grid_place(s, DISTRICT, 3)
        grid = s.get(Unit, place.grid_code)
        names = {"village": f"duty-v-{tag}", "town": f"duty-t-{tag}", "district": f"duty-d-{tag}"}
        create_user(s, names["village"], PASSWORD, "duty", grid.village_code, display_name=VILLAGE_OFFICER)
        create_user(s, names["town"], PASSWORD, "duty", grid.town_code)
        create_user(s, names["district"], PASSWORD, "duty", DISTRICT)
        # A reused test world keeps earlier runs' alerts: this test counts from zero.
        for alert in s.execute(select(Alert).where(Alert.district_code == DISTRICT,
                                                   Alert.state != "resolved")).scalars():
            alert.state = "resolved"
    return names, tag


def _desk(browser, stack, username: str):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script("window.localStorage.setItem('shell-lang', '\"zh\"');")
    context.add_init_script(INIT)
    page = context.new_page()
    log_in(page, stack.base, username, PASSWORD)
    page.console_errors = watch_console(page)
    page.goto(stack.url("/duty"))
    page.wait_for_selector("#duty-paging-toggle", timeout=60_000)
    page.wait_for_function("() => window.gridLive && window.gridLive.state.ready", timeout=30_000)
    page.wait_for_function("() => window.dutyPaging.state.grid !== null", timeout=30_000)
    return context, page


def _raise(stack, key: str, severity: int) -> int:
    """An alert on a grid of the district, its title stored as parts as the supervise worker
    stores them (a real place and business item, so each screen words it in its language)."""
    def raise_(s):
        place = _grid_place(s, DISTRICT, 3)
        item = s.execute(select(BusinessItem.code).order_by(BusinessItem.code).limit(1)).scalar_one()
        return raise_alert(s, kind="severe_incident", group_key=key, occurrence=key, cause=key, place=place,
                           severity=severity, now=utcnow(), title_parts=parts(
                               f"alert.severe_incident.{max(severity, 3)}", place=place.grid_code, item=item))
    return _publish(stack, raise_)["id"]


def _select(page, alert_id: int) -> None:
    page.wait_for_function(SELECT, arg=["duty-queue", alert_id], polling=500, timeout=30_000)


def _result(page, text: str) -> None:
    """Wait for the action's answer; on a timeout, say what the desk answered instead."""
    try:
        page.wait_for_function("t => document.getElementById('duty-result').textContent.includes(t)",
                               arg=text, timeout=10_000)
    except PlaywrightTimeout:
        pytest.fail(f"expected {text!r}, the desk says {page.inner_text('#duty-result')!r}")


def test_paging_starts_on_every_desk_and_stops_on_one_acknowledgement(browser, stack, desks):
    names, tag = desks
    opened = {level: _desk(browser, stack, names[level]) for level in ("village", "town", "district")}
    pages = {level: page for level, (_, page) in opened.items()}
    try:
        for page in pages.values():
            assert page.evaluate(TONE) == "off" and page.title() == "值班台"
            page.click("#duty-paging-toggle")  # the one click: sound on, notifications asked
            page.wait_for_function(f"{TONE} === 'idle'")
            assert page.inner_text("#duty-paging-toggle") == "关闭提示音"
        pages["village"].evaluate("() => { window.__hidden = true;"
                                  " document.dispatchEvent(new Event('visibilitychange')); }")

        # A medium alert does not page; a high one (severity 3) does, on all three desks.
        quiet = _raise(stack, f"severe_incident:{tag}:medium", 2)
        loud = _raise(stack, f"severe_incident:{tag}:high", 3)
        for page in pages.values():
            page.wait_for_function(HAS, arg=["duty-queue", loud], timeout=10_000)
            assert page.evaluate(HAS, ["duty-queue", quiet])
            page.wait_for_function("() => document.title === '(1) 值班台'", timeout=5_000)
            assert page.evaluate(TONE) == "ringing"
            # It repeats: a second beep comes without any new event.
            page.wait_for_function("() => window.dutyPaging.state.beeps >= 2", timeout=10_000)
        village = pages["village"]
        assert village.evaluate("() => [window.__notes.made, window.__notes.open]") == [1, 1]
        assert village.evaluate("() => window.__notes.titles[0]") == f"未确认告警 #{loud}"
        # A visible tab gets no system notification.
        assert pages["town"].evaluate("() => window.__notes.made") == 0

        for page in pages.values():  # when the acknowledgement's event reaches each page's socket
            page.evaluate("id => window.gridLive.state.socket.on('feed', ev => {"
                          " if (ev.data && ev.data.id === id && ev.type === 'alert.acked') {"
                          " window.__ackEventAt = Date.now(); } })", loud)
        town = pages["town"]
        _select(town, loud)
        clicked = time.time()  # the pages' Date.now() and the server's clock are this machine's clock
        town.click("#duty-ack")
        for page in pages.values():
            page.wait_for_function(QUIET, timeout=10_000)
        with session_factory(stack.engine)() as s:
            acked = s.execute(select(AlertAck.at).where(AlertAck.alert_id == loud)).scalar_one().timestamp()
        # From the acknowledgement (the server's record of it, taken before its commit) to each desk
        # quiet: title, tone and notifications all stopped.
        waited = {level: page.evaluate("() => window.__quietAt") / 1000 - acked
                  for level, page in pages.items()}
        pushed = {level: page.evaluate("() => window.__ackEventAt") / 1000 - acked
                  for level, page in pages.items()}
        print(f"the click reached the server after {acked - clicked:.3f} s; after the acknowledgement, paging"
              " stopped after", {k: f"{v:.3f} s" for k, v in waited.items()}, "and its event reached the page"
              " after", {k: f"{v:.3f} s" for k, v in pushed.items()})
        beeps = {level: page.evaluate("() => window.dutyPaging.state.beeps") for level, page in pages.items()}
        assert all(0 < v < 1.0 for v in waited.values()), f"paging stopped only after {waited}"
        # Stopped, not paused: no further beep once the alert is acknowledged.
        pages["district"].wait_for_timeout(3000)
        assert {level: page.evaluate("() => window.dutyPaging.state.beeps")
                for level, page in pages.items()} == beeps
        assert village.evaluate("() => window.__notes.made") == 1
    finally:
        errors = [e for _, page in opened.values() for e in page.console_errors]
        for context, _ in opened.values():
            context.close()
    assert not errors, f"browser console errors: {errors}"


def test_the_story_and_a_roster_assignment_reach_the_assignees_desk(browser, stack, desks):
    names, tag = desks
    alert_id = _raise(stack, f"severe_incident:{tag}:story", 4)
    ctx_d, district = _desk(browser, stack, names["district"])
    ctx_v, village = _desk(browser, stack, names["village"])
    try:
        # The story: opened from the row's "经过" cell, beside the queue.
        district.evaluate("id => dash_ag_grid.getApi('duty-queue').ensureNodeVisible("
                          "dash_ag_grid.getApi('duty-queue').getRowNode(String(id)), 'top')", alert_id)
        district.click(f'#duty-queue .ag-row[row-id="{alert_id}"] [col-id="story"]')
        district.wait_for_selector("#duty-story .duty-story-item", timeout=10_000)
        assert district.inner_text("#duty-story .offcanvas-title") == f"告警 #{alert_id} 经过"
        kinds = district.eval_on_selector_all("#duty-story .duty-story-item",
                                              "els => els.map(e => e.dataset.kind)")
        assert kinds == ["alert.created"]
        assert "告警产生" in district.inner_text("#duty-story")
        district.click("#duty-story .btn-close")
        # Closed, and focus handed back (the drawer returns it to the row when its slide ends).
        district.wait_for_selector("#duty-story", state="detached", timeout=10_000)

        # The roster: the village desk, found by its officer's pinyin initials.
        _select(district, alert_id)
        district.wait_for_function("() => (dash_component_api.getLayout('duty-assign').props.options || [])"
                                   ".length > 0", timeout=10_000)
        district.focus("#duty-assign")
        district.keyboard.press("ArrowDown")  # opens the list: the whole roster, nearest first
        district.wait_for_function("() => document.querySelectorAll('.dash-dropdown-option').length > 2")
        if os.environ.get("DUTY_SCREENSHOTS"):
            district.screenshot(path=str(ROOT / "docs" / "screens" / "duty-assign-zh.png"))
        district.fill(".dash-dropdown-search", "cml")
        option = district.locator(".dash-dropdown-option", has_text=VILLAGE_OFFICER)
        option.wait_for(timeout=10_000)
        assert district.locator(".dash-dropdown-option").count() == 1
        assert "村社区值班台" in option.inner_text()
        option.click()
        district.click("#duty-assign-btn")
        _result(district, f"已指派 #{alert_id}")

        # Pushed to the village desk: its own row says "指派给我"; the district desk reads the name.
        cell = f'#duty-queue .ag-row[row-id="{alert_id}"] [col-id="assigned_to"]'
        village.wait_for_function(f"() => (document.querySelector('{cell}') || {{}}).textContent === "
                                  "'指派给我'", timeout=10_000)
        district.wait_for_function(f"() => (document.querySelector('{cell}') || {{}}).textContent === "
                                   f"'{VILLAGE_OFFICER}'", timeout=10_000)

        # A note, then the story again: the assignment by name, the note with its author. (The
        # action's fresh rows may have cleared the selection: pick the alert again, as a user would.)
        _select(district, alert_id)
        district.fill("#duty-note", "已电话通知村值班员到场核实")
        district.click("#duty-note-btn")
        _result(district, f"已为 #{alert_id} 添加备注")
        district.click(f'#duty-queue .ag-row[row-id="{alert_id}"] [col-id="story"]')
        district.wait_for_function("() => document.querySelectorAll('#duty-story .duty-story-item')"
                                   ".length === 3")
        story = district.inner_text("#duty-story")
        assert f"指派给 {VILLAGE_OFFICER}" in story and "已电话通知村值班员到场核实" in story
        if os.environ.get("DUTY_SCREENSHOTS"):  # once the drawer has slid fully in
            district.wait_for_function("() => Math.abs(document.getElementById('duty-story')"
                                       ".getBoundingClientRect().right - window.innerWidth) < 1")
            district.screenshot(path=str(ROOT / "docs" / "screens" / "duty-story-zh.png"))
    finally:
        errors = district.console_errors + village.console_errors
        ctx_d.close()
        ctx_v.close()
    assert not errors, f"browser console errors: {errors}"
    with session_factory(stack.engine)() as s:
        acks = s.execute(select(AlertAck).where(AlertAck.alert_id == alert_id)
                         .order_by(AlertAck.id)).scalars().all()
        assert [(a.action, a.user) for a in acks] == [("assign", names["district"]),
                                                      ("note", names["district"])]
        assert s.get(Alert, alert_id).assigned_to == names["village"]
