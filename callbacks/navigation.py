"""Drill-down and filters: everything that changes what is shown changes the URL, so back and
forward work and a view can be bookmarked; period and line ride along in the query."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dash import ClientsideFunction, Dash, Input, Output, State, no_update
from sqlalchemy.orm import Session

from callbacks import map_prefetch, scope
from dashboard.core.models import Unit
from dashboard.core.units import root_code
from dashboard.geo import boundaries
from dashboard.queries.units import unit_ref
from layouts import ids
from layouts.components import breadcrumb, unit_path, view_href
from layouts.map_layers import DRILL_TAG
from layouts.period import period_query
from layouts.shell import view_of

NAV = Output(ids.PAGES_LOCATION, "href", allow_duplicate=True)


def _query(view: dict | None) -> dict[str, Any]:
    return dict((view or {}).get("query") or {})


def filters_changed(choice: str | None, start: str | None, end: str | None, line: str | None,
                    view: dict | None) -> Any:
    """A new period or line: the same view under a new query (custom waits for its dates)."""
    if not view or not choice:
        return no_update
    if choice == "custom" and not start:
        return no_update
    query = period_query(choice, start, end)
    if line:
        query["line"] = line
    old = {k: v for k, v in _query(view).items() if k in ("period", "from", "to", "line")}
    if query == old:
        return no_update
    return view_href(unit_path(view["code"], scope.services().root()), query)


def show_range(choice: str | None) -> dict[str, str]:
    """The date-range picker shows only for a custom period."""
    return {} if choice == "custom" else {"display": "none"}


def map_drill(click: dict | None, view: dict | None) -> Any:
    """A tap on a town's staff disc opens that town's view (a tap on a child region is a drill in
    the browser: `child_links`)."""
    points = (click or {}).get("points") or []
    point = points[0] if points else {}
    custom = point.get("customdata")
    tagged = isinstance(custom, list) and len(custom) == 3 and custom[1] == DRILL_TAG
    if point.get("location") or not tagged or not view or view.get("kind") == "grid":
        return no_update
    return view_href(unit_path(custom[0], scope.services().root()), _query(view))


def child_links(session: Session, kids: list[Unit], view: dict, path: list[dict[str, Any]],
                lang: str) -> dict[str, dict[str, Any]]:
    """What the browser needs to drill into each child without asking the server: its URL (the
    period and line kept), the view that URL names, its level and breadcrumb (`path` is the view's
    own, root first), and the URLs of its regions document and of its map (both prefetched).
    A drill is then a client-side callback (assets/31_drill.js): between unit views it puts the
    child's view on screen in place, and the router, seeing VIEW_SHOWN, leaves the page as it is."""
    links, root = {}, root_code(session)
    for kid in kids:
        href = view_href(unit_path(kid.code, root), _query(view))
        query = dict(parse_qsl(urlsplit(href).query))
        links[kid.code] = {"href": href, "view": view_of(kid.code, query), "level": kid.level,
                           "crumbs": breadcrumb([*path, unit_ref(kid)], _query(view), lang),
                           "regions": boundaries.url(session, kid), "map": map_prefetch.url(kid.code, query)}
    return links


def disc_drill(click: dict | None, _map_id: str, view: dict | None) -> Any:
    """`map_drill` as registered: with the map's id as a second input, because Dash names a callback
    with a duplicate output by its inputs alone, and the browser's `drillMap` (31_drill.js) listens to
    the same tap with the same output; under one name the browser's entry replaced the server's."""
    return map_drill(click, view)


def register(app: Dash) -> None:
    """Attach the navigation callbacks."""
    app.callback(NAV, Input(ids.PERIOD, "value"), Input(ids.PERIOD_RANGE, "start_date"),
                 Input(ids.PERIOD_RANGE, "end_date"), Input(ids.LINE, "value"),
                 State(ids.VIEW, "data"),
                 prevent_initial_call=True)(filters_changed)
    app.callback(Output(ids.PERIOD_RANGE, "style"), Input(ids.PERIOD, "value"),
                 prevent_initial_call=True)(show_range)
    app.callback(NAV, Input(ids.MAP, "clickData"), Input(ids.MAP, "id"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(disc_drill)
    taps = ((Input(ids.MAP, "clickData"), "drillMap"), (Input(ids.CHILDREN, "cellClicked"), "drillList"))
    for source, fn in taps:
        app.clientside_callback(ClientsideFunction("gridLive", fn), NAV, source, State(ids.VIEW, "data"),
                                State(ids.LIVE_SUB, "data"), State(ids.MEASURE, "value"),
                                State(ids.LANG, "data"), prevent_initial_call=True)
    # Once a view's map is drawn, its children's maps are fetched into memory (31_drill.js).
    app.clientside_callback(ClientsideFunction("gridLive", "prefetchMaps"),
                            Output(ids.MAP_DRAWN_FROM, "data", allow_duplicate=True),
                            Input(ids.VIEW_READY, "data"), State(ids.LIVE_SUB, "data"),
                            State(ids.MEASURE, "value"), State(ids.LANG, "data"), prevent_initial_call=True)
    # The router rendered a page: no view is on screen by a drill in place any more.
    app.clientside_callback("function () { return null; }",
                            Output(ids.VIEW_SHOWN, "data", allow_duplicate=True),
                            Input(ids.PAGES_CONTENT, "children"), prevent_initial_call=True)
