"""Dash's callback endpoint never answers with an HTML 500: a body that is not a callback request is
refused with a 400 JSON error naming the field, and a callback that fails on what the browser sent
(a forged or replayed request with values no screen would send) answers a 400 JSON error too. The
failure is logged with its traceback, so a real bug still shows in the logs."""

from __future__ import annotations

import logging
from functools import wraps

from dash.exceptions import PreventUpdate
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DASH_CALLBACK = "/_dash-update-component"


def _refuse(message: str, field: str | None):
    return jsonify(error=message, field=field), 400


def _props(value: object) -> bool:
    """A list of {id, property} dicts (or lists of them, for pattern-matching callbacks)."""
    if not isinstance(value, list):
        return False
    for item in value:
        group = item if isinstance(item, list) else [item]
        if not all(isinstance(p, dict) and "id" in p and isinstance(p.get("property"), str) for p in group):
            return False
    return True


def body_problem(body: object) -> tuple[str, str | None] | None:
    """What is wrong with a callback request body (message, field), or None if it is well formed."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (a Dash callback request)", "body"
    if not isinstance(body.get("output"), str) or not body["output"]:
        return "output must be the callback's output id", "output"
    outputs = body.get("outputs", [])
    if not isinstance(outputs, dict | list):
        return "outputs must be an object or a list", "outputs"
    for field in ("inputs", "state"):
        if not _props(body.get(field, [])):
            return f"{field} must be a list of {{id, property, value}} objects", field
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings", "changedPropIds"
    return None


def check_callback_body():
    """before_request: refuse a malformed callback request before Dash reads it."""
    if request.path != DASH_CALLBACK or request.method != "POST":
        return None
    problem = body_problem(request.get_json(silent=True))
    return _refuse(*problem) if problem else None


def _guarded(view):
    @wraps(view)
    def dispatch(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (HTTPException, PreventUpdate):
            raise
        except Exception as exc:  # noqa: BLE001 - any failure on forged input is the caller's 400
            log.exception("callback request refused: %s", request.get_json(silent=True))
            return _refuse(f"this callback request could not be answered ({type(exc).__name__})", "body")

    return dispatch


def init_app(server: Flask) -> None:
    """Check callback bodies first, and turn a callback's failure into a 400 JSON answer (call once
    Dash's endpoint is registered)."""
    server.before_request(check_callback_body)
    for rule in server.url_map.iter_rules():
        if rule.rule == DASH_CALLBACK:
            server.view_functions[rule.endpoint] = _guarded(server.view_functions[rule.endpoint])
