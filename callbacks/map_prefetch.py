"""A child's map, fetched before the tap that opens it.

While a unit view stands, the browser fetches the map of each child it can drill into (its figure
and legend, exactly as the map's own callback would send them) from `ROUTE`, one child at a time
once the view's map is drawn (assets/31_drill.js). A drill in place then draws the child's map
from memory, with no round trip; the map's callback still runs and answers only when the figure
has changed since (callbacks/unit.py `update_map`, comparing the fingerprints in `parts`: a patch
of the traces that changed, or the whole figure), so nothing that happened in between is lost.

Jurisdiction is the view's own (callbacks/scope.py `open_view`); the gate answers 401 without a
session, as for every Dash endpoint.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import Dash
from flask import Response, request
from plotly.io.json import to_json_plotly

from callbacks import scope
from callbacks.unit import map_and_legend, map_key, map_parts
from dashboard.api import ApiError, error_reply
from dashboard.core.i18n import LANGS
from layouts.figures_map import MEASURES
from layouts.shell import view_of

ROUTE = "/_dash-prefetch/map/<code>"
# The view's own query (period, line, a search's staff pick); the rest is the map's choice.
CHOICES = ("measure", "lang")


def url(code: str, query: dict[str, str]) -> str:
    """Where the browser fetches the map of `code`'s view under `query` (it adds measure and lang)."""
    path = ROUTE.replace("<code>", code)
    return f"{path}?{urlencode(query)}" if query else path


def map_document(code: str):
    """GET: {key, parts, figure, legend} of the view's map, never cached by the browser."""
    args = {k: v for k, v in request.args.items() if k not in CHOICES}
    measure = request.args.get("measure") or "open"
    lang = request.args.get("lang") or LANGS[0]
    if measure not in MEASURES:
        return error_reply(ApiError(400, f"measure must be one of {', '.join(MEASURES)}", "measure"))
    if lang not in LANGS:
        return error_reply(ApiError(400, f"lang must be one of {', '.join(LANGS)}", "lang"))
    view = view_of(code, args)
    try:
        with scope.session() as s:
            scope.open_view(s, view)
    except scope.ViewRefused as refused:
        if refused.key == "bad_period":
            return error_reply(ApiError(400, refused.params["reason"], refused.params["field"]))
        # Outside the jurisdiction a unit is refused as if it did not exist, as everywhere else.
        return error_reply(ApiError(404, f"unknown unit {code!r}", "code"))
    figure, legend = map_and_legend(view, measure, None, lang, live=False)
    body = {"key": map_key(view, measure, lang), "parts": map_parts(figure), "figure": figure,
            "legend": legend}
    response = Response(to_json_plotly(body), mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(app: Dash) -> None:
    """Serve the map documents beside the Dash endpoints."""
    app.server.add_url_rule(ROUTE, "map_prefetch", map_document, methods=["GET"])
