"""The JSON API under /api/v1: errors as {"error", "field"}, callers resolved from tokens."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import wraps

import redis
from flask import Blueprint, Flask, current_app, g, jsonify, request
from sqlalchemy.exc import DisconnectionError, OperationalError
from werkzeug.exceptions import HTTPException

from dashboard.core.policy import may
from dashboard.core.principal import Principal, principal_for_token
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refused request: HTTP status, a message for people, and the offending field."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def services() -> Services:
    """The Services of the running app."""
    return current_app.extensions["dashboard"]


def now() -> datetime:
    """The app's clock for actions: the one tests and replays inject as
    ``app.extensions["dashboard.clock"]``, else the wall clock (the API and the screens alike)."""
    return current_app.extensions.get("dashboard.clock", utcnow)()


def current_principal() -> Principal | None:
    """The caller: a bearer token, else a logged-in browser session (see dashboard.auth.login)."""
    if "principal" in g:
        return g.principal
    principal = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        with services().Session() as session:
            principal = principal_for_token(session, header[7:].strip())
        if principal is None:
            raise ApiError(401, "invalid or revoked token", "Authorization")
    else:
        session_lookup = current_app.extensions.get("dashboard.session_principal")
        if session_lookup is not None:
            principal = session_lookup()
    g.principal = principal
    return principal


def require(*capabilities: str):
    """Decorator: the caller must be authenticated and its role hold one of these capabilities
    (dashboard.core.policy); with none named, any authenticated caller."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise ApiError(401, "authentication required", "Authorization")
            if capabilities and not any(may(principal.role, c) for c in capabilities):
                raise ApiError(403, f"role {principal.role!r} may not do this", None)
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict:
    """The request's JSON object, or a 400/415 naming the problem."""
    if not request.is_json:
        raise ApiError(415, "body must be JSON (Content-Type: application/json)", None)
    try:
        body = request.get_json(silent=True)
        field = _nul_in(body, "") if isinstance(body, dict) else None
    except RecursionError as exc:  # silent covers ValueError only; [[[[...]]]] deep enough raises this
        raise ApiError(400, "body is nested too deeply", None) from exc
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object", None)
    if field is not None:
        raise ApiError(422, f"{field} contains a NUL character", field)
    return body


def _nul_in(value, path: str) -> str | None:
    """The path of the first string holding NUL (PostgreSQL text cannot store it), or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            found = inner if "\x00" in str(key) else _nul_in(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_in(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


@bp.before_app_request
def _refuse_nul():
    # A NUL in the path or a query parameter would reach PostgreSQL, which refuses it (a 500).
    # App-wide for /api/: other blueprints (the audit API) serve there too.
    if not request.path.startswith("/api/"):
        return
    if "\x00" in request.path:
        raise ApiError(404, "no such resource: the path contains a NUL character", None)
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise ApiError(400, f"{name!r} contains a NUL character", name)


@bp.errorhandler(ApiError)
def error_reply(err: ApiError):
    """The one shape of a refused request: `{"error": <message>, "field": <parameter or null>}`."""
    return jsonify(error=err.message, field=err.field), err.status


@bp.errorhandler(redis.ConnectionError)
@bp.errorhandler(redis.TimeoutError)
@bp.errorhandler(OperationalError)
@bp.errorhandler(DisconnectionError)
def _dependency_down(err: Exception):
    # Redis restarting (or still loading its AOF) or the database unreachable is not a bug of
    # the request: 503 with Retry-After. Every write carries a request id (or an incident id),
    # so the client's retry is safe whether or not this attempt got through.
    which = "redis" if isinstance(err, redis.RedisError) else "database"
    log.warning("api: %s %s answered 503, %s unavailable: %s", request.method, request.path,
                which, str(err).splitlines()[0][:200] if str(err) else type(err).__name__)
    reply = jsonify(error=f"{which} temporarily unavailable; retry with the same request", field=None)
    return reply, 503, {"Retry-After": "1"}


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return jsonify(error=err.description or err.name, field=None), err.code


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def _no_such_operation(_rest: str):
    # Without this the screens' catch-all page route answers unknown API paths (GET) with a page
    # and 200, and any other method with an HTML 405.
    raise ApiError(404, "no such API operation", None)


def init_app(server: Flask, _services: Services) -> None:
    """Register the API blueprint with every API module's routes."""
    # Imported here, not at the top: each of them adds its routes to `bp`, defined above.
    from dashboard.api import alerts, briefing, escalation, intake, read  # noqa: F401

    server.register_blueprint(bp)
