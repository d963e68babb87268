"""Authorization matrix against the real server on SQLite and PostgreSQL, generated from the role
policy table (dashboard.core.policy): every role at the city asked for every guarded page, API operation,
Dash callback and socket step (tests/integration/authz_surfaces), each expected to let it through
exactly when `policy.may` says so; every role bound at every level, asked for every unit of two
branches through a page, a wall page, a Dash callback, an API read and a Socket.IO room; plus the
cases named in the design (another town's alert by id, a wall token on the duty desk and the API,
no session, a cross-origin socket, a cross-site POST).

What a role may do comes from the table; where it may do it comes from the design's rule for
jurisdiction (tests/integration/auth_world.covers), not from the code.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import socketio

from dashboard.auth.accounts import AccountError, create_user
from dashboard.core.db import session_factory
from dashboard.core.lifecycle import STEP_CAPABILITIES
from dashboard.core.models import CENTER_LEVELS, ROLES, Alert
from dashboard.core.policy import CAPABILITIES, may
from dashboard.core.principal import revoke_token
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow
from tests.conftest import BACKENDS, DB_PREFIX, REDIS_URL, fresh_engine, make_settings
from tests.integration.auth_world import (
    LEVELS,
    PASSWORD,
    Browser,
    add_account,
    add_token,
    build,
    covers,
    serving,
    view_allowed,
    wall_of,
)
from tests.integration.authz_surfaces import SURFACES, Caller
from tests.integration.realtime_support import CHENGXIANG_GRID, LICHENG_GRID

SESSION_ROLES = tuple(role for role in ROLES if may(role, "login"))
TOKEN_ROLES = tuple(role for role in ROLES if not may(role, "login"))
# A desk officer sits at a city, district, town or village center: there is no grid duty desk.
PRINCIPALS = [(role, level) for role in SESSION_ROLES + TOKEN_ROLES for level in LEVELS
              if level in CENTER_LEVELS or not may(role, "desk.officer")]
# Capabilities no surface below asks for alone, and the test that checks each against the table.
ELSEWHERE = {
    "login": "test_only_roles_that_log_in_hold_accounts",
    "desk.officer": "test_only_roles_that_log_in_hold_accounts",
    "department.member": "test_only_roles_that_log_in_hold_accounts",
    "wall.screen": "test_matrix (wall pages), test_wall_token_opens_its_wall_and_nothing_else",
    **{c: "tests/unit/test_policy.py::test_the_loop_takes_steps_as_the_table_says"
       for c in (*STEP_CAPABILITIES.values(), "incidents.department", "incidents.relay")
       if not any(c in s.needs for s in SURFACES)},
}
TARGETS = LICHENG_GRID + CHENGXIANG_GRID[1:]
EVIL = "http://evil.example"


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    """Accounts and tokens at each level of the Licheng chain, served on a free port."""
    tmp: Path = tmp_path_factory.mktemp(f"authz-{request.param}")
    engine = fresh_engine(request.param, f"{DB_PREFIX}_authz", tmp)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    Session = session_factory(engine)  # noqa: N806 - a session factory
    alerts = build(Session)
    creds = {}
    for role, level in PRINCIPALS:
        unit, name = LICHENG_GRID[LEVELS.index(level)], f"{role}-{level}"
        if role in SESSION_ROLES:
            add_account(Session, name, role, unit, "citymgmt" if may(role, "department.member") else None)
            creds[(role, level)] = (name, unit)
        else:
            creds[(role, level)] = (add_token(Session, name, role, unit), unit)
    services = Services(settings=make_settings(engine, tmp), engine=engine, Session=Session, redis=client)
    with serving(services) as (base, _app):
        admin = Browser(base)
        assert admin.login("admin-city").status_code == 303
        deps = admin.get("/_dash-dependencies").json()  # the callback specs a browser is served
        yield SimpleNamespace(base=base, creds=creds, alerts=alerts, Session=Session, deps=deps)
    client.flushdb()
    client.close()
    engine.dispose()


def _connect(browser: Browser, auth: dict | None) -> socketio.Client | None:
    try:
        return browser.socket(auth=auth)
    except socketio.exceptions.ConnectionError:
        return None


def _as(site, role: str, level: str) -> tuple[Browser, str, str]:
    """A browser holding this principal's credentials the way it really would; (browser, secret, unit)."""
    secret, unit = site.creds[(role, level)]
    bearer = role in TOKEN_ROLES and not may(role, "wall.screen")
    browser = Browser(site.base, bearer=secret if bearer else None)
    if role in SESSION_ROLES:
        assert browser.login(secret).status_code == 303
    elif may(role, "wall.screen"):
        opened = browser.get(f"{wall_of(unit)}?token={secret}")  # swapped for a session
        assert opened.status_code == 303 and opened.headers["Location"] == wall_of(unit)
    return browser, secret, unit


