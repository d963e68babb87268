"""The duty desk's escalation, order and honest actions in real browsers: a village, a town and a
district desk of one chain open at once, on the real stack.

The supervise worker's two steps that matter here (the escalation timer and the return of expired
snoozes) run in a thread of the test on a clock the test moves ahead, narrowed to this test's
alerts so the seeded world's own alerts stay as they are. `DUTY_SCREENSHOTS=1` also writes
docs/screens/duty-queue-zh.png.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select

from bench.browser import log_in
from dashboard.actions import outbox
from dashboard.actions.alerting import Place, raise_alert
from dashboard.auth.accounts import create_user
from dashboard.contract import schema
from dashboard.core.db import session_factory
from dashboard.core.escalation import DEFAULT_MINUTES
from dashboard.core.models import Alert, AlertAck, AuditEntry, Unit
from dashboard.core.timeutil import utcnow
from dashboard.queries.alert_order import row_key
from feeds.escalation_timer import escalate_due
from feeds.supervision_alerts import recheck
from tests.conftest import REDIS_URL
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import ROOT, watch_console

DISTRICT = "licheng"
HAS = "([grid, id]) => !!dash_ag_grid.getApi(grid).getRowNode(String(id))"
GONE = "([grid, id]) => !dash_ag_grid.getApi(grid).getRowNode(String(id))"
LEVEL_IS = ("([grid, id, level]) => { const n = dash_ag_grid.getApi(grid).getRowNode(String(id));"
            " return !!n && n.data.level === level; }")
# The rows as the grid shows them: filtered and sorted.
SHOWN = ("grid => { const out = []; dash_ag_grid.getApi(grid)"
         ".forEachNodeAfterFilterAndSort(n => out.push(n.data)); return out; }")


class Timer:
    """The worker's timer steps on a clock the test moves: every quarter second, expired snoozes
    return and alerts past their policy's wait climb a level (only the watched alerts)."""

    def __init__(self, engine) -> None:
        self.factory = session_factory(engine)
        self.client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
        self.shift = timedelta()
        self.watched: set[int] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def now(self):
        """The worker's clock."""
        return utcnow() + self.shift

    def _run(self) -> None:
        while not self.stop.wait(0.25):
            if not self.watched:
                continue
            now, only = self.now(), set(self.watched)
            with self.factory.begin() as s:
                events = recheck(s, now, None, None, only) + escalate_due(s, now, only)
                outbox.stage_all(s, [(schema.ALERTS, t, d) for t, d in events])
            outbox.try_flush(self.factory, self.client)


@pytest.fixture(scope="module")
def chain(stack):
    """Duty officers at a village, its town and its district, and the grid they share."""
    tag = uuid.uuid4().hex[:6]
    earlier = re.compile(r"^(severe_incident|staff_silent):[0-9a-f]{6}:"
                         r"(timer|low|hand|ack|snooze|filtered|f)$")
    with session_factory(stack.engine).begin() as s:
        # A reused test world keeps earlier runs' alerts of this module: resolve them.
        for alert in s.execute(select(Alert).where(Alert.state != "resolved",
                                                   Alert.kind.in_(("severe_incident", "staff_silent")))
                              ).scalars():
            if earlier.match(alert.group_key):
                alert.state = "resolved"
        grid = s.execute(select(Unit).where(Unit.level == "grid", Unit.district_code == DISTRICT)
                         .order_by(Unit.code).limit(1)).scalar_one()
        place = Place(unit_code=grid.code, district_code=grid.district_code, town_code=grid.town_code,
                      village_code=grid.village_code, grid_code=grid.code)
        names = {"village": f"duty-v-{tag}", "town": f"duty-t-{tag}", "district": f"duty-d-{tag}"}
        for level, unit in (("village", grid.village_code), ("town", grid.town_code),
                            ("district", grid.district_code)):
            create_user(s, names[level], PASSWORD, "duty", unit)
        units = {u.code: u.name for u in s.execute(select(Unit).where(
            Unit.code.in_((grid.town_code, grid.district_code)))).scalars()}
    yield place, names, units, tag
    with session_factory(stack.engine).begin() as s:  # leave the shared world as it was
        for alert in s.execute(select(Alert).where(Alert.group_key.like(f"%:{tag}:%"))).scalars():
            alert.state = "resolved"


