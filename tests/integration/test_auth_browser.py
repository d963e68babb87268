"""The log-in as a person meets it, in headless Chromium on the real server (SQLite and PostgreSQL):
the form, the view with its live socket on the session cookie, the way back to the form when the
session ends under an open page, and a wall opened by its token."""

from __future__ import annotations

import pytest

from dashboard.auth.accounts import set_password
from dashboard.core.principal import revoke_token
from dashboard.core.timeutil import utcnow
from tests.integration import ui_world
from tests.integration.auth_world import add_account, add_token, serving

TOWN = "licheng-zhenhai"


@pytest.fixture
def site(engine, Session, services_for):  # noqa: N803 - a session factory
    """The tiny named world with a town duty officer, served on a free port; yields the base URL."""
    with Session.begin() as s:
        ui_world.build(s)
    add_account(Session, "zhenhai", "duty", TOWN)
    with serving(services_for(engine)) as (base, _app):
        yield base


@pytest.fixture
def page():
    """A fresh 1280×800 page of Debian's Chromium."""
    from bench.browser import chromium

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        yield context.new_page()
        context.close()


def _log_in(page, password: str) -> None:
    page.fill("#username", "zhenhai")
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_form_view_live_socket_and_back_to_the_form_when_the_session_ends(site, page, Session):  # noqa: N803
    page.goto(f"{site}/unit/{TOWN}?period=7d")
    assert "/login?next=" in page.url and page.locator("label[for=username]").inner_text() == "用户名"
    _log_in(page, "correct horse 1")
    page.wait_for_url(f"{site}/unit/{TOWN}?period=7d", timeout=60_000)
    page.wait_for_selector("#shell-status.status-connected", timeout=60_000)  # socket on the cookie
    # The view drawn (on software WebGL the map's first draw can hold the page's main thread for
    # many seconds on a loaded machine).
    page.wait_for_selector("#unit-map:not(.map-drawing) canvas.maplibregl-canvas", state="visible",
                           timeout=60_000)
    with Session.begin() as s:
        set_password(s, "zhenhai", "a fresh password", actor="admin")
    # The next server callback is answered 401: the language switch, unless a live refresh of the
    # view's figures asked first (then the page is already on its way to the form).
    if "/login" not in page.url:
        try:
            page.click("#shell-lang-switch", timeout=10_000)
        except Exception:  # noqa: BLE001 - Playwright's error: the page left for the form meanwhile
            assert "/login" in page.url
    page.wait_for_url(lambda url: "/login?next=" in url, timeout=60_000)
    _log_in(page, "a fresh password")
    page.wait_for_url(f"{site}/unit/{TOWN}?period=7d", timeout=60_000)


def test_wall_opens_with_its_token_and_stops_when_revoked(site, page, Session):  # noqa: N803
    token = add_token(Session, "wall-zhenhai", "wall", TOWN)
    page.goto(f"{site}/wall/unit/{TOWN}?token={token}")
    assert page.url == f"{site}/wall/unit/{TOWN}"  # the token was swapped for a wall session
    page.goto(f"{site}/duty")
    assert "无权访问" in page.locator("#auth-message").inner_text()
    with Session.begin() as s:
        revoke_token(s, "wall-zhenhai", utcnow())
    page.goto(f"{site}/wall/unit/{TOWN}")
    assert "/login" in page.url  # the wall session ended with its token
    page.goto(f"{site}/wall/unit/{TOWN}?token={token}")
    assert "已吊销" in page.locator("#auth-message").inner_text()
