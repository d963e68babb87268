"""The detail panel: a click on an incident (any list, or its marker on the map) opens its timeline."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks import data
from dashboard.core.i18n import lang_of
from layouts import ids
from layouts.detail import detail_body

OPEN = (Output(ids.DETAIL, "is_open", allow_duplicate=True),
        Output(ids.DETAIL_BODY, "children", allow_duplicate=True))


def show_incident(incident_id: str | None, lang: str | None) -> tuple[Any, Any]:
    """Open the panel on one incident (outside the caller's jurisdiction shows nothing)."""
    if not incident_id:
        return no_update, no_update
    return True, detail_body(data.incident(incident_id), lang_of(lang))


def from_row(cell: dict | None, lang: str | None) -> tuple[Any, Any]:
    """A click on a list row: the row id is the incident id."""
    return show_incident((cell or {}).get("rowId"), lang)


def from_map(click: dict | None, lang: str | None) -> tuple[Any, Any]:
    """A click on an incident marker (regions drill down instead; staff markers do nothing)."""
    points = (click or {}).get("points") or []
    point = points[0] if points else {}
    custom = point.get("customdata")
    # Incident markers carry [id, state]; supervision halos [incident]; staff [id, name, role].
    if "location" in point or not isinstance(custom, list) or len(custom) not in (1, 2):
        return no_update, no_update
    return show_incident(custom[0], lang)


def register(app: Dash) -> None:
    """Attach the detail-panel callbacks (one per source, all opening the same panel)."""
    lang = State(ids.LANG, "data")
    for source in (ids.TICKER, ids.OVERDUE_LIST):
        app.callback(*OPEN, Input(source, "cellClicked"), lang, prevent_initial_call=True)(from_row)
    app.callback(*OPEN, Input(ids.MAP, "clickData"), lang, prevent_initial_call=True)(from_map)
