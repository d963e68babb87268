"""Issue 14 (2, 12c): sessions live on the server. Log-out ends a session wherever its cookie was
copied; disabling an account, changing its password or moving its unit ends all its sessions for good;
`users sessions` and `users end-sessions` list and end them; open sockets follow; the cookie holds
only an opaque session id."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib

from sqlalchemy import select, update

from dashboard.auth.accounts import set_active, set_password, set_unit
from dashboard.core.models import LoginSession, User
from dashboard.realtime.sockets import Grant, still_granted
from tests.security.browser import ORIGIN, login, logout, session_cookie, users

PAGE = "/unit/licheng-zhenhai"


def replay(site, cookie: str):
    """A second browser holding a copy of the cookie."""
    other = site.app.test_client()
    other.set_cookie("dashboard_session", cookie)
    return other


def works(client) -> bool:
    """Whether the client's session still opens the officer's page and answers a callback."""
    page = client.get(PAGE).status_code
    callback = client.post("/_dash-update-component", json={}, headers=ORIGIN).status_code
    assert (page == 200) == (callback != 401), (page, callback)
    return page == 200


def test_log_out_ends_the_session_wherever_its_cookie_is_replayed(site):
    client = site.app.test_client()
    login(client, "zhenhai")
    copied = session_cookie(client)
    assert works(replay(site, copied))
    assert logout(client).status_code == 303
    assert not works(replay(site, copied))
    assert login(client, "zhenhai").status_code == 303 and works(client)  # a new log-in is a new session


def test_disabling_ends_every_session_for_good(site):
    first, second = site.app.test_client(), site.app.test_client()
    login(first, "zhenhai")
    login(second, "zhenhai")
    copied = session_cookie(first)
    with site.Session.begin() as s:
        set_active(s, "zhenhai", False, actor="boss")
    with site.Session.begin() as s:
        set_active(s, "zhenhai", True, actor="boss")
    assert not works(first) and not works(second) and not works(replay(site, copied))
    assert login(first, "zhenhai").status_code == 303 and works(first)


def test_password_changes_and_moves_end_sessions_for_good(site):
    new_password = "a new password 1"
    client = site.app.test_client()
    login(client, "zhenhai")
    with site.Session.begin() as s:
        set_password(s, "zhenhai", new_password, actor="boss")
    assert not works(client)
    by_hand = update(User).where(User.username == "zhenhai")
    for change, undo in [
        (lambda s: set_unit(s, "zhenhai", "licheng", actor="boss"),
         lambda s: set_unit(s, "zhenhai", "licheng-zhenhai", actor="boss")),
        # Even a change made in the database by hand, and undone, ends what was open meanwhile.
        (lambda s: s.execute(by_hand.values(role="viewer")),
         lambda s: s.execute(by_hand.values(role="duty"))),
    ]:
        client = site.app.test_client()
        login(client, "zhenhai", new_password)
        assert works(client)
        with site.Session.begin() as s:
            change(s)
        assert not works(client)
        with site.Session.begin() as s:
            undo(s)
        assert not works(client)
        assert login(client, "zhenhai", new_password).status_code == 303 and works(client)


def _cookie_payload(cookie: str) -> dict:
    body = cookie.split(".")[1] if not cookie.startswith(".") else cookie[1:].split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return json.loads(zlib.decompress(raw) if cookie.startswith(".") else raw)


def test_the_cookie_carries_an_opaque_session_id_only(site):
    client = site.app.test_client()
    login(client, "zhenhai")
    cookie = session_cookie(client)
    payload = _cookie_payload(cookie)
    with site.Session() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "zhenhai"))
        rows = s.scalars(select(LoginSession.id).where(LoginSession.ended_at.is_(None))).all()
    login_id = payload["_user_id"]
    assert login_id.startswith("s:") and len(login_id) > 40
    assert stored[-12:] not in cookie and stored[-12:] not in json.dumps(payload)
    assert rows == [hashlib.sha256(login_id[2:].encode()).hexdigest()]  # the row keeps a hash only
    assert str(rows[0]) not in json.dumps(payload)


def login_id(client) -> str:
    """The Flask-Login id the browser's cookie carries (what an open socket is granted by)."""
    return _cookie_payload(session_cookie(client))["_user_id"]


def test_users_sessions_lists_and_end_sessions_ends_them_sockets_included(site, engine, tmp_path,
                                                                           monkeypatch, capsys):
    tablet, desk, other = (site.app.test_client() for _ in range(3))
    login(tablet, "zhenhai", **{"User-Agent": "Tablet/1.0"})
    login(desk, "zhenhai")
    login(other, "boss")
    code, out = users(monkeypatch, capsys, engine, tmp_path, "sessions", "zhenhai")
    assert code == 0 and "2 open session(s) of zhenhai" in out and "Tablet/1.0" in out
    assert "127.0.0.1" in out and session_cookie(tablet) not in out
    grants = [Grant(login_id=login_id(c)) for c in (tablet, other)]
    assert set(still_granted(site.Session, grants)) == set(grants)
    code, out = users(monkeypatch, capsys, engine, tmp_path, "end-sessions", "zhenhai")
    assert code == 0 and "ended 2 session(s)" in out
    assert not works(tablet) and not works(desk)
    assert other.get("/city").status_code == 200  # the other account's session is untouched
    assert set(still_granted(site.Session, grants)) == {grants[1]}  # the socket check drops it too
    assert "0 open session(s)" in users(monkeypatch, capsys, engine, tmp_path, "sessions", "zhenhai")[1]
    code, out = users(monkeypatch, capsys, engine, tmp_path, "sessions", "nobody")
    assert code == 2 and "NAME" in out
