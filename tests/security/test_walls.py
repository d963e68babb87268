"""Issue 14 (6): a wall token is swapped at first use for a wall session and the page goes on to the
same URL without it (out of history, storage and Referer); tokens expire (180 days by default);
`users tokens` lists, rotates and revokes them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dashboard.core.models import ApiToken
from dashboard.core.principal import TOKEN_DAYS
from dashboard.core.timeutil import utcnow
from tests.integration.auth_world import add_token
from tests.security.browser import users

WALL = "/wall/unit/licheng"
ASSETS = Path(__file__).resolve().parents[2] / "assets"


def test_a_wall_token_is_swapped_for_a_session_and_leaves_the_url(site):
    token = add_token(site.Session, "wall-licheng", "wall", "licheng")
    wall = site.app.test_client()
    opened = wall.get(f"{WALL}?tour=30&token={token}&reload=6")
    assert opened.status_code == 303 and opened.headers["Location"] == f"{WALL}?tour=30&reload=6"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert token not in opened.get_data(as_text=True)
    page = wall.get(opened.headers["Location"])
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "same-origin"
    assert wall.get("/wall/city").status_code == 403  # still only its own wall
    with site.Session() as s:
        tok = s.scalar(select(ApiToken).where(ApiToken.name == "wall-licheng"))
    assert tok.last_used_at is not None
    assert abs(tok.expires_at - tok.created_at - timedelta(days=TOKEN_DAYS)) < timedelta(seconds=5)
    # The screens' scripts never keep the token: their sockets ride on the session cookie.
    for script in ASSETS.glob("*.js"):
        text = script.read_text()
        assert "sessionStorage" not in text and 'get("token")' not in text, script.name


def test_an_expired_token_opens_nothing(site):
    token = add_token(site.Session, "wall-licheng", "wall", "licheng")
    api = add_token(site.Session, "feeder", "system", "putian")
    wall = site.app.test_client()
    assert wall.get(f"{WALL}?token={token}").status_code == 303
    with site.Session.begin() as s:
        s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert wall.get(WALL).status_code == 302  # the wall session ends with its token
    refused = site.app.test_client().get(f"{WALL}?token={token}")
    assert refused.status_code == 401 and "无效" in refused.get_data(as_text=True)
    listed = site.app.test_client().get("/api/v1/incidents", headers={"Authorization": f"Bearer {api}"})
    assert listed.status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_users_tokens_lists_rotates_and_revokes(site, engine, tmp_path, monkeypatch, capsys):
    run = lambda *argv: users(monkeypatch, capsys, engine, tmp_path, *argv)  # noqa: E731
    code, out = run("token", "wall-licheng", "--role", "wall", "--unit", "licheng", "--days", "30")
    assert code == 0
    old = out.strip().splitlines()[-1]
    wall = site.app.test_client()
    assert wall.get(f"{WALL}?token={old}").status_code == 303
    code, out = run("tokens")
    line = next(x for x in out.splitlines() if x.startswith("wall-licheng\t"))
    expires = (utcnow() + timedelta(days=30)).astimezone().strftime("%Y-%m-%d")
    assert "live" in line and WALL in line and "expires " in line and "last used 2" in line
    assert expires[:7] in line
    code, out = run("tokens", "rotate", "wall-licheng")
    assert code == 0 and "old one no longer works" in out
    new = out.strip().splitlines()[-1]
    assert new != old and new.startswith("pt_")
    assert wall.get(WALL).status_code == 302  # the old token's wall session has ended
    assert site.app.test_client().get(f"{WALL}?token={old}").status_code == 401
    assert site.app.test_client().get(f"{WALL}?token={new}").status_code == 303
    assert run("tokens", "rotate", "nobody")[0] == 1
    assert run("tokens", "rotate")[0] == 2
    code, out = run("tokens", "revoke", "wall-licheng")
    assert code == 0 and "revoked 1 token(s)" in out
    assert site.app.test_client().get(f"{WALL}?token={new}").status_code == 401
    assert run("token", "x", "--role", "system", "--days", "0")[1].count("--days") == 1
