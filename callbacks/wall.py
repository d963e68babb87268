"""Wall mode callbacks: the tour's stops, the title, and the open critical alerts for the banner.
Every one opens its unit through `scope.open_view`, so a wall (or anybody) sees only its
jurisdiction whatever the browser sends. The body is the unit view (callbacks/view.py, unit.py)."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State

from callbacks import scope
from dashboard.actions.alerting import CRITICAL, alerts_in, payload
from dashboard.core.alert_titles import prime as prime_titles
from dashboard.core.i18n import lang_of, unit_name
from dashboard.core.models import Alert, Unit
from dashboard.core.units import root_code
from dashboard.queries.units import ancestors, children, unit_ref
from layouts import ids, wall
from layouts.shell import view_kind
from layouts.wall import wt


def effective_lang(conf: dict | None, stored: str | None) -> str:
    """The URL's ?lang= when given, else the language stored in this browser."""
    return lang_of((conf or {}).get("lang") or stored)


def _view(code: str) -> dict[str, Any]:
    return {"code": code, "kind": view_kind(code), "query": {}}


def tour_stops(conf: dict | None) -> list[str]:
    """The codes the tour rotates through: ?views= as given, else the unit then its children;
    codes the caller may not see (or that do not exist) are left out."""
    conf = conf or {}
    stops: list[str] = []
    with scope.session() as s:
        home = conf.get("home") or root_code(s)
        candidates = list(conf.get("views") or [])
        if not candidates:
            try:
                scope.open_view(s, _view(home))
            except scope.ViewRefused:
                return []
            candidates = [home] + [c.code for c in children(s, home)]
        for code in candidates:
            try:
                stops.append(scope.open_view(s, _view(code)).unit.code)
            except scope.ViewRefused:
                continue
    return stops


def wall_title(view: dict | None, conf: dict | None, stored: str | None) -> str:
    """The wall's title: the unit on screen (under its parent) and the wall's name."""
    lang = effective_lang(conf, stored)
    suffix = wt("wall.suffix", lang)
    if not view:
        return suffix
    try:
        with scope.session() as s:
            vs = scope.open_view(s, view)
            path = [unit_ref(u) for u in ancestors(s, vs.unit.code)]
    except scope.ViewRefused:
        return suffix
    return " · ".join([*(unit_name(u, lang) for u in path[-2:]), suffix])


def open_critical(conf: dict | None, refresh: Any, stored: str | None) -> list[dict[str, Any]]:
    """Open critical alerts under the wall's unit, in the caller's jurisdiction, newest first,
    each with its place spelled out in the wall's language."""
    conf = conf or {}
    lang = effective_lang(conf, stored)
    principal = scope.current_principal()
    with scope.session() as s:
        try:
            home = scope.open_view(s, _view(conf.get("home") or root_code(s))).unit
        except scope.ViewRefused:
            return []
        query = alerts_in(principal, ("open",), home).where(Alert.severity >= CRITICAL)
        rows = s.execute(query.order_by(Alert.last_at.desc(), Alert.id.desc()).limit(50)).scalars().all()
        prime_titles(s, rows)
        out = []
        for alert in rows:
            data = payload(alert)
            chain = [s.get(Unit, c) for c in data["units"][1:]]
            data["place"] = " › ".join(unit_name(unit_ref(u), lang) for u in chain if u is not None)
            out.append(data)
    return out


def register(app: Dash) -> None:
    """Attach the wall's callbacks (server-side) and its browser-side starters."""
    view, conf, lang = Input(ids.VIEW, "data"), State(wall.CONF, "data"), State(ids.LANG, "data")

    # The starter puts the first unit in the VIEW store with set_props: VIEW is on every view page,
    # and a declared Output on it would make the unit pages' own VIEW chain wait for a wall input.
    app.clientside_callback(ClientsideFunction("wall", "start"), Output(wall.START_SINK, "title"),
                            Input(wall.CONF, "data"), State(ids.LANG, "data"))
    app.callback(Output(wall.TOUR, "data"), Input(wall.CONF, "data"))(tour_stops)
    app.clientside_callback(ClientsideFunction("wall", "setTour"), Output(wall.TOUR_SINK, "title"),
                            Input(wall.TOUR, "data"))
    # The body is the unit view itself: callbacks/view.py and unit.py fill it from the VIEW store
    # the tour moves, and the socket glue follows the unit on screen.
    app.callback(Output(wall.TITLE, "children"), view, conf, lang)(wall_title)
    app.callback(Output(wall.ALERTS, "data"), Input(wall.CONF, "data"), Input(wall.ALERTS_REFRESH, "data"),
                 lang)(open_critical)
    app.clientside_callback(ClientsideFunction("wall", "setAlerts"), Output(wall.ALERTS_SINK, "title"),
                            Input(wall.ALERTS, "data"))
