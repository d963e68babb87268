"""An open screen socket lasts only as long as what let it in: revoking a wall's token, disabling
an account, changing its password or moving it to another unit ends its sockets within one check
(dashboard.realtime.sockets.revalidate, run by each web process's refresher), and nobody else's; so does
the end of a log-in session's lifetime."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from dashboard.auth.accounts import find_user, set_active, set_password
from dashboard.core.models import User
from dashboard.core.principal import revoke_token
from dashboard.core.timeutil import utcnow
from dashboard.realtime import sockets as realtime
from tests.integration.auth_world import Browser, add_account, add_token, build, serving
from tests.integration.realtime_support import wait_until


@pytest.fixture
def site(engine, Session, services_for, monkeypatch):  # noqa: N803 - a session factory
    build(Session)
    add_account(Session, "zhenhai", "duty", "licheng-zhenhai")
    add_account(Session, "boss", "leader", "putian")
    wall = add_token(Session, "wall-licheng", "wall", "licheng")
    services = services_for(engine)
    monkeypatch.setattr(realtime, "ROOMS_REFRESH_S", 0.5)  # the refresher's period; 10 s in service
    with serving(services) as (base, app):
        yield SimpleNamespace(base=base, Session=Session, wall=wall, app=app)


def screen(site, unit: str, username: str | None = None, token: str | None = None):
    """A screen socket subscribed to unit (logged in as username, or with a token); it records
    the `revoked` events it gets."""
    browser = Browser(site.base)
    if username:
        assert browser.login(username).status_code == 303
    client = browser.socket(auth={"token": token} if token else None)
    client.revoked = []
    client.on("revoked", client.revoked.append)
    assert client.call("subscribe", {"unit": unit}, timeout=10)["ok"] is True
    return client


def stays_connected(client, seconds: float) -> bool:
    """Whether the socket is still connected after seconds (several rounds of the check)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and client.connected:
        time.sleep(0.05)
    return client.connected


def change(Session, how: str) -> None:  # noqa: N803
    with Session.begin() as s:
        if how == "disabled":
            set_active(s, "zhenhai", False, actor="test")
        elif how == "password changed":
            set_password(s, "zhenhai", "another horse 2", actor="test")
        else:  # moved to another town (by hand in the database): the session lapses for good
            s.execute(update(User).where(User.id == find_user(s, "zhenhai").id)
                      .values(unit_code="chengxiang-longqiao"))


@pytest.mark.parametrize("how, reason", [("disabled", "revoked"), ("password changed", "revoked"),
                                         ("moved", "revoked")])
def test_an_account_changed_under_an_open_socket_loses_it(site, how, reason):
    duty = screen(site, "licheng-zhenhai", username="zhenhai")
    leader = screen(site, "putian", username="boss")
    try:
        change(site.Session, how)
        wait_until(lambda: not duty.connected, "the duty officer's socket to be ended")
        assert duty.revoked == [{"reason": reason}]
        # Two more rounds of the check leave the untouched account's socket alone.
        assert stays_connected(leader, 1.5) and leader.revoked == []
    finally:
        for client in (duty, leader):
            client.disconnect()


def test_a_revoked_wall_token_ends_its_socket_and_no_other(site):
    wall = screen(site, "licheng", token=site.wall)
    leader = screen(site, "putian", username="boss")
    try:
        with site.Session.begin() as s:
            assert revoke_token(s, "wall-licheng", utcnow()) == 1
        wait_until(lambda: not wall.connected, "the wall's socket to be ended")
        assert wall.revoked == [{"reason": "revoked"}]
        assert stays_connected(leader, 1.5) and leader.revoked == []
    finally:
        for client in (wall, leader):
            client.disconnect()


def test_a_log_in_session_past_its_lifetime_ends_its_socket_but_not_a_walls_token(site):
    duty = screen(site, "licheng-zhenhai", username="zhenhai")
    wall = screen(site, "licheng", token=site.wall)
    try:
        assert stays_connected(duty, 1.5)  # several rounds of the check within the lifetime
        hours = site.app.config["DASHBOARD_SESSION_HOURS"]
        site.app.extensions["dashboard.clock"] = lambda: utcnow() + timedelta(hours=hours, minutes=1)
        wait_until(lambda: not duty.connected, "the duty officer's socket to be ended")
        assert duty.revoked == [{"reason": "expired"}]
        assert stays_connected(wall, 1.5) and wall.revoked == []  # a token has no session lifetime
    finally:
        for client in (duty, wall):
            client.disconnect()
