"""Drill-down and filters: everything that changes what is shown changes the URL, so back and
forward work and a view can be bookmarked; period and line ride along in the query."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from layouts import ids
from layouts.components import unit_path, view_href
from layouts.map_layers import DRILL_TAG
from layouts.period import period_query

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
    return view_href(unit_path(view["code"]), query)


def show_range(choice: str | None) -> dict[str, str]:
    """The date-range picker shows only for a custom period."""
    return {} if choice == "custom" else {"display": "none"}


def map_drill(click: dict | None, view: dict | None) -> Any:
    """A tap on a child region of the map (or on a town's staff disc) opens that unit's view."""
    points = (click or {}).get("points") or []
    point = points[0] if points else {}
    custom = point.get("customdata")
    tagged = isinstance(custom, list) and len(custom) == 3 and custom[1] == DRILL_TAG
    code = point.get("location") or (custom[0] if tagged else None)
    if not code or not view or view.get("kind") == "grid":
        return no_update
    return view_href(unit_path(code), _query(view))


def list_drill(cell: dict | None, view: dict | None) -> Any:
    """A click on a row of the children list opens that child's view."""
    code = (cell or {}).get("rowId")
    if not code or not view:
        return no_update
    return view_href(unit_path(code), _query(view))


def register(app: Dash) -> None:
    """Attach the navigation callbacks."""
    app.callback(NAV, Input(ids.PERIOD, "value"), Input(ids.PERIOD_RANGE, "start_date"),
                 Input(ids.PERIOD_RANGE, "end_date"), Input(ids.LINE, "value"),
                 State(ids.VIEW, "data"),
                 prevent_initial_call=True)(filters_changed)
    app.callback(Output(ids.PERIOD_RANGE, "style"), Input(ids.PERIOD, "value"),
                 prevent_initial_call=True)(show_range)
    app.callback(NAV, Input(ids.MAP, "clickData"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(map_drill)
    app.callback(NAV, Input(ids.CHILDREN, "cellClicked"), State(ids.VIEW, "data"),
                 prevent_initial_call=True)(list_drill)