@pytest.mark.parametrize(("role", "level"), PRINCIPALS, ids=[f"{r}@{lv}" for r, lv in PRINCIPALS])
def test_matrix(site, role, level):
    browser, secret, unit = _as(site, role, level)
    wrong = []

    def check(surface: str, target: str, expected: bool, actual: bool) -> None:
        if expected != actual:
            wrong.append(f"{surface} {target}: expected {'allowed' if expected else 'refused'}")

    for target in TARGETS:
        inside = covers(unit, target)
        page = "/city" if target == "putian" else f"/unit/{target}"
        check("page", target, may(role, "views") and inside, browser.get(page).status_code == 200)
        wall = wall_of(target)
        if may(role, "wall.screen"):
            answer = browser.get(f"{wall}?token={secret}")  # swapped for a session, then the bare URL
            opened = answer.status_code == 303 and answer.headers["Location"] == wall \
                and browser.get(wall).status_code == 200
            check("wall page", target, target == unit, opened)
        else:
            check("wall page", target, may(role, "views") and inside, browser.get(wall).status_code == 200)
        check("callback", target, may(role, "screens") and inside,
              view_allowed(browser.render_view(target), target))
        check("api", target, may(role, "api") and inside,
              browser.get(f"/api/v1/units/{target}").status_code == 200)
    check("duty desk", "/duty", may(role, "desk"), browser.get("/duty").status_code == 200)
    sock = _connect(browser, {"token": secret} if role in TOKEN_ROLES else None)
    check("socket connect", "-", may(role, "screens"), sock is not None)
    if sock is not None:
        for target in TARGETS:
            answer = sock.call("subscribe", {"unit": target}, timeout=10)
            check("socket room", target, covers(unit, target), answer["ok"] is True)
        sock.disconnect()
    assert not wrong, f"{role}@{level} ({unit}): " + "; ".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_every_surface_the_table_gives_it_and_no_other(site, role):
    browser, secret, unit = _as(site, role, "city")
    caller = Caller(browser, {"token": secret} if role in TOKEN_ROLES else None, unit,
                    site.alerts[LICHENG_GRID[-1]], site.deps)
    wrong = [f"{s.name}: expected {'allowed' if s.expected(role) else 'refused'}"
             for s in SURFACES if s.call(caller) is not s.expected(role)]
    assert not wrong, f"{role}: " + "; ".join(wrong)


def test_every_capability_is_asked_for_by_a_surface_or_checked_elsewhere():
    asked = {c for s in SURFACES for c in s.needs}
    assert set(CAPABILITIES) - asked == set(ELSEWHERE)
    # Each surface lets some role through and refuses another: both answers are read off it.
    assert [s.name for s in SURFACES if len({s.expected(r) for r in ROLES}) < 2] == []


def test_only_roles_that_log_in_hold_accounts(site):
    for role in ROLES:
        department = "citymgmt" if may(role, "department.member") else None
        try:
            with site.Session.begin() as s:
                create_user(s, f"acct-{role}", PASSWORD, role, "putian", department, actor="test")
            refused = None
        except AccountError as exc:
            refused = exc.field
        assert refused == (None if may(role, "login") else "role"), role
        if not may(role, "login"):
            continue
        if may(role, "desk.officer"):  # sits at a center, never at a grid
            with pytest.raises(AccountError) as err, site.Session.begin() as s:
                create_user(s, f"grid-{role}", PASSWORD, role, LICHENG_GRID[-1], department, actor="test")
            assert err.value.field == "unit"
        if may(role, "department.member"):  # belongs to a department
            with pytest.raises(AccountError) as err, site.Session.begin() as s:
                create_user(s, f"nodept-{role}", PASSWORD, role, "putian", None, actor="test")
            assert err.value.field == "department"


