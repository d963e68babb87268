"""Wall mode (`/wall/city`, `/wall/unit/<code>`): a unit's view laid out for a screen nobody touches.

The page is a fixed frame (title, tour position, clock, connection mark, critical-alert banner)
around the unit view itself: the view's renderer and figure callbacks fill it from the VIEW store
exactly as on a desk, scoped on the server, and assets/80_wall.css lays it out for the wall. The
tour, the clock, the freshness marks and the banner run in the browser (assets/25_wall.js).
"""

from __future__ import annotations

import re
from typing import Any

from dash import dcc, html

from dashboard.core.i18n import DEFAULT_LANG, LANGS, t
from layouts import ids
from layouts.components import root_code
from layouts.shell import live_stores

# Component ids of the wall; the view's own (VIEW, VIEW_BODY, the live stores) are reused, so the
# view's callbacks and the socket glue's client-side patches apply to the wall unchanged.
CONF = "wall-conf"  # {home, tour, views, reload, stale, rotate, lang}: the URL's settings, fixed per page
TOUR = "wall-tour"  # the codes the tour rotates through (scoped on the server)
ALERTS = "wall-alerts"  # open critical alerts of the wall's unit when last read from the database
ALERTS_REFRESH = "wall-alerts-refresh"  # bumped by the browser after a resync
START_SINK = "wall-start-sink"
TOUR_SINK = "wall-tour-sink"  # outputs of the browser-side starters (nothing reads them)
ALERTS_SINK = "wall-alerts-sink"
TITLE = "wall-title"

TEXT_TABLE = {
    "wall.suffix": ("网格化指挥大屏", "Grid Command Wall"),
    "wall.bad_query": ("大屏地址参数有误：{reason}", "Wall URL parameter not usable: {reason}"),
    "wall.critical": ("紧急告警", "Critical alert"),
}
# Seconds each page of a list that does not fit (and each alert of the banner) stays on screen: a
# watcher glancing up every half minute sees three or four of them.
ROTATE = 8.0
# ?stale= replaces the browser's per-feed thresholds (seconds before amber; red at three times).
CODE = re.compile(r"^[a-z0-9-]{1,64}$")


class WallQueryError(ValueError):
    """A wall URL parameter that cannot be used; `field` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def wt(key: str, lang: str, **params: Any) -> str:
    """A wall label in the language (falls back to the shared table)."""
    pair = TEXT_TABLE.get(key)
    if pair is None:
        return t(key, lang, **params)
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def _number(query: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise WallQueryError(name, f"must be a number, got {raw!r}") from exc
    if not low <= value <= high:
        raise WallQueryError(name, f"must be between {low:g} and {high:g}, got {raw!r}")
    return value


def wall_conf(home: str, query: dict[str, Any]) -> dict[str, Any]:
    """The wall's settings from its URL: ?tour= seconds, ?views=a,b, ?reload= hours, ?stale= seconds,
    ?rotate= seconds per page of a list or alert of the banner, ?lang=zh|en. Raises WallQueryError
    naming the field for bad input."""
    views = [v.strip() for v in str(query.get("views") or "").split(",") if v.strip()]
    bad = [v for v in views if not CODE.match(v)]
    if bad:
        raise WallQueryError("views", f"not a unit code: {bad[0]!r}")
    tour = _number(query, "tour", 60.0 if views else 0.0, 0, 86400)
    if 0 < tour < 5:
        raise WallQueryError("tour", "must be 0 (off) or at least 5 seconds")
    lang = query.get("lang") or None
    if lang is not None and lang not in LANGS:
        raise WallQueryError("lang", f"must be one of {', '.join(LANGS)}, got {lang!r}")
    return {"home": home, "tour": tour, "views": views or None,
            "reload": _number(query, "reload", 24.0, 0, 24 * 30),
            "stale": _number(query, "stale", 0, 1, 86400) or None,
            "rotate": _number(query, "rotate", ROTATE, 2, 600), "lang": lang}


def wall_page(home: str, query: dict[str, Any], root: str) -> html.Div:
    """The fixed frame of a wall; the body is rendered by callbacks/wall.py."""
    try:
        conf = wall_conf(home, query)
    except WallQueryError as exc:
        lang = query.get("lang") if query.get("lang") in LANGS else DEFAULT_LANG
        return html.Div(html.Div(wt("wall.bad_query", lang, reason=str(exc)), className="view-message"),
                        className="wall-root wall-error", **{"data-field": exc.field})
    return html.Div([
        dcc.Store(id=CONF, data=conf), dcc.Store(id=TOUR),
        # The unit on screen ({code, kind, query, day}); the tour moves it, the view's callbacks
        # fill the panels from it.
        dcc.Store(id=ids.VIEW), dcc.Store(id=ids.VIEW_PANELS),
        # The view's map callback reads its measure from the control bar; a wall shows open incidents.
        dcc.Dropdown(id=ids.MEASURE, options=[{"label": "open", "value": "open"}], value="open",
                     style={"display": "none"}),
        dcc.Store(id=ALERTS), dcc.Store(id=ALERTS_REFRESH, data=0),
        html.Div(id=START_SINK, hidden=True), html.Div(id=TOUR_SINK, hidden=True),
        html.Div(id=ALERTS_SINK, hidden=True),
        *live_stores(),  # the view's live stores: the socket glue writes them
        html.Header([
            html.Div([html.Span(className="wall-mark"), html.H1(id=TITLE, className="wall-title")],
                     className="wall-brand"),
            html.Div(id="wall-tour-pos", className="wall-tour-pos"),
            html.Div([html.Div(className="wall-time"), html.Div(className="wall-date")],
                     id="wall-clock", className="wall-clock"),
            html.Div([html.Span(className="wall-conn-dot"), html.Span(className="wall-conn-text")],
                     id="wall-conn", className="wall-conn", **{"data-state": "connecting"}),
        ], className="wall-head"),
        html.Div(id="wall-banner", className="wall-banner", hidden=True),
        # The unit view itself (callbacks/view.py renders it here), laid out by assets/80_wall.css.
        html.Div(id=ids.VIEW_BODY, className="view-body wall-body"),
        html.Div(id="wall-flash-layer", className="wall-flash-layer"),
    ], className="wall-root", **{"data-home": home, "data-root": root})


def wall_city_page(**query: Any) -> html.Div:
    """Page `/wall/city`."""
    root = root_code()
    return wall_page(root, query, root)


def wall_unit_page(code: str | None = None, **query: Any) -> html.Div:
    """Page `/wall/unit/<code>`."""
    root = root_code()
    return wall_page(code or root, query, root)
