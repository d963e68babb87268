"""The view of a unit (city, district, town, village) or of one grid: map, figures and lists, live.

Both kinds are one body. A unit's view shows its children's map and figures, the seven-step loop,
the trend, the breakdown, the sub-units and the department board; a grid's view shows its boundary,
staff and tracks, its staff list and its incidents. The panels of the other kind are in the body
too, hidden (70_views.css): a drill from a village into one of its grids then changes a few props
(`kind_props`, set in place by callbacks/view.py) and keeps the map, where a new body would make
Dash build everything below it anew, a new MapLibre map included (about 0.5 s; bench.screens).
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.core.i18n import t
from layouts import ids
from layouts.columns import (
    children_columns,
    department_columns,
    incident_columns,
    overdue_columns,
    staff_columns,
    ticker_columns,
)
from layouts.components import data_grid, graph, in_area, map_legend, panel
from layouts.controls import control_bar, detail_panel, measure_style


def kind_of(level: str) -> str:
    """`grid` for a grid's level, else `unit`."""
    return "grid" if level == "grid" else "unit"


def kind_props(kind: str, lang: str) -> dict[str, dict[str, Any]]:
    """The props, by component id, that make the body a unit's view or a grid's: its classes (which
    panels show), the ticker's place, title and columns, and the measure control shown or not."""
    grid = kind == "grid"
    return {
        ids.VIEW_LEVEL: {"className": f"view {kind}-view"},
        ids.VIEW_PANES: {"className": f"{kind}-grid"},
        # A grid's open and recent incidents; its view's live ticker too.
        ids.TICKER_PANEL: in_area("incidents" if grid else "ticker", "panel"),
        ids.TICKER_TITLE: {"children": t("panel.incidents" if grid else "panel.ticker", lang)},
        ids.TICKER: {"columnDefs": (incident_columns if grid else ticker_columns)(lang)},
        ids.MEASURE_LABEL: {"style": measure_style(not grid)},
        ids.MEASURE: {"style": measure_style(not grid)},
    }


def view_body(path: list[dict[str, Any]], query: dict[str, Any], choice: str, period_range: tuple[str, str],
              lines: list[dict[str, Any]], lang: str, first: tuple[list, list] = ([], [])) -> html.Div:
    """The whole view of the last unit of `path`: the figure tiles and the sub-unit list hold their
    `first` numbers (callbacks/unit.py `first_numbers`), so they read from the body's first frame;
    every other figure and list is an empty slot its callback fills."""
    level = path[-1]["level"] if path else ""
    kind = kind_of(level)
    props = kind_props(kind, lang)
    ticker = props[ids.TICKER_PANEL]
    return html.Div([
        control_bar(path, query, choice, period_range, lines, lang, show_measure=kind == "unit"),
        dcc.Store(id=ids.VIEW_READY),  # set once the map is drawn: live changes patch it then
        html.Div([
            # The map's canvas stays hidden until MapLibre has drawn it whole (30_clientside.js).
            panel(t("panel.map", lang), [graph(ids.MAP, class_name="map-drawing"), map_legend()],
                  area="map"),
            html.Div(first[0], id=ids.KPIS, **in_area("kpis", "kpis")),
            # Before the other lists: a list is drawn by AG Grid, whose first drawing of each list
            # costs 0.1-0.2 s of the page's main thread, in the body's order, and Plotly's 0.8 s
            # evaluation can come between two of them (Chrome traces of cold loads, 2026-12-05).
            # Where each panel stands on screen is the stylesheets' grid areas and flex order.
            panel(t("panel.children", lang),
                  data_grid(ids.CHILDREN, children_columns(lang), lang, row_id="params.data.code",
                            rows=first[1]),
                  area="children"),
            panel(t("panel.open_by_state", lang), graph(ids.OPEN_BY_STATE), area="states"),
            panel(t("panel.supervision", lang), graph(ids.SUPERVISION), area="supervision"),
            panel(t("panel.funnel", lang), graph(ids.FUNNEL), area="funnel"),
            panel(t("panel.trend", lang), graph(ids.TREND), area="trend"),
            panel(t("panel.breakdown", lang), graph(ids.BREAKDOWN), area="breakdown"),
            panel(props[ids.TICKER_TITLE]["children"],
                  data_grid(ids.TICKER, props[ids.TICKER]["columnDefs"], lang),
                  area=ticker["style"]["gridArea"], ident=ids.TICKER_PANEL, title_id=ids.TICKER_TITLE),
            panel(t("panel.overdue_list", lang), data_grid(ids.OVERDUE_LIST, overdue_columns(lang), lang),
                  area="overdue"),
            panel(t("panel.departments", lang),
                  data_grid(ids.DEPARTMENTS, department_columns(lang), lang, row_id="params.data.department"),
                  area="departments"),
            panel(t("panel.staff", lang),
                  data_grid(ids.GRID_STAFF, staff_columns(lang), lang, row_id="params.data.id"),
                  area="staff"),
        ], id=ids.VIEW_PANES, **props[ids.VIEW_PANES]),
        detail_panel(lang),
    ], id=ids.VIEW_LEVEL, **props[ids.VIEW_LEVEL], **{"data-level": level})