def test_town_officer_cannot_reach_another_towns_alert_by_id(site):
    browser, _, _ = _as(site, "duty", "town")
    mine, theirs = site.alerts[LICHENG_GRID[-1]], site.alerts[CHENGXIANG_GRID[-1]]
    listed = browser.get("/api/v1/alerts").json()["alerts"]
    assert [a["id"] for a in listed] == [mine]
    refused = browser.post(f"/api/v1/alerts/{theirs}/ack", json={"note": "not mine"})
    assert refused.status_code == 404 and refused.json()["field"] == "id"
    assert browser.post(f"/api/v1/alerts/{mine}/ack", json={"note": "收到"}).status_code == 202
    with site.Session() as s:
        assert (s.get(Alert, theirs).state, s.get(Alert, mine).state) == ("open", "acked")


def test_wall_token_opens_its_wall_and_nothing_else(site):
    token, unit = site.creds[("wall", "district")]
    wall = Browser(site.base)
    opened = wall.get(f"/wall/unit/{unit}?token={token}&tour=30")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/wall/unit/{unit}?tour=30"
    assert wall.get(f"/wall/unit/{unit}?tour=30").status_code == 200
    assert wall.get("/duty").status_code == 403
    assert wall.get(f"/duty?token={token}").status_code == 403
    assert wall.get(f"/unit/{unit}?token={token}").status_code == 403
    assert wall.get("/api/v1/alerts").status_code == 403
    bearer = Browser(site.base, bearer=token)
    assert bearer.get("/api/v1/alerts").status_code == 403
    assert bearer.get(f"/api/v1/units/{unit}").status_code == 403
    assert view_allowed(wall.render_view(unit), unit)
    with site.Session.begin() as s:
        revoke_token(s, "wall-district", utcnow())
    assert wall.render_view(unit).status_code == 401
    assert wall.get(f"/wall/unit/{unit}?token={token}").status_code == 401
    assert _connect(Browser(site.base), {"token": token}) is None


def test_nothing_without_a_session(site):
    anon = Browser(site.base)
    page = anon.get("/unit/licheng?period=7d")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=/unit/licheng")
    assert anon.get("/duty").status_code == 302
    assert anon.get("/_dash-layout").status_code == 401
    assert anon.get("/_dash-dependencies").status_code == 401
    assert anon.render_view("putian").status_code == 401
    assert anon.get("/api/v1/units/putian").status_code == 401
    assert anon.get("/api/v1/audit").status_code == 401
    assert _connect(anon, None) is None
    assert anon.get("/login").status_code == 200 and anon.get("/healthz").status_code in (200, 503)


def test_cross_origin_socket_is_refused(site):
    browser, _, _ = _as(site, "viewer", "city")
    with pytest.raises(socketio.exceptions.ConnectionError):
        browser.socket(origin=EVIL)
    same = browser.socket()
    assert same.call("subscribe", {"unit": "putian"}, timeout=10)["ok"] is True
    same.disconnect()


def test_cross_site_posts_are_refused(site):
    add_account(site.Session, "xsite-duty", "duty", "putian")
    browser = Browser(site.base)
    assert browser.login("xsite-duty").status_code == 303
    alert = site.alerts[CHENGXIANG_GRID[-1]]
    assert browser.render_view("putian", origin=EVIL).status_code == 403
    forged = browser.post(f"/api/v1/alerts/{alert}/ack", origin=EVIL, json={"note": "forged"})
    assert forged.status_code == 403 and forged.json()["field"] == "Origin"
    bare = browser.http.post(f"{site.base}/api/v1/alerts/{alert}/escalate", json={}, allow_redirects=False)
    assert bare.status_code == 403  # neither Origin nor Referer: not provably from this site
    with site.Session() as s:
        assert s.get(Alert, alert).state == "open"
    # The log-out form needs its CSRF token; without it the session survives.
    assert browser.post("/logout", data={}).status_code == 400
    assert browser.get("/city").status_code == 200
    # A bearer token is no ambient credential: the same POST from anywhere is judged on the token.
    bearer = Browser(site.base, bearer=add_token(site.Session, "xsite-desk", "duty", "putian"))
    assert bearer.post(f"/api/v1/alerts/{alert}/escalate", origin=EVIL, json={}).status_code == 202
