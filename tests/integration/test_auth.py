"""Log-in, log-out, languages, rate limits, session expiry and the audit trail of each, on SQLite and
PostgreSQL with the real Redis (the rate limits live there)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import select

from callbacks import view
from dashboard.app import create_app
from dashboard.auth.accounts import AccountError, create_user
from dashboard.auth.login import SessionUser, scope_unit, start_session
from dashboard.core.models import AuditEntry, User
from dashboard.core.principal import Principal
from layouts import ids
from tests.integration.auth_world import CSRF, PASSWORD, add_account, add_token, build, view_body

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture
def site(engine, Session, services_for):  # noqa: N803 - a session factory
    """The real app on the two-branch world, with a town duty officer and a city administrator."""
    build(Session)
    add_account(Session, "zhenhai", "duty", "licheng-zhenhai")
    add_account(Session, "boss", "admin", "putian")
    services = services_for(engine)
    return SimpleNamespace(app=create_app(services.settings, services), Session=Session)


def login(client, username: str, password: str = PASSWORD, next_: str = ""):
    """Submit the log-in form as a browser would."""
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_}, headers=ORIGIN)


def actions(Session, *names: str) -> list[tuple[str, str, str]]:  # noqa: N803
    """(action, actor, target) of the audit entries with these actions, in order."""
    with Session() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action.in_(names)).order_by(AuditEntry.id))
        return [(e.action, e.actor, e.target) for e in rows.scalars()]


def test_login_page_is_chinese_by_default_with_an_english_switch(site):
    client = site.app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "用户名" in page and 'href="/assets/40_theme.css"' in page
    english = client.get("/login?lang=en")
    assert "Username" in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert "Password" in client.get("/login").get_data(as_text=True)  # remembered by the cookie
    wrong = login(client, "zhenhai", "not the password")
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.get_data(as_text=True)


def test_login_goes_where_the_user_was_going_and_logout_ends_it(site):
    client = site.app.test_client()
    asked = client.get("/unit/licheng-zhenhai?period=7d")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/login?next=/unit/licheng-zhenhai%3Fperiod%3D7d"
    done = login(client, "zhenhai", next_="/unit/licheng-zhenhai?period=7d")
    assert done.status_code == 303 and done.headers["Location"] == "/unit/licheng-zhenhai?period=7d"
    assert client.get("/unit/licheng-zhenhai").status_code == 200
    assert client.get("/").headers["Location"] == "/unit/licheng-zhenhai"  # home is the officer's town
    assert login(site.app.test_client(), "zhenhai", next_="//evil.example/x").headers["Location"] == \
        "/unit/licheng-zhenhai"
    token = CSRF.search(client.get("/logout").get_data(as_text=True)).group(1)
    bye = client.post("/logout", data={"csrf_token": token}, headers=ORIGIN)
    assert bye.status_code == 303
    assert "已安全退出" in client.get(bye.headers["Location"]).get_data(as_text=True)
    assert client.get("/unit/licheng-zhenhai").status_code == 302


def test_every_login_and_logout_is_audited(site):
    client = site.app.test_client()
    assert login(client, "zhenhai", "wrong password").status_code == 401
    assert login(client, "nobody", "wrong password").status_code == 401
    assert login(client, "zhenhai").status_code == 303
    token = CSRF.search(client.get("/logout").get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": token}, headers=ORIGIN)
    assert actions(site.Session, "login.failure", "login.success", "logout") == [
        ("login.failure", "zhenhai", "zhenhai"), ("login.failure", "nobody", "nobody"),
        ("login.success", "zhenhai", "zhenhai"), ("logout", "zhenhai", "zhenhai")]
    with site.Session() as s:
        failures = s.scalars(select(AuditEntry).where(AuditEntry.action == "login.failure")).all()
    assert [f.detail["reason"] for f in failures] == ["password", "unknown"]
    assert {f.source_ip for f in failures} == {"127.0.0.1"}
    assert all("wrong password" not in str(f.detail) for f in failures)


def test_passwords_are_stored_as_argon2_hashes(site):
    with site.Session() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "zhenhai"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with site.Session.begin() as s:
        create_user(s, "twin", PASSWORD, "viewer", "putian")
    with site.Session() as s:
        twin = s.scalar(select(User.password_hash).where(User.username == "twin"))
    assert twin != stored  # salted


def test_bad_accounts_are_refused_naming_the_field(site):
    cases = [({"username": "a b"}, "username"), ({"password": "short"}, "password"),
             ({"role": "wall"}, "role"), ({"unit": "atlantis"}, "unit"),
             ({"role": "duty", "unit": "licheng-zhenhai-changshou-g01"}, "unit"),
             ({"role": "liaison"}, "department"), ({"username": "zhenhai"}, "username")]
    for change, field in cases:
        args = {"username": "new-one", "password": PASSWORD, "role": "viewer", "unit": "putian", **change}
        with site.Session.begin() as s, pytest.raises(AccountError) as refused:
            create_user(s, args["username"], args["password"], args["role"], args["unit"])
        assert refused.value.field == field, change


def test_failed_logins_slow_down_the_pair_but_lock_nobody_out(site):
    client = site.app.test_client()
    for _ in range(3):
        assert login(client, "zhenhai", "guess guess").status_code == 401
    held = login(client, "zhenhai")  # even the right password waits its second now
    assert held.status_code == 429 and "登录失败次数过多" in held.get_data(as_text=True)
    assert login(client, "boss").status_code == 303  # another account from the same address is fine


def test_sessions_expire_after_their_lifetime_or_when_idle(site):
    client = site.app.test_client()
    login(client, "zhenhai")
    assert client.get("/unit/licheng-zhenhai").status_code == 200
    with client.session_transaction() as sess:
        sess["auth_at"] -= 13 * 3600  # logged in 13 hours ago, active a moment ago
    expired = client.get("/unit/licheng-zhenhai")
    assert expired.status_code == 302
    assert "会话已过期" in client.get(expired.headers["Location"]).get_data(as_text=True)
    login(client, "zhenhai")
    with client.session_transaction() as sess:
        sess["seen_at"] -= 3 * 3600  # nothing asked for three hours
    assert client.post("/_dash-update-component", json={}, headers=ORIGIN).status_code == 401
    wall = site.app.test_client()
    token = add_token(site.Session, "wall-licheng", "wall", "licheng")
    opened = wall.get(f"/wall/unit/licheng?token={token}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/wall/unit/licheng"
    assert wall.get("/wall/unit/licheng").status_code == 200
    with wall.session_transaction() as sess:
        sess["auth_at"] -= 30 * 24 * 3600  # a wall runs for weeks; its token is checked on each request
    assert wall.get("/wall/unit/licheng").status_code == 200


def test_password_change_and_disabling_end_open_sessions(site):
    from dashboard.auth.accounts import set_active, set_password

    client = site.app.test_client()
    login(client, "zhenhai")
    with site.Session.begin() as s:
        set_password(s, "zhenhai", "a new password", actor="boss")
    assert client.get("/unit/licheng-zhenhai").status_code == 302
    assert login(client, "zhenhai", "a new password").status_code == 303
    with site.Session.begin() as s:
        set_active(s, "zhenhai", False, actor="boss")
    assert client.get("/unit/licheng-zhenhai").status_code == 302
    refused = login(client, "zhenhai", "a new password")
    assert refused.status_code == 401 and "已停用" in refused.get_data(as_text=True)
    assert actions(site.Session, "account.create", "account.password", "account.disable")[-2:] == [
        ("account.password", "boss", "zhenhai"), ("account.disable", "boss", "zhenhai")]


def test_a_late_answer_of_the_ended_session_leaves_the_log_in_form_working(site):
    # The password changes under an open page: a callback is refused and the page goes to the
    # form, while the page's other requests (a map document, a callback) are still on their way.
    # Their 401 arrives after the form, and must not put the old session's cookie back over the
    # form's (its CSRF token then failed, 400: tests/integration/test_auth_browser.py, seen in CI).
    from dashboard.auth.accounts import set_password

    client = site.app.test_client()
    login(client, "zhenhai")
    old_cookie = client.get_cookie("dashboard_session").value
    with site.Session.begin() as s:
        set_password(s, "zhenhai", "a new password", actor="boss")
    token = CSRF.search(client.get("/login?next=/unit/licheng-zhenhai").get_data(as_text=True)).group(1)
    late = (("get", "/_dash-prefetch/map/licheng-zhenhai-changshou", {}),
            ("get", "/api/v1/units/licheng-zhenhai", {}),
            ("post", "/_dash-update-component", {"json": {}, "headers": ORIGIN}))
    for method, path, kw in late:  # sent with the old cookie, answered after the form came
        stale = site.app.test_client()
        stale.set_cookie("dashboard_session", old_cookie, domain="localhost")
        refused = getattr(stale, method)(path, **kw)
        assert refused.status_code == 401, path
        for header in refused.headers.getlist("Set-Cookie"):  # the browser keeps what an answer sets
            name, _, rest = header.partition("=")
            client.set_cookie(name, rest.split(";")[0], domain="localhost")
    sent = client.post("/login", data={"username": "zhenhai", "password": "a new password",
                                       "csrf_token": token, "next": "/unit/licheng-zhenhai"}, headers=ORIGIN)
    assert sent.status_code == 303 and sent.headers["Location"] == "/unit/licheng-zhenhai"


def test_scope_unit_lets_callbacks_refuse_units_outside_the_jurisdiction(site):
    town = Principal(name="zhenhai", role="duty", unit_code="licheng-zhenhai", unit_level="town",
                     via="session")
    with site.app.test_request_context("/_dash-update-component"):
        with pytest.raises(PreventUpdate):
            scope_unit("licheng-zhenhai")  # nobody logged in
        start_session(SessionUser("u:0:x", town))
        assert scope_unit("licheng-zhenhai-changshou-g01") == "licheng-zhenhai-changshou-g01"
        for outside in ("licheng", "chengxiang-longqiao", "atlantis", None):
            with pytest.raises(PreventUpdate):
                scope_unit(outside)


def test_a_dash_callback_without_a_session_gets_no_data(site):
    boss = site.app.test_client()
    login(boss, "boss")
    shown = boss.post("/_dash-update-component", json=view_body("putian"), headers=ORIGIN)
    assert shown.get_json()["response"][ids.LIVE_SUB]["data"]["unit"] == "putian"  # logged in: the city
    answer = site.app.test_client().post("/_dash-update-component", json=view_body("putian"), headers=ORIGIN)
    assert answer.status_code == 401
    assert answer.get_json() == {"error": "log-in required", "field": "session"}  # and no "response"
    # Past the gate (were a route to skip it), the view itself refuses a caller nobody logged in.
    with site.app.test_request_context("/_dash-update-component", method="POST"):
        body, sub = view.render_view({"code": "putian", "kind": "unit", "query": {}}, "zh")
    assert sub is None and body.children == "该单位不在您的管辖范围内"


def test_audit_is_exported_by_unit_and_period_for_administrators_only(site):
    admin, officer = site.app.test_client(), site.app.test_client()
    login(admin, "boss")
    login(officer, "zhenhai")
    assert officer.get("/api/v1/audit").status_code == 403
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    csv = admin.get(f"/api/v1/audit?format=csv&from={today}&to={today}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert f'filename="audit-putian-{today}-{today}.csv"' in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == ("\ufeffid,at (Asia/Shanghai),actor,action,target,unit_code,detail,source_ip,"
                        "prev_hash,hash")
    assert any(",boss,login.success,boss,putian," in line for line in lines)
    town = admin.get(f"/api/v1/audit?unit=licheng-zhenhai&from={today}&to={today}").get_json()
    assert {(e["action"], e["target"]) for e in town["entries"]} == {
        ("account.create", "zhenhai"), ("login.success", "zhenhai")}
    assert town["total"] == 2
    assert admin.get("/api/v1/audit?from=2018-01-01&to=2018-01-31").get_json()["entries"] == []
    bad = admin.get("/api/v1/audit?format=xml")
    assert bad.status_code == 400 and bad.get_json()["field"] == "format"
    assert admin.get("/api/v1/audit?from=2026-13-01").get_json()["field"] == "from"
    assert admin.get("/api/v1/audit/verify").get_json()["intact"] is True


def test_audit_page_shows_entries_and_a_broken_chain(site):
    from sqlalchemy import text

    admin, officer = site.app.test_client(), site.app.test_client()
    login(admin, "boss")
    login(officer, "zhenhai")
    refused = officer.get("/audit")
    assert refused.status_code == 403 and "仅管理员" in refused.get_data(as_text=True)
    page = admin.get("/audit").get_data(as_text=True)
    # The action in the page's language.
    assert "审计日志" in page and "哈希链完整" in page and "登录成功" in page
    assert "format=csv" in page
    assert "Hash chain intact" in admin.get("/audit?lang=en").get_data(as_text=True)
    with site.Session.begin() as s:
        first = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
        s.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = :i"), {"i": first})
    assert f"哈希链在第 {first} 条处断开" in admin.get("/audit?lang=zh").get_data(as_text=True)
    verdict = admin.get("/api/v1/audit/verify").get_json()
    assert (verdict["intact"], verdict["first_bad"], verdict["entries"]) == (False, first, 4)
    bad = admin.get("/audit?unit=atlantis&lang=zh").get_data(as_text=True)
    assert "atlantis" in bad and "unknown unit" in bad


def test_forwarded_addresses_are_ignored_unless_proxies_are_trusted(site):
    client = site.app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    form = {"username": "boss", "password": PASSWORD, "csrf_token": token}
    forged = {**ORIGIN, "X-Forwarded-For": "10.0.0.7"}
    assert client.post("/login", data=form, headers=forged).status_code == 303
    with site.Session() as s:
        addresses = set(s.scalars(select(AuditEntry.source_ip).where(AuditEntry.action.like("login.%"))))
    assert addresses == {"127.0.0.1"}
