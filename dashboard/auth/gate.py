"""The gate in front of every request: pages need a session (or a wall token on the one wall URL it
opens), Dash's internal endpoints answer 401 without one, wall screens never reach the API, and a
state-changing request that carries the session cookie must come from this site.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from flask import Flask, current_app, jsonify, redirect, render_template, request
from flask_login import current_user

from dashboard.auth.login import SessionUser, client_address, session_principal, start_session, touch_session
from dashboard.auth.sessions import open_session
from dashboard.auth.walls import check_wall_token, default_wall_path
from dashboard.auth.words import page_lang, texts
from dashboard.core.models import Unit
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.units import root_code
from dashboard.geo import boundaries

# Reached without a session: the log-in pages, health checks, static files, and Socket.IO (whose
# connect handler authenticates and whose server refuses foreign origins itself).
PUBLIC = ("/login", "/logout", "/healthz", "/metrics", "/favicon.ico", "/_favicon.ico")
PUBLIC_PREFIXES = ("/assets/", "/socket.io")
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
    if may(principal.role, "wall.screen"):
        return principal.wall_path or default_wall_path(principal.unit_code, principal.unit_level)
    return "/city" if principal.unit_level == "city" else f"/unit/{principal.unit_code}"


def _wall_exchange(token: str):
    """Exchange `?token=` on the token's own wall URL for a wall session, and send the page on to
    the same URL without the token (out of history, storage and Referer); a refusal page if not."""
    with current_app.extensions["dashboard"].Session.begin() as s:
        found = check_wall_token(s, token, request.path)
        if found.refusal is not None:
            return _refuse_page(401 if found.refusal == "token_invalid" else 403, found.refusal)
        login_id = open_session(s, token=found.token, source_ip=client_address(),
                                user_agent=request.headers.get("User-Agent", ""))
    start_session(SessionUser(login_id, found.principal))
    rest = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
    response = redirect(request.path + ("?" + rest if rest else ""), 303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _unit_of_path(path: str, root: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["wall"]:
        parts = parts[1:]
    if parts == ["city"] or not parts:
        return root
    if len(parts) >= 2 and parts[0] == "unit":
        return parts[1]
    return None


def page_allowed(principal: Principal, path: str) -> bool:
    """Whether the principal may open this page (the views' own callbacks check again)."""
    if may(principal.role, "wall.screen"):
        return path.rstrip("/") == (principal.wall_path or "").rstrip("/")
    if not may(principal.role, "views"):
        return False
    if path == "/duty" or path.startswith("/duty/"):
        return may(principal.role, "desk")
    with current_app.extensions["dashboard"].Session() as s:
        code = _unit_of_path(path, root_code(s))
        if code is None:
            return True
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
    if request.headers.get("Authorization") and (is_dash or current_user.is_authenticated):
        return _refuse_json(400, "one caller per request: send the session cookie or an "
                                 "Authorization header, not both (screens never send a token)",
                            "Authorization")
    token = request.args.get("token")
    if token and request.method == "GET" and not is_api and not is_dash:
        return _wall_exchange(token)
    if is_api and _bearer():
        return None  # the token decides (dashboard.api.require); walls are stopped by _wall_on_api
    principal = session_principal()
    if is_api:
        if principal is not None and not may(principal.role, "api") and not boundaries.is_route(path):
            # The one exception: its map's region boundaries (jurisdiction still checked there).
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
    if principal is not None and not may(principal.role, "api"):
        return _refuse_json(403, "a wall token opens its wall URL and nothing else", "Authorization")
    return None


def _headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(server: Flask) -> None:
    """Put the gate in front of every request."""
    server.before_request(gate)
    server.before_request(_wall_on_api)
    server.after_request(_headers)