@pytest.fixture
def timer(stack):
    t = Timer(stack.engine)
    t.thread.start()
    yield t
    t.stop.set()
    t.thread.join(timeout=5)
    t.client.close()


def _raise(stack, place: Place, key: str, severity: int, title: str, ago_min: float = 0,
           kind: str = "severe_incident", title_en: str = "Test alert") -> int:
    """A new alert at the village level, published as the supervise worker publishes it."""
    factory = session_factory(stack.engine)
    with factory.begin() as s:
        type_, data = raise_alert(s, kind=kind, group_key=key, occurrence=key, cause=key,
                                  place=place, severity=severity, title=title, title_en=title_en,
                                  now=utcnow() - timedelta(minutes=ago_min))
        outbox.stage(s, schema.ALERTS, type_, data)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        outbox.try_flush(factory, client)
    finally:
        client.close()
    return data["id"]


def _desk(browser, stack, username: str):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script("window.localStorage.setItem('shell-lang', '\"zh\"');")
    page = context.new_page()
    log_in(page, stack.base, username, PASSWORD)
    page.console_errors = watch_console(page)
    page.goto(stack.url("/duty"))
    page.wait_for_selector("#duty-queue", timeout=60_000)
    page.wait_for_function("() => window.gridLive && window.gridLive.state.ready", timeout=30_000)
    return context, page


@pytest.fixture
def desks(browser, stack, chain):
    _place, names, _units, _tag = chain
    opened = {level: _desk(browser, stack, name) for level, name in names.items()}
    pages = {level: page for level, (_ctx, page) in opened.items()}
    yield pages
    errors = [e for _ctx, page in opened.values() for e in page.console_errors]
    for ctx, _page in opened.values():
        ctx.close()
    assert not errors, f"browser console errors: {errors}"


# Select the row until the desk shows it as the target: a refresh of the list between the
# selection and its callback replaces the row node, as a second tap would put right for a person.
# Selected, and the desk says so (a target line left from before, with the row no longer selected,
# is about to change: fresh rows had cleared the selection and the desk had not answered yet).
SELECT = """([grid, id]) => {
  const target = document.getElementById('duty-target-text');
  const node = dash_ag_grid.getApi(grid).getRowNode(String(id));
  if (node && !node.isSelected()) { node.setSelected(true); return false; }
  return !!node && !!target && target.textContent.includes('#' + id);
}"""

def _select(page, alert_id: int, grid: str = "duty-queue") -> None:
    page.wait_for_function(HAS, arg=[grid, alert_id], timeout=10_000)
    page.wait_for_function(SELECT, arg=[grid, alert_id], polling=500, timeout=30_000)


def _result(page, text: str) -> str:
    page.wait_for_function("t => document.getElementById('duty-result').textContent.includes(t)", arg=text,
                           timeout=10_000)
    return page.inner_text("#duty-result")


def _in_order(page, grid: str = "duty-queue") -> None:
    rows = page.evaluate(SHOWN, grid)
    assert rows == sorted(rows, key=row_key), "the queue is out of its order"


def _audits(stack, alert_id: int) -> list[str]:
    with session_factory(stack.engine)() as s:
        return s.execute(select(AuditEntry.action).where(AuditEntry.target == f"alert:{alert_id}")
                         .order_by(AuditEntry.id)).scalars().all()


def test_a_timer_escalation_lands_on_the_town_desk_within_its_policy_time(stack, chain, desks, timer):
    place, _names, units, tag = chain
    alert_id = _raise(stack, place, f"severe_incident:{tag}:timer", 4, "紧急事件：燃气泄漏（计时）")
    timer.watched.add(alert_id)
    for page in desks.values():
        page.wait_for_function(HAS, arg=["duty-queue", alert_id], timeout=10_000)
    # The worker's clock reaches the village desk's wait for severity 4: the deadline is now.
    timer.shift = timedelta(minutes=DEFAULT_MINUTES[4][0])
    started = time.monotonic()
    desks["town"].wait_for_function(LEVEL_IS, arg=["duty-queue", alert_id, "town"], timeout=2_000, polling=50)
    print(f"timer escalation reached the town desk {time.monotonic() - started:.2f} s after its deadline")
    desks["district"].wait_for_function(LEVEL_IS, arg=["duty-queue", alert_id, "town"], timeout=2_000)
    row = desks["town"].evaluate("id => dash_ag_grid.getApi('duty-queue').getRowNode(String(id)).data",
                                 alert_id)
    assert row["level_label"] == "乡镇街道" and row["state"] == "open"
    _in_order(desks["town"])
    with session_factory(stack.engine)() as s:
        ack = s.execute(select(AlertAck).where(AlertAck.alert_id == alert_id)).scalar_one()
    assert (ack.action, ack.user, ack.detail["to_level"], ack.detail["to_unit_name"]) == \
        ("escalate", "system", "town", units[place.town_code])
    assert _audits(stack, alert_id) == ["alert.escalate"]


