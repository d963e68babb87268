"""Who is at the browser: Flask-Login sessions for people and for wall screens, with expiry.

`init_app` installs the session lookup that dashboard.api, dashboard.realtime.sockets and the Dash callbacks
ask (`dashboard.session_principal`), the gate in front of every page and internal Dash endpoint
(dashboard.auth.gate), the log-in pages (dashboard.auth.views) and the audit API
(dashboard.api.audit). Jurisdiction is always the subtree of the unit stored on the server for the
account or token, never a value the browser sends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from dash.exceptions import PreventUpdate
from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy.orm import Session as DbSession

from dashboard.auth.sessions import (
    IDLE_MINUTES,
    SESSION_HOURS,
    end_session_row,
    note_seen,
    session_principals,
)
from dashboard.auth.walls import default_wall_path
from dashboard.core.models import Unit
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.services import Services


@dataclass
class SessionUser(UserMixin):
    """The Flask-Login user: `s:<secret>`, a server-side session (dashboard.auth.sessions)."""

    id: str
    principal: Principal

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session cookie."""
        return self.id


def _services() -> Services:
    return current_app.extensions["dashboard"]


def load_user(user_id: str) -> SessionUser | None:
    """Rebuild the session's user from its row; None ends the session (logged out, ended, account
    disabled or changed, wall token revoked or expired, or an id this code does not know)."""
    with _services().Session.begin() as s:
        principal = login_principals(s, [user_id]).get(user_id)
    return SessionUser(user_id, principal) if principal is not None else None


def login_principals(s: DbSession, user_ids: list[str]) -> dict[str, Principal]:
    """{Flask-Login id: principal} for the ids whose sessions still stand (open sockets are checked
    again with it); the caller commits, so that lapsed sessions stay ended."""
    return session_principals(s, user_ids)


def app_now(app: Flask) -> float:
    """The app's clock in epoch seconds (tests may set one; else the wall clock)."""
    clock = app.extensions.get("dashboard.clock")
    return clock().timestamp() if clock else time.time()


def _now() -> float:
    return app_now(current_app)


def start_session(user: SessionUser) -> None:
    """Log a user in on a fresh session (no state carried over from before the log-in; a session
    the browser held before is ended on the server)."""
    previous = session.get("_user_id")
    if previous and previous != user.id:
        with _services().Session.begin() as s:
            end_session_row(s, previous, "replaced")
    session.clear()
    login_user(user)
    session.permanent = True
    session["auth_at"] = session["seen_at"] = _now()
    if may(user.principal.role, "wall.screen"):
        session["wall"] = True


def end_session() -> None:
    """Log out: end the session on the server (its cookie is worthless wherever it was copied) and
    forget everything in this one."""
    login_id = session.get("_user_id")
    if login_id:
        with _services().Session.begin() as s:
            end_session_row(s, login_id, "logout")
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
    which has no cap. Open sockets are ended then (dashboard.realtime.sockets.revalidate)."""
    auth_at = session.get("auth_at")
    if session.get("wall") or not isinstance(auth_at, int | float):
        return None
    return auth_at + current_app.config["DASHBOARD_SESSION_HOURS"] * 3600


def touch_session() -> None:
    """Note activity (at most once a minute, so the cookie and the row are not rewritten on every
    request)."""
    now = _now()
    if now - session.get("seen_at", 0) >= 60:
        session["seen_at"] = now
        with _services().Session.begin() as s:
            note_seen(s, session.get("_user_id", ""))


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
    """The caller's address: the connection's, or the one the trusted proxies forwarded
    (DASHBOARD_TRUSTED_PROXIES, applied to every request by dashboard.auth.proxies)."""
    return (request.remote_addr or "")[:64]


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


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie (which holds only the session id, auth times and the CSRF secret),
    marked Secure whenever the request came over https (directly or through a trusted proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so, or when this request is https."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def save_session(self, app: Flask, session, response) -> None:
        """As Flask does, except on a screen's background request refused for want of a session
        (a callback, a map document, a boundaries file answered 401): that answer leaves the cookie
        alone. It can arrive after the page has gone to the log-in form, and the old session's
        cookie it would write replaced the form's, whose CSRF token then failed (400) on sending."""
        if response.status_code == 401 and request.path.startswith(("/_dash-", "/api/")):
            return
        super().save_session(app, session, response)


def init_app(server: Flask, services: Services) -> None:
    """Install log-in, the session lookup, the gate, the log-in pages and the audit API."""
    from dashboard.api import audit as auth_audit
    from dashboard.auth import gate as auth_gate
    from dashboard.auth import views as auth_views

    server.config.setdefault("DASHBOARD_SESSION_HOURS", SESSION_HOURS)
    server.config.setdefault("DASHBOARD_IDLE_MINUTES", IDLE_MINUTES)
    server.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=server.config["DASHBOARD_SESSION_HOURS"]),
        SESSION_COOKIE_HTTPONLY=True,
        # Lax: a link from elsewhere still opens a page logged in, but no cross-site POST carries it.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="dashboard_session",
    )
    server.session_interface = _SessionInterface()
    manager = LoginManager()
    manager.user_loader(load_user)
    manager.init_app(server)
    server.extensions["dashboard.session_principal"] = session_principal
    auth_views.init_app(server, services)
    auth_gate.init_app(server)
    auth_audit.init_app(server)


__all__ = ["init_app", "scope_unit", "session_principal", "default_wall_path"]
