"""One language per screen: every page in Chinese and in English, read as a person sees it.

Each page is opened in Chromium on the seeded world and its visible text (DOM text, placeholders,
the map's drawn labels) is checked by tests/e2e/language.py for words of the other language. The
English walk takes its language from the switch on /city and then from the remembered setting (the
wall banner once mixed languages exactly there); the log-in and audit pages take ?lang=, and a last
view is opened with ?lang= of the other language.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bench.browser import log_in
from dashboard.auth.accounts import create_user
from dashboard.queries.units import ancestors
from tests.e2e.conftest import PASSWORD
from tests.e2e.language import VISIBLE_TEXT_JS, Allowed, foreign

pytestmark = pytest.mark.e2e
GRID = "licheng-zhenhai-changshou-g01"
SHOTS = os.environ.get("DASHBOARD_LANG_SHOTS")  # a folder: keep a screenshot of every page walked


@pytest.fixture(scope="module")
def admin(stack) -> str:
    """An administrator of the city (the audit log is theirs; every other page is open to them)."""
    name = f"e2e-admin-{uuid.uuid4().hex[:8]}"
    with Session(stack.engine) as s, s.begin():
        create_user(s, name, PASSWORD, "admin", "putian")
    return name


@pytest.fixture(scope="module")
def allowed(stack, admin) -> Allowed:
    """Codes and Chinese-only names of the seeded world."""
    return Allowed.from_data(stack.engine)


def _units(stack) -> list[tuple[str, str]]:
    with Session(stack.engine) as s:
        chain = ancestors(s, GRID)  # city → district → town → village → grid
    return [(f"/unit/{u.code}", u.level) for u in chain[1:]]


def wait_for_view(page, level: str) -> None:
    """The view's words are in: its level, the figures' numbers and the map's figure (not its tiles)."""
    page.wait_for_selector(f'.view[data-level="{level}"]', timeout=90_000)
    page.wait_for_function("() => { const v = document.querySelector('[data-kpi=\"collected\"] .kpi-value');"
                           " const g = document.querySelector('#unit-map .js-plotly-plot');"
                           " return v && v.textContent !== '—' && v.textContent !== ''"
                           " && g && g.data && g.data.length > 0; }", timeout=90_000)


def _wall_ready(page) -> None:
    page.wait_for_selector(".wall-body .view", timeout=60_000)
    page.wait_for_function("() => { const g = document.querySelector('#unit-map .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }", timeout=60_000)
    # The seeded critical alerts in the banner, and the live mark (polled: a loaded wall's main thread
    # is busy drawing, and a selector wait once timed out on a banner already shown).
    page.wait_for_function("() => { const b = document.getElementById('wall-banner');"
                           " return b && !b.hidden && b.textContent.length > 0; }",
                           timeout=120_000, polling=500)
    page.wait_for_function("() => document.getElementById('wall-conn').getAttribute('data-state')"
                           " === 'connected'", timeout=120_000, polling=500)


def _read(page, lang: str, where: str, allowed: Allowed, problems: list, minimum: int = 10) -> None:
    page.wait_for_timeout(1500)  # late labels: live status, banner, data age
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{lang}-{where.strip('/').replace('/', '-') or 'root'}.png"))
    texts = page.evaluate(VISIBLE_TEXT_JS)
    assert len(texts) >= minimum, f"{where}: the page shows almost nothing ({texts})"
    problems += [(where, *found) for found in foreign(texts, lang, allowed)]


@pytest.mark.timeout(1800)  # twelve pages in a row on a loaded machine, after the world is seeded
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_one_language(browser, stack, admin, allowed, lang):
    problems: list[tuple] = []
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        page = context.new_page()
        suffix = "?lang=en" if lang == "en" else ""
        page.goto(stack.url(f"/login{suffix}"))
        page.wait_for_selector("#username")
        _read(page, lang, "/login", allowed, problems, minimum=3)
        log_in(page, stack.base, admin, PASSWORD)
        # No choice remembered yet. Cleared on a page without the shell: the screen the log-in opens
        # is still loading, and its language store would write the log-in's "en" back after it.
        page.goto(stack.url("/healthz"))
        page.evaluate("() => window.localStorage.removeItem('shell-lang')")
        page.goto(stack.url("/city"))
        wait_for_view(page, "city")
        if lang == "en":  # the switch, as a person would; every later page remembers it
            page.click("#shell-lang-switch")
            page.wait_for_selector('[data-kpi="collected"] .kpi-label:text-is("Collected")')
            wait_for_view(page, "city")
        _read(page, lang, "/city", allowed, problems)
        for path, level in _units(stack):
            page.goto(stack.url(path))
            wait_for_view(page, level)
            _read(page, lang, path, allowed, problems)
        page.goto(stack.url("/wall/city"))
        _wall_ready(page)
        _read(page, lang, "/wall/city", allowed, problems)
        page.goto(stack.url("/duty"))
        page.wait_for_selector("#duty-queue .ag-row", timeout=60_000)
        _read(page, lang, "/duty", allowed, problems)
        page.goto(stack.url("/briefing"))
        page.locator(".briefing-card").first.wait_for(timeout=120_000)
        _read(page, lang, "/briefing", allowed, problems)
        page.goto(stack.url(f"/audit{suffix}"))
        page.wait_for_selector("#chain")
        _read(page, lang, "/audit", allowed, problems)
        page.goto(stack.url("/city?from=2018-13-01"))  # a refused period speaks the page's language too
        page.wait_for_selector(".view-message", timeout=60_000)
        _read(page, lang, "/city?from=2018-13-01", allowed, problems, minimum=3)
        other = "zh" if lang == "en" else "en"  # ?lang= wins over the remembered language
        page.goto(stack.url(f"/unit/licheng?lang={other}"))
        page.wait_for_selector('[data-kpi="collected"] .kpi-label:text-is("%s")'
                               % ("Collected" if other == "en" else "采集事件"), timeout=60_000)
        wait_for_view(page, "district")
        _read(page, other, f"/unit/licheng?lang={other}", allowed, problems)
    finally:
        context.close()
    report = "\n".join(f"{where} {at}: {words} in {text!r}" for where, at, text, words in problems)
    assert not problems, f"words of the other language on {lang} pages:\n{report}"