def test_a_hand_escalation_names_its_desk_and_lands_in_place_on_the_district_desk(stack, chain, desks):
    place, _names, units, tag = chain
    low = _raise(stack, place, f"severe_incident:{tag}:low", 2, "较大事件：占道经营", ago_min=30)
    alert_id = _raise(stack, place, f"severe_incident:{tag}:hand", 3, "高危事件：违章搭建（手动）")
    district = desks["district"]
    district.wait_for_function(HAS, arg=["duty-queue", alert_id], timeout=10_000)
    town = desks["town"]
    _select(town, alert_id)
    town.click("#duty-escalate")
    said = _result(town, "已升级至")
    assert said == f"已升级至 {units[place.district_code]} 区级值班台"
    district.wait_for_function(LEVEL_IS, arg=["duty-queue", alert_id, "district"], timeout=2_000)
    _in_order(district)
    if os.environ.get("DUTY_SCREENSHOTS") and stack.engine.dialect.name == "sqlite":
        town.wait_for_function(LEVEL_IS, arg=["duty-queue", alert_id, "district"], timeout=2_000)
        town.screenshot(path=str(ROOT / "docs" / "screens" / "duty-queue-zh.png"))
    rows = district.evaluate(SHOWN, "duty-queue")
    ids = [r["id"] for r in rows]
    assert ids.index(alert_id) < ids.index(low)  # severity 3 above severity 2, however old
    # The village desk still sees it (its jurisdiction), now marked at the district level.
    desks["village"].wait_for_function(LEVEL_IS, arg=["duty-queue", alert_id, "district"], timeout=2_000)

    # Focus: "my desk" on the district desk keeps it; on the town desk it no longer shows there.
    district.click("#duty-view label:has-text('本级值班台')")
    district.wait_for_function("id => { const rows = []; dash_ag_grid.getApi('duty-queue')"
                               ".forEachNodeAfterFilterAndSort(n => rows.push(n.data)); return "
                               "rows.some(r => r.id === id) && rows.every(r => r.level === 'district'); }",
                               arg=alert_id)
    town.click("#duty-view label:has-text('本级值班台')")
    town.wait_for_function("id => { const rows = []; dash_ag_grid.getApi('duty-queue')"
                           ".forEachNodeAfterFilterAndSort(n => rows.push(n.data)); "
                           "return !rows.some(r => r.id === id) && rows.every(r => r.level === 'town'); }",
                           arg=alert_id)
    # The district desk pressed nothing, so it has nothing to answer (a drawn desk is no press).
    assert district.inner_text("#duty-result") == ""


def test_a_repeated_acknowledgement_says_who_and_writes_nothing(stack, chain, desks):
    place, names, _units, tag = chain
    alert_id = _raise(stack, place, f"severe_incident:{tag}:ack", 3, "高危事件：重复确认")
    village, town = desks["village"], desks["town"]
    _select(village, alert_id)
    village.click("#duty-ack")
    _result(village, f"已确认 #{alert_id}")
    town.wait_for_function(HAS, arg=["duty-board", alert_id], timeout=5_000)
    _select(town, alert_id, "duty-board")
    town.click("#duty-ack")
    said = _result(town, "确认")
    assert said.startswith(f"已由 {names['village']} 于 ") and said.endswith(" 确认")
    assert _audits(stack, alert_id) == ["alert.ack"]
    with session_factory(stack.engine)() as s:
        assert s.execute(select(func.count()).select_from(AlertAck)
                         .where(AlertAck.alert_id == alert_id)).scalar() == 1


