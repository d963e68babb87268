"""Small building blocks shared by the views: panels, KPI tiles, graphs, grids, breadcrumb."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import current_app

from dashboard.core.i18n import TABLE, t, unit_name
from layouts import ids
from layouts.figures import placeholder_figure
from layouts.theme import BACKGROUND, FONT_FAMILY, PANEL, TEXT

GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False, "scrollZoom": True, "responsive": True}
# AG Grid's Theming API, dark, in the page's own fonts (no web fonts fetched).
GRID_THEME = {"function": (
    f"themeQuartz.withParams({{backgroundColor: '{PANEL}', foregroundColor: '{TEXT}', "
    f"headerBackgroundColor: '#18233d', oddRowBackgroundColor: '{BACKGROUND}', "
    "borderColor: '#22304d', accentColor: '#56B4E9', fontSize: 14, "
    f"fontFamily: '{FONT_FAMILY.replace(chr(39), '')}', spacing: 5}})")}


def view_href(path: str, query: dict[str, Any]) -> str:
    """A view's URL keeping the period and line query (drill-down keeps them)."""
    kept = {k: v for k, v in query.items() if k in ("period", "from", "to", "line") and v}
    return f"{path}?{urlencode(kept)}" if kept else path


def root_code() -> str:
    """The code of the unit tree's root, the city, as the running app's database holds it."""
    return current_app.extensions["dashboard"].root()


def unit_path(code: str, root: str) -> str:
    """The stable URL path of a unit's view: /city for the tree's root, /unit/<code> below it."""
    return "/city" if code == root else f"/unit/{code}"


def dropdown_labels(lang: str) -> dict[str, str]:
    """The words inside Dash's dropdowns (search box, clear, no match) in the language."""
    keys = ("search", "clear_search", "clear_selection", "no_options_found", "select_all", "deselect_all")
    labels = {k: t(f"dropdown.{k}", lang) for k in keys}
    labels["selected_count"] = TABLE["dropdown.selected_count"][1 if lang == "en" else 0]
    return labels


def in_area(area: str, class_name: str = "") -> dict[str, Any]:
    """The props that place a block in the view grid's named area (70_views.css names the areas;
    `area-<name>` lets the wall and tablet styles find the block)."""
    return {"className": f"{class_name} area-{area}".strip(), "style": {"gridArea": area}}


def panel(title: str, body: Any, *, area: str, extra: Any = None, ident: str | None = None,
          title_id: str | None = None) -> html.Section:
    """A titled panel in the view grid's `area`; `body` is one component or a list of them
    (`ident` and `title_id`: ids for a panel whose place and title a drill changes)."""
    header = [html.H2(title, className="panel-title", **({"id": title_id} if title_id else {}))]
    if extra is not None:
        header.append(html.Div(extra, className="panel-extra"))
    return html.Section([html.Header(header, className="panel-head"),
                         *(body if isinstance(body, list) else [body])], **in_area(area, "panel"),
                        **({"id": ident} if ident else {}))


def map_legend() -> html.Div:
    """The slot of the map's legend, under the map (filled with the map, callbacks/unit.py)."""
    return html.Div(id=ids.MAP_LEGEND, className="map-legend")


def graph(component_id: str, height: str = "100%", class_name: str = "") -> dcc.Graph:
    """A Plotly graph slot (figure filled by a callback), without the mode bar; dark from its first
    frame (an empty dcc.Graph would draw Plotly's white default while the figure is on its way)."""
    return dcc.Graph(id=component_id, figure=placeholder_figure(), config=GRAPH_CONFIG,
                     style={"height": height}, className=f"graph {class_name}".strip())


# Each calls fitWords (assets/32_list_fit.js): rows came or changed, or the list changed size.
FIT_EVENTS = ("firstDataRendered", "modelUpdated", "gridSizeChanged")


def data_grid(component_id: str, columns: list[dict[str, Any]], lang: str, *,
              row_id: str = "params.data.id", height: str = "100%", rows: list[dict[str, Any]] | None = None,
              **options: Any) -> dag.AgGrid:
    """A dash-ag-grid list in the dark theme, empty or with its first `rows`; rows keep their id so
    live updates patch in place."""
    # Every column rendered (a list has a handful): fitWords measures the word columns' cells, and
    # a column scrolled out of sight kept AG Grid's 200 px default.
    grid_options = {"theme": GRID_THEME, "getRowId": {"function": row_id}, "animateRows": False,
                    "suppressCellFocus": True, "suppressColumnVirtualisation": True,
                    "localeText": {"noRowsToShow": t("empty", lang), "loadingOoo": "…"}, **options}
    return dag.AgGrid(id=component_id, columnDefs=columns, rowData=rows or [], dashGridOptions=grid_options,
                      # A header longer than its column wraps (the row of headers grows) rather
                      # than ending in "…" ("Median accept…" on a portrait tablet in English).
                      defaultColDef={"resizable": True, "sortable": True, "minWidth": 60,
                                     "wrapHeaderText": True, "autoHeaderHeight": True},
                      columnSize="responsiveSizeToFit", style={"height": height, "width": "100%"},
                      eventListeners={event: ["fitWords(params)"] for event in FIT_EVENTS},
                      className="data-grid")


def kpi(key: str, label: str, value: str = "—", sub: str = "", tone: str = "") -> html.Div:
    """One figure tile: a big number, its label and an optional second line."""
    return html.Div([
        html.Div(label, className="kpi-label"),
        html.Div(value, className="kpi-value"),
        html.Div(sub, className="kpi-sub"),
    ], className=f"kpi {tone}".strip(), **{"data-kpi": key})


def breadcrumb(path: list[dict[str, Any]], query: dict[str, Any], lang: str) -> dbc.Breadcrumb:
    """莆田市 › 荔城区 › … › 网格: every level but the current one is a link up."""
    root = path[0]["code"] if path else None  # the path runs from the root down
    items = [{"label": unit_name(u, lang), "href": view_href(unit_path(u["code"], root), query),
              "external_link": False} for u in path[:-1]]
    if path:
        items.append({"label": unit_name(path[-1], lang), "active": True})
    return dbc.Breadcrumb(items=items, className="crumbs")


def message(text_key: str, lang: str, **params: Any) -> html.Div:
    """A full-width notice in place of a view (unknown unit, outside jurisdiction)."""
    return html.Div(t(text_key, lang, **params), className="view-message")
