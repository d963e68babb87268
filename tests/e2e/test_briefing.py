"""The leaders' briefing in Chromium on a small world of known items: newest and most escalated
first, a filter, full place names and stage deadlines, the live status mark, and an instruction
given on the page that comes back read (the target desk opened it) and acted on (a department's
step through the API, the stream and the persister).

Screenshots of the final state go to $BRIEFING_SCREENS (docs/screens/briefing-zh.png, -en.png).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import requests

from bench.browser import chromium, log_in
from dashboard.auth.accounts import create_user
from dashboard.core.db import session_factory
from dashboard.core.principal import issue_token
from dashboard.core.timeutil import utcnow
from tests.conftest import BROWSER_BACKENDS, REDIS_URL, fresh_engine
from tests.e2e.conftest import PASSWORD
from tests.e2e.stack import free_port, running, stack_env, watch_console
from tests.integration import briefing_world

pytestmark = pytest.mark.e2e
CARDS = '#briefing-supervision .briefing-card[data-kind="supervision"]'


@pytest.fixture(scope="module", params=BROWSER_BACKENDS)
def world(request, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """serve + ingest + fanout on the briefing world (aged as of now), a leader, a town duty officer
    and a department liaison's token."""
    tmp = tmp_path_factory.mktemp(f"briefing-{request.param}")
    engine = fresh_engine(request.param, "brief_e2e", tmp)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    leader, duty = f"leader-{uuid.uuid4().hex[:6]}", f"duty-{uuid.uuid4().hex[:6]}"
    with session_factory(engine).begin() as s:
        ids = briefing_world.build(s, utcnow())
        create_user(s, leader, PASSWORD, "leader", "putian")
        create_user(s, duty, PASSWORD, "duty", "licheng-zhenhai")
        liaison = issue_token(s, "liaison-citymgmt", "liaison", "putian", department_code="citymgmt")
    env = stack_env(engine.url.render_as_string(hide_password=False), REDIS_URL, tmp, free_port())
    with running(env) as base, chromium() as browser:
        yield SimpleNamespace(base=base, engine=engine, ids=ids, leader=leader, duty=duty, liaison=liaison,
                              browser=browser, names={v: k for k, v in ids.items() if k != "alert"})
    client.flushdb()
    client.close()
    engine.dispose()


def _page(world, username: str):
    context = world.browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    log_in(page, world.base, username, PASSWORD)
    page.console_errors = watch_console(page)
    return page


@pytest.fixture
def leader(world):
    """The city leader's briefing page; the test fails on any console error."""
    page = _page(world, world.leader)
    page.goto(f"{world.base}/briefing")
    page.locator(CARDS).first.wait_for(timeout=60_000)
    yield page
    errors = list(page.console_errors)
    page.context.close()
    assert not errors, f"browser console errors: {errors}"


def _order(world, page) -> list[str]:
    return [world.names[c.get_attribute("data-id")] for c in page.locator(CARDS).all()]


def _card(world, page, name: str):
    return page.locator(f'{CARDS}[data-id="{world.ids[name]}"]')


def test_newest_most_escalated_first_with_full_places_and_deadlines(world, leader):
    assert _order(world, leader) == briefing_world.DEFAULT_ORDER
    place = _card(world, leader, "C").locator(".card-place").inner_text()
    assert place == "城厢区 › 龙桥街道 › 兴安社区 › 兴安社区第03网格"
    meta = _card(world, leader, "A").locator(".card-meta").inner_text()
    assert "环节时限" in meta and "已超时 2小时" in meta
    # The status mark connects (it read 连接中 forever before the page subscribed to its unit).
    leader.locator("#shell-status.status-connected").wait_for(timeout=30_000)


def test_district_filter_narrows_the_list_and_the_print(world, leader):
    leader.click("#briefing-filter-district")
    leader.get_by_role("option", name="荔城区").click()
    leader.wait_for_function(
        f"document.querySelectorAll('{CARDS}').length === 3", timeout=30_000)
    assert _order(world, leader) == ["D", "B", "A"]
    href = leader.locator("#briefing-print").get_attribute("href")
    assert "district=licheng" in href
    pdf = leader.context.request.get(f"{world.base}{href}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def test_instruction_comes_back_read_and_acted_on(world, leader):
    text = f"请今日内处置并回报 {uuid.uuid4().hex[:4]}"
    _card(world, leader, "A").locator(".instruct-button").click()
    leader.locator(".briefing-dialog textarea").fill(text)
    leader.locator(".briefing-dialog .touch-button.primary").click()
    note = _card(world, leader, "A").locator(".note", has_text=text)
    note.wait_for(timeout=30_000)
    assert "送达 镇海街道值班台" in note.inner_text()
    assert note.get_attribute("data-read") == "0" and "未阅" in note.inner_text()
    # The town's duty officer opens the briefing: the instruction went to their desk, so it is read.
    desk = _page(world, world.duty)
    desk.goto(f"{world.base}/briefing")
    desk.locator(f'{CARDS}[data-id="{world.ids["A"]}"] .note', has_text=text).wait_for(timeout=60_000)
    desk.context.close()
    # The department reports the incident handled: API → stream → persister, which feeds the receipt back.
    answer = requests.post(f"{world.base}/api/v1/incidents/inc-A/transitions", timeout=30,
                           json={"action": "resolve", "note": "已整改"},
                           headers={"Authorization": f"Bearer {world.liaison}"})
    assert answer.status_code == 202, answer.text
    for _ in range(30):
        leader.reload()
        note = _card(world, leader, "A").locator(".note", has_text=text)
        note.wait_for(timeout=60_000)
        if note.get_attribute("data-acted") == "1":
            break
        leader.wait_for_timeout(1000)
    assert note.get_attribute("data-read") == "1" and note.get_attribute("data-acted") == "1"
    assert "已阅" in note.inner_text() and "已处置（处置）" in note.inner_text()
    out = os.environ.get("BRIEFING_SCREENS")
    if out:
        _shoot(leader, Path(out))


def _shoot(page, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    page.locator("#shell-status.status-connected").wait_for(timeout=30_000)
    page.screenshot(path=str(out / "briefing-zh.png"))
    page.click("#shell-lang-switch")
    page.locator(".briefing-title", has_text="Leaders' briefing").wait_for(timeout=30_000)
    page.locator("#briefing-print", has_text="Print").wait_for(timeout=30_000)
    page.locator("#shell-status", has_text="Connected").wait_for(timeout=30_000)
    page.screenshot(path=str(out / "briefing-en.png"))
    page.click("#shell-lang-switch")  # the language is remembered per browser: leave it Chinese
    page.locator(".briefing-title", has_text="领导批阅").wait_for(timeout=30_000)


