"""Callbacks of the grid view only: its staff with their live status."""

from __future__ import annotations

from dash import Dash, Input, Output, State
from dash.exceptions import PreventUpdate

from callbacks import data
from callbacks.scope import ViewRefused
from dashboard.core.i18n import lang_of
from layouts import ids
from layouts.rows import staff_rows


def update_staff(view: dict | None, dirty: object, lang: str | None) -> list[dict]:
    """The grid's assigned staff with status and when each was last seen (a unit's view does not
    show the list: layouts/unit.py)."""
    if not view or view.get("kind") != "grid":
        raise PreventUpdate
    lang = lang_of(lang)
    try:
        return staff_rows(data.grid_people(view), lang)
    except ViewRefused:
        return []


def register(app: Dash) -> None:
    """Attach the grid-view callbacks."""
    # VIEW_PANELS: on a drill into a grid, the list follows once its map is drawn (callbacks/unit.py).
    app.callback(Output(ids.GRID_STAFF, "rowData"), Input(ids.VIEW_PANELS, "data"),
                 Input(ids.LIVE_DIRTY, "data"), State(ids.LANG, "data"))(update_staff)
