"""The view of one unit grid (the leaf): boundary, staff and tracks, incidents, supervision."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.core.i18n import t
from layouts import ids
from layouts.columns import incident_columns, overdue_columns, staff_columns
from layouts.components import data_grid, graph, in_area, map_legend, panel
from layouts.controls import control_bar, detail_panel


def grid_body(path: list[dict[str, Any]], query: dict[str, Any], choice: str, period_range: tuple[str, str],
              lines: list[dict[str, Any]], lang: str) -> html.Div:
    """The whole grid view; the same live slots as a unit view, plus its staff and incidents."""
    return html.Div([
        control_bar(path, query, choice, period_range, lines, lang, show_measure=False),
        dcc.Store(id=ids.VIEW_READY),  # set once the map is drawn: live changes patch it then
        html.Div([
            panel(t("panel.map", lang), [graph(ids.MAP), map_legend()], area="map"),
            html.Div(id=ids.KPIS, **in_area("kpis", "kpis")),
            panel(t("panel.staff", lang),
                  data_grid(ids.GRID_STAFF, staff_columns(lang), lang, row_id="params.data.id"),
                  area="staff"),
            # The grid's open and recent incidents; it is the view's live ticker too.
            panel(t("panel.incidents", lang), data_grid(ids.TICKER, incident_columns(lang), lang),
                  area="incidents"),
            panel(t("panel.overdue_list", lang), data_grid(ids.OVERDUE_LIST, overdue_columns(lang), lang),
                  area="overdue"),
            panel(t("panel.open_by_state", lang), graph(ids.OPEN_BY_STATE), area="states"),
            panel(t("panel.supervision", lang), graph(ids.SUPERVISION), area="supervision"),
        ], className="grid-grid"),
        detail_panel(lang),
    ], className="view grid-view", **{"data-level": "grid"})