def test_a_snoozed_alert_leaves_the_queues_and_returns_at_expiry(stack, chain, desks, timer):
    place, _names, _units, tag = chain
    alert_id = _raise(stack, place, f"severe_incident:{tag}:snooze", 3, "高危事件：暂缓")
    timer.watched.add(alert_id)
    town, district = desks["town"], desks["district"]
    _select(town, alert_id)
    town.fill("#duty-note", "等待供电公司回复")
    town.click("#duty-snooze")
    assert _result(town, "暂缓") == f"已暂缓 #{alert_id}"
    for page in (town, district):
        page.wait_for_function(GONE, arg=["duty-queue", alert_id], timeout=5_000)
        assert not page.evaluate(HAS, ["duty-board", alert_id])
    with session_factory(stack.engine)() as s:
        ack = s.execute(select(AlertAck).where(AlertAck.alert_id == alert_id)).scalar_one()
        minutes = round((ack.expires_at - ack.at).total_seconds() / 60)
    assert (ack.action, ack.note, minutes) == ("snooze", "等待供电公司回复", 30)
    timer.shift = timedelta(minutes=minutes)  # the snooze's expiry on the worker's clock
    for page in (town, district):
        page.wait_for_function(HAS, arg=["duty-queue", alert_id], timeout=5_000)
    with session_factory(stack.engine)() as s:
        assert s.get(Alert, alert_id).state == "open"


def _shown(page) -> list[dict]:
    return page.evaluate(SHOWN, "duty-queue")


def test_filters_and_views_narrow_the_queue_live(stack, chain, desks):
    place, names, _units, tag = chain
    town = desks["town"]
    silent = _raise(stack, place, f"staff_silent:{tag}:f", 2, "网格员失联：筛选", kind="staff_silent")
    town.wait_for_function(HAS, arg=["duty-queue", silent], timeout=10_000)
    # A cause picked from the filter: only that cause shows, a live alert of another cause too
    # arrives hidden, and it shows again once the filter is cleared.
    town.evaluate("() => dash_clientside.set_props('duty-filter-kind', {value: 'staff_silent'})")
    town.wait_for_function("() => document.getElementById('duty-filters')"
                           ".classList.contains('duty-filtering')")
    assert {r["kind"] for r in _shown(town)} == {"staff_silent"}
    live = _raise(stack, place, f"severe_incident:{tag}:filtered", 3, "高危事件：筛选中到达")
    town.wait_for_function(HAS, arg=["duty-queue", live], timeout=10_000)
    assert live not in [r["id"] for r in _shown(town)]
    town.evaluate("() => dash_clientside.set_props('duty-filter-kind', {value: null})")
    town.wait_for_function("id => { const r = []; dash_ag_grid.getApi('duty-queue')"
                           ".forEachNodeAfterFilterAndSort(n => r.push(n.data.id)); return r.includes(id); }",
                           arg=live)
    _in_order(town)
    # The city level holds nothing of a town's; the desk's own district shows everything again.
    town.evaluate("() => dash_clientside.set_props('duty-filter-level', {value: 'city'})")
    town.wait_for_function("() => dash_ag_grid.getApi('duty-queue').getDisplayedRowCount() === 0")
    town.evaluate("() => dash_clientside.set_props('duty-filter-level', {value: null})")
    town.evaluate(f"() => dash_clientside.set_props('duty-filter-district', {{value: '{DISTRICT}'}})")
    town.wait_for_function("id => !!dash_ag_grid.getApi('duty-queue').getRowNode(String(id)) && "
                           "dash_ag_grid.getApi('duty-queue').getDisplayedRowCount() > 0", arg=live)
    # "Assigned to me": the officer assigns the alert to themself, and the view keeps only it.
    _select(town, live)
    # (picked from the roster: the typeahead itself is driven in test_duty_paging)
    town.wait_for_function("name => (dash_component_api.getLayout('duty-assign').props.options || [])"
                           ".some(o => o.value === name)", arg=names["town"])
    town.evaluate("name => dash_clientside.set_props('duty-assign', {value: name})", names["town"])
    town.click("#duty-assign-btn")
    _result(town, f"已指派 #{live}")
    town.click("#duty-view label:has-text('指派给我')")
    town.wait_for_function("id => { const r = []; dash_ag_grid.getApi('duty-queue')"
                           ".forEachNodeAfterFilterAndSort(n => r.push(n.data.id));"
                           " return r.length === 1 && r[0] === id; }", arg=live)

