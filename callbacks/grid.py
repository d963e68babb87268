"""Callbacks of the grid view only: its staff with their live status."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks import data
from callbacks.scope import ViewRefused
from dashboard.core.i18n import lang_of
from layouts import ids
from layouts.rows import staff_rows


def update_staff(view: dict | None, dirty: object, lang: str | None) -> list[dict]:
    """The grid's assigned staff with status and when each was last seen."""
    lang = lang_of(lang)
    try:
        return staff_rows(data.grid_people(view), lang)
    except ViewRefused:
        return []


def register(app: Dash) -> None:
    """Attach the grid-view callbacks."""
    app.callback(Output(ids.GRID_STAFF, "rowData"), Input(ids.VIEW, "data"),
                 Input(ids.LIVE_DIRTY, "data"), State(ids.LANG, "data"))(update_staff)
