"""The JSON API under /api/v1: errors as {"error", "field"}, callers resolved from tokens."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.principal import Principal, principal_for_token
from dashboard.services import Services

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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


def current_principal() -> Principal | None:
    """The caller: a bearer token, else a logged-in browser session (see dashboard.auth)."""
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


def require(*roles: str):
    """Decorator: the caller must be authenticated and hold one of these roles."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise ApiError(401, "authentication required", "Authorization")
            if roles and principal.role not in roles:
                raise ApiError(403, f"role {principal.role!r} may not do this", None)
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict:
    """The request's JSON object, or a 400/415 naming the problem."""
    if not request.is_json:
        raise ApiError(415, "body must be JSON (Content-Type: application/json)", None)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object", None)
    return body


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    return jsonify(error=err.message, field=err.field), err.status


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    return jsonify(error=err.description or err.name, field=None), err.code


def _routing_error(err: HTTPException):
    # A method the URL does not take fails in routing, before any API view (and the blueprint's
    # handlers) runs: answer in the API's JSON form under /api/ too; pages keep Flask's. The
    # screens' catch-all GET route matches every path, so an API path that matches no API route
    # (POST /api/v1/alerts/x/ack) would say 405 where the truth is 404.
    if not request.path.startswith(bp.url_prefix + "/"):
        return err
    try:
        rule, _ = current_app.url_map.bind_to_environ(request.environ).match(method="GET",
                                                                            return_rule=True)
    except HTTPException:
        rule = None
    if rule is not None and not rule.rule.startswith(bp.url_prefix + "/"):
        return jsonify(error="not found", field=None), 404
    return _http_error(err)


def init_app(server: Flask, _services: Services) -> None:
    """Register the API blueprint with every API module's routes."""
    server.register_error_handler(405, _routing_error)
    import importlib

    for name in ("dashboard.api.read", "dashboard.api.intake", "dashboard.api.alerts"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    server.register_blueprint(bp)
