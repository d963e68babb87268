"""Who is at the browser: Flask-Login sessions for people and for wall screens, with expiry.

`init_app` installs the session lookup that dashboard.api, dashboard.realtime and the Dash callbacks
ask (`dashboard.session_principal`), the gate in front of every page and internal Dash endpoint
(dashboard.auth_gate), the log-in pages (dashboard.auth_views) and the audit API
(dashboard.auth_audit). Jurisdiction is always the subtree of the unit stored on the server for the
account or token, never a value the browser sends.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import timedelta

from dash.exceptions import PreventUpdate
from flask import Flask, current_app, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from dashboard.auth_accounts import principal_of, session_fingerprint
from dashboard.demo_accounts import demo_accounts
from dashboard.models import ApiToken, Unit, User
from dashboard.principal import Principal
from dashboard.services import Services

SESSION_HOURS = 12  # a session ends this long after log-in, whatever happens
IDLE_MINUTES = 120  # ... or after this long without a request
SCREEN_ROLES = frozenset({"admin", "leader", "duty", "liaison", "viewer", "wall"})


@dataclass
class SessionUser(UserMixin):
    """The Flask-Login user: `u:<id>:<fingerprint>` for an account, `w:<token id>` for a wall."""

    id: str
    principal: Principal

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie."""
        return self.id


def default_wall_path(unit_code: str) -> str:
    """The wall URL of a unit: /wall/city for the city, else /wall/unit/<code>."""
    return "/wall/city" if unit_code == "putian" else f"/wall/unit/{unit_code}"


def _services() -> Services:
    return current_app.extensions["dashboard"]


def load_user(user_id: str) -> SessionUser | None:
    """Rebuild the session's user from the database; None ends the session (disabled, revoked,
    password changed, or an id this code does not know)."""
    with _services().Session() as s:
        principal = login_principals(s, [user_id]).get(user_id)
    return SessionUser(user_id, principal) if principal is not None else None


def login_principals(s: DbSession, user_ids: list[str]) -> dict[str, Principal]:
    """{Flask-Login id: principal} for the ids that still stand for someone: `u:<id>:<fingerprint>`
    of an active account whose password is unchanged, `w:<token id>` of an unrevoked wall token.
    A few queries for any number of ids (open sockets are checked again with it)."""
    accounts: dict[int, list[tuple[str, str]]] = {}  # account id -> [(Flask-Login id, fingerprint)]
    walls: dict[int, str] = {}
    for user_id in user_ids:
        kind, _, rest = user_id.partition(":")
        if kind == "u":
            raw_id, _, fingerprint = rest.partition(":")
            if raw_id.isdigit():
                accounts.setdefault(int(raw_id), []).append((user_id, fingerprint))
        elif kind == "w" and rest.isdigit():
            walls[int(rest)] = user_id
    found: dict[str, Principal] = {}
    if accounts:
        rows = s.execute(select(User, Unit.level).join(Unit, Unit.code == User.unit_code)
                         .where(User.id.in_(list(accounts)), User.active.is_(True)))
        for user, level in rows:
            for user_id, fingerprint in accounts[user.id]:
                if session_fingerprint(user.password_hash) == fingerprint:
                    found[user_id] = principal_of(user, level)
    if walls:
        rows = s.execute(select(ApiToken, Unit.level).join(Unit, Unit.code == ApiToken.unit_code)
                         .where(ApiToken.id.in_(list(walls)), ApiToken.revoked_at.is_(None),
                                ApiToken.role == "wall"))
        for tok, level in rows:
            found[walls[tok.id]] = Principal(
                name=tok.name, role="wall", unit_code=tok.unit_code, unit_level=level,
                wall_path=tok.wall_path or default_wall_path(tok.unit_code), via="session")
    return found


def app_now(app: Flask) -> float:
    """The app's clock in epoch seconds (tests may set one; else the wall clock)."""
    clock = app.extensions.get("dashboard.clock")
    return clock().timestamp() if clock else time.time()


def _now() -> float:
    return app_now(current_app)


def start_session(user: SessionUser) -> None:
    """Log a user in on a fresh session (no state carried over from before the log-in)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["auth_at"] = session["seen_at"] = _now()


def end_session() -> None:
    """Log out and forget everything in the session."""
    logout_user()
    session.clear()


def session_expired() -> bool:
    """Whether the session has passed its lifetime (walls: no cap) or sat idle too long."""
    now = _now()
    idle = current_app.config["DASHBOARD_IDLE_MINUTES"] * 60
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
        return True
    ends_at = session_ends_at()
    return now - seen_at > idle or (ends_at is not None and now > ends_at)


def session_ends_at() -> float | None:
    """When this request's session passes its lifetime (epoch seconds); None for a wall's log-in,
    which has no cap. Open sockets are ended then (dashboard.realtime.revalidate)."""
    auth_at = session.get("auth_at")
    if str(session.get("_user_id", "")).startswith("w:") or not isinstance(auth_at, int | float):
        return None
    return auth_at + current_app.config["DASHBOARD_SESSION_HOURS"] * 3600


def touch_session() -> None:
    """Note activity (at most once a minute, so the cookie is not rewritten on every request)."""
    now = _now()
    if now - session.get("seen_at", 0) >= 60:
        session["seen_at"] = now


def session_principal() -> Principal | None:
    """The logged-in principal of this request (page, callback, API read or socket), or None."""
    if not current_user.is_authenticated:
        return None
    if session_expired():
        end_session()
        session["expired"] = True  # the log-in page says why
        return None
    return current_user.principal


def client_address() -> str:
    """The caller's address: the proxy's last X-Forwarded-For hop when the request comes through a
    proxy on this machine (deploy/nginx.conf.template), else the connection's own address."""
    remote = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        local = False
    return forwarded.split(",")[-1].strip()[:64] if forwarded and local else remote


def scope_unit(code: str | None) -> str:
    """For Dash callbacks: the unit code if it lies in the caller's jurisdiction, else PreventUpdate
    (unknown units and callers without a session are refused the same way)."""
    principal = session_principal()
    if principal is None or not code:
        raise PreventUpdate
    with _services().Session() as s:
        unit = s.get(Unit, code)
    if unit is None or not principal.covers(unit):
        raise PreventUpdate
    return code


def init_app(server: Flask, services: Services) -> None:
    """Install log-in, the session lookup, the gate, the log-in pages and the audit API."""
    from dashboard import auth_audit, auth_gate, auth_views

    server.config.setdefault("DASHBOARD_SESSION_HOURS", SESSION_HOURS)
    server.config.setdefault("DASHBOARD_IDLE_MINUTES", IDLE_MINUTES)
    server.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=server.config["DASHBOARD_SESSION_HOURS"]),
        SESSION_COOKIE_HTTPONLY=True,
        # Lax: a link from elsewhere still opens a page logged in, but no cross-site POST carries it.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="dashboard_session",
    )
    manager = LoginManager()
    manager.user_loader(load_user)
    manager.init_app(server)
    server.extensions["dashboard.session_principal"] = session_principal
    auth_views.init_app(server, services)
    auth_gate.init_app(server)
    auth_audit.init_app(server)


__all__ = ["demo_accounts", "init_app", "scope_unit", "session_principal", "default_wall_path"]
