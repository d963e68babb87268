"""The view of a city, district, town or village: map and figures of its children, live."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.core.i18n import t
from layouts import ids
from layouts.columns import children_columns, department_columns, overdue_columns, ticker_columns
from layouts.components import data_grid, graph, in_area, map_legend, panel
from layouts.controls import control_bar, detail_panel


def unit_body(path: list[dict[str, Any]], query: dict[str, Any], choice: str, period_range: tuple[str, str],
              lines: list[dict[str, Any]], lang: str) -> html.Div:
    """The whole unit view; every figure and list is an empty slot its callback fills."""
    return html.Div([
        control_bar(path, query, choice, period_range, lines, lang),
        dcc.Store(id=ids.VIEW_READY),
        html.Div([
            # The map's canvas stays hidden until MapLibre has drawn it whole (30_clientside.js).
            panel(t("panel.map", lang), [graph(ids.MAP, class_name="map-drawing"), map_legend()],
                  area="map"),
            html.Div(id=ids.KPIS, **in_area("kpis", "kpis")),
            panel(t("panel.open_by_state", lang), graph(ids.OPEN_BY_STATE), area="states"),
            panel(t("panel.supervision", lang), graph(ids.SUPERVISION), area="supervision"),
            panel(t("panel.funnel", lang), graph(ids.FUNNEL), area="funnel"),
            panel(t("panel.trend", lang), graph(ids.TREND), area="trend"),
            panel(t("panel.breakdown", lang), graph(ids.BREAKDOWN), area="breakdown"),
            panel(t("panel.ticker", lang), data_grid(ids.TICKER, ticker_columns(lang), lang),
                  area="ticker"),
            panel(t("panel.overdue_list", lang), data_grid(ids.OVERDUE_LIST, overdue_columns(lang), lang),
                  area="overdue"),
            panel(t("panel.children", lang),
                  data_grid(ids.CHILDREN, children_columns(lang), lang, row_id="params.data.code"),
                  area="children"),
            panel(t("panel.departments", lang),
                  data_grid(ids.DEPARTMENTS, department_columns(lang), lang, row_id="params.data.department"),
                  area="departments"),
        ], className="unit-grid"),
        detail_panel(lang),
    ], id=ids.VIEW_LEVEL, className="view unit-view", **{"data-level": path[-1]["level"] if path else ""})
