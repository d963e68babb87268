"""The gate in front of every request: pages need a session (or a wall token on the one wall URL it
opens), Dash's internal endpoints answer 401 without one, wall screens never reach the API, and a
state-changing request that carries the session cookie must come from this site.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import Flask, current_app, jsonify, redirect, render_template, request
from sqlalchemy import select

from dashboard.auth import SessionUser, default_wall_path, session_principal, start_session, touch_session
from dashboard.auth_i18n import page_lang, texts
from dashboard.models import ApiToken, Unit
from dashboard.principal import Principal, hash_token

# Reached without a session: the log-in pages, health checks, static files, and Socket.IO (whose
# connect handler authenticates and whose server refuses foreign origins itself).
PUBLIC = ("/login", "/logout", "/healthz", "/metrics", "/favicon.ico", "/_favicon.ico")
PUBLIC_PREFIXES = ("/assets/", "/socket.io")
DUTY_DESK_ROLES = frozenset({"admin", "leader", "duty"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer() -> bool:
    return request.headers.get("Authorization", "").startswith("Bearer ")


def same_origin() -> bool:
    """Whether the request says it comes from a page of this site (Origin, else Referer)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc.lower() == request.host.lower()


def _refuse_json(status: int, message: str, field: str | None):
    return jsonify(error=message, field=field), status


def _refuse_page(status: int, key: str, principal: Principal | None = None):
    lang = page_lang()
    return render_template("refused.html", t=texts(lang), lang=lang, message=texts(lang)[key],
                           principal=principal), status


def home_of(principal: Principal) -> str:
    """Where a principal lands: its wall, the city view, or its own unit's view."""
    if principal.role == "wall":
        return principal.wall_path or default_wall_path(principal.unit_code)
    return "/city" if principal.unit_level == "city" else f"/unit/{principal.unit_code}"


def _wall_login(token: str):
    """Open a wall session from `?token=` on the token's own wall URL; a response if refused."""
    with current_app.extensions["dashboard"].Session() as s:
        row = s.execute(select(ApiToken, Unit.level).join(Unit, Unit.code == ApiToken.unit_code)
                        .where(ApiToken.token_hash == hash_token(token),
                               ApiToken.revoked_at.is_(None))).first()
    if row is None:
        return _refuse_page(401, "token_invalid")
    tok, level = row
    wall_path = tok.wall_path or default_wall_path(tok.unit_code)
    if tok.role != "wall" or request.path.rstrip("/") != wall_path.rstrip("/"):
        return _refuse_page(403, "token_elsewhere")
    start_session(SessionUser(f"w:{tok.id}", Principal(
        name=tok.name, role="wall", unit_code=tok.unit_code, unit_level=level, wall_path=wall_path,
        via="session")))
    return None


def _unit_of_path(path: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["wall"]:
        parts = parts[1:]
    if parts == ["city"] or not parts:
        return "putian"
    if len(parts) >= 2 and parts[0] == "unit":
        return parts[1]
    return None


def page_allowed(principal: Principal, path: str) -> bool:
    """Whether the principal may open this page (the views' own callbacks check again)."""
    if principal.role == "wall":
        return path.rstrip("/") == (principal.wall_path or "").rstrip("/")
    if principal.role not in DUTY_DESK_ROLES | {"liaison", "viewer"}:
        return False
    if path == "/duty" or path.startswith("/duty/"):
        return principal.role in DUTY_DESK_ROLES
    code = _unit_of_path(path)
    if code is None:
        return True
    with current_app.extensions["dashboard"].Session() as s:
        unit = s.get(Unit, code)
    return unit is None or principal.covers(unit)  # an unknown unit gets the view's "not found"


def gate():
    """before_request: decide whether this request may go on."""
    path = request.path
    if path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
        return None
    if request.method not in SAFE_METHODS and not _bearer() \
            and current_app.config["SESSION_COOKIE_NAME"] in request.cookies and not same_origin():
        return _refuse_json(403, "cross-site request refused: Origin or Referer must be this site", "Origin")
    is_api, is_dash = path.startswith("/api/"), path.startswith("/_dash-")
    token = request.args.get("token")
    if token and request.method == "GET" and not is_api and not is_dash:
        refused = _wall_login(token)
        if refused is not None:
            return refused
    if is_api and _bearer():
        return None  # the token decides (dashboard.api.require); walls are stopped by _wall_on_api
    principal = session_principal()
    if is_api:
        if principal is not None and principal.role == "wall":
            return _refuse_json(403, "a wall screen opens its wall URL and nothing else", "Authorization")
        if principal is not None:
            touch_session()
        return None  # roles and jurisdiction: dashboard.api.require
    if principal is None:
        if is_dash:
            return _refuse_json(401, "log-in required", "session")
        target = request.full_path if request.query_string else path
        return redirect(f"/login?next={quote(target, safe='/')}")
    touch_session()
    if is_dash:
        return None
    if path == "/" and home_of(principal) != "/city":
        return redirect(home_of(principal))
    if not page_allowed(principal, path):
        return _refuse_page(403, "page_forbidden", principal)
    return None


def _wall_on_api():
    """Bearer wall tokens are for the wall page's socket only: the API refuses them. (The principal
    is resolved once per request: dashboard.api keeps it for the view.)"""
    from dashboard.api import ApiError, current_principal

    if not request.path.startswith("/api/") or not _bearer():
        return None
    try:
        principal = current_principal()
    except ApiError:
        return None  # an unknown token: the view answers 401 in the API's own words
    if principal is not None and principal.role == "wall":
        return _refuse_json(403, "a wall token opens its wall URL and nothing else", "Authorization")
    return None


def _headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def init_app(server: Flask) -> None:
    """Put the gate in front of every request."""
    server.before_request(gate)
    server.before_request(_wall_on_api)
    server.after_request(_headers)
