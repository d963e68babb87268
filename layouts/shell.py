"""The frame around every page: title bar, search, language switch, live status, the stores the
socket glue writes into, and the pages container."""

from __future__ import annotations

import re
from typing import Any

import dash
from dash import dcc, html

from dashboard.core.i18n import DEFAULT_LANG, t
from layouts import ids
from layouts.components import root_code

GRID_CODE = re.compile(r"-g\d+$")


def shell(lang: str = DEFAULT_LANG) -> html.Div:
    """The app layout (labels are refreshed by a callback when the language changes)."""
    return html.Div([
        dcc.Store(id=ids.LANG, storage_type="local", data=DEFAULT_LANG),
        dcc.Store(id=ids.LIVE_STATE), dcc.Store(id=ids.STATUS_WORDS),
        dcc.Store(id=ids.VIEW_SHOWN),
        # A browser-side clock for the data-age text only: its callback is client-side.
        dcc.Interval(id=ids.STATUS_TICK, interval=1000),
        html.Header([
            html.Div([html.Span(className="brand-mark"),
                      html.H1(t("app.title", lang), id=ids.TITLE, className="brand-title")],
                     className="brand"),
            search_box(lang),
            html.Div([html.Span(className="status-dot"), html.Span(t("status.connecting", lang),
                                                                    className="status-text")],
                     id=ids.STATUS, className="status status-connecting", **{"data-state": "connecting"}),
            html.Button(t("lang.switch", lang), id=ids.LANG_SWITCH, n_clicks=0, className="lang-switch"),
        ], className="topbar"),
        html.Main(dash.page_container, className="page"),
    ], className="app", **{"data-ag-theme-mode": "dark"})


def search_box(lang: str) -> html.Div:
    """One text field that takes typing at the first tap, and the list of matches under it (shown
    while the field or the list has the focus; callbacks/shell_cb.py fills it)."""
    return html.Div([
        dcc.Input(id=ids.SEARCH, type="search", value="", placeholder=t("search.placeholder", lang),
                  debounce=0.25, autoComplete="off", spellCheck=False, inputMode="search",
                  className="search-input"),
        html.Ul(id=ids.SEARCH_RESULTS, className="search-results", role="listbox"),
    ], className="search")


def search_list(hits: list[dict[str, str]], asked: bool, lang: str) -> list[html.Li]:
    """The matches as links (name, then where it is), or a line saying nothing matched."""
    if not hits:
        return [html.Li(t("dropdown.no_options_found", lang), className="search-none")] if asked else []
    return [html.Li(dcc.Link([html.Span(h["name"], className="hit-name"),
                              html.Span(h["place"], className="hit-place")], href=h["href"],
                             className="search-hit"), role="option", className=f"search-option {h['kind']}")
            for h in hits]


def view_kind(code: str) -> str:
    """`grid` for a leaf grid's code, else `unit` (codes are stable: grids end in -gNN)."""
    return "grid" if GRID_CODE.search(code or "") else "unit"


def view_of(code: str, query: dict[str, Any]) -> dict[str, Any]:
    """The view a URL names: {code, kind, query} (the VIEW store's data)."""
    return {"code": code, "kind": view_kind(code), "query": {k: v for k, v in query.items() if v}}


def view_skeleton(code: str, query: dict[str, Any], root: str) -> Any:
    """What a page returns: the view's identity, its live stores and an empty body to render;
    nothing new (no_update) when a drill has already put this very view on screen in place
    (VIEW_SHOWN, passed to the page by the router as `view_shown`).

    Everything a view's callbacks listen to lives inside the page, so no callback of a view
    fires while another page (or none) is on screen."""
    shown = query.pop("view_shown", None)
    view = view_of(code, query)
    if shown is not None and shown == view:
        return dash.no_update
    return html.Div([
        dcc.Store(id=ids.VIEW, data=view), dcc.Store(id=ids.VIEW_PANELS), *live_stores(),
        html.Div(id=ids.VIEW_BODY, className="view-body"),
    ], className="view-root", **{"data-root": root})


def live_stores() -> list[dcc.Store]:
    """The stores of a view that the socket glue and a drill write into (a unit view's page and a
    wall alike): the live subscription, events, positions, the refresh mark, and which prefetched
    map document a drill drew."""
    return [dcc.Store(id=ids.LIVE_SUB), dcc.Store(id=ids.LIVE_FEED), dcc.Store(id=ids.LIVE_FEED_MAP),
            dcc.Store(id=ids.LIVE_POSITIONS), dcc.Store(id=ids.LIVE_DIRTY, data={"n": 0}),
            dcc.Store(id=ids.MAP_DRAWN_FROM)]


def city_page(**query: Any) -> html.Div:
    """Page `/city`."""
    root = root_code()
    return view_skeleton(root, query, root)


def unit_page(code: str | None = None, **query: Any) -> html.Div:
    """Page `/unit/<code>`: a district, town, village or grid."""
    root = root_code()
    return view_skeleton(code or root, query, root)


def register_pages() -> None:
    """Register the pages explicitly (the app is built with pages_folder="")."""
    dash.register_page("city", path="/city", layout=city_page, title="莆田市网格化指挥中心")
    dash.register_page("home", path="/", layout=city_page, title="莆田市网格化指挥中心")
    dash.register_page("unit", path_template="/unit/<code>", layout=unit_page,
                       title="莆田市网格化指挥中心")
    from layouts.briefing import briefing_page  # the leaders' tablet briefing (issue 5)

    dash.register_page("briefing", path="/briefing", layout=briefing_page, title="领导批阅")
    from layouts.duty import duty_page  # the duty desk (issue 5)

    dash.register_page("duty", path="/duty", layout=duty_page, title="值班台")
    from layouts.wall import wall_city_page, wall_unit_page  # wall mode (issue 5)

    dash.register_page("wall-city", path="/wall/city", layout=wall_city_page, title="莆田市网格化指挥大屏")
    dash.register_page("wall-unit", path_template="/wall/unit/<code>", layout=wall_unit_page,
                       title="莆田市网格化指挥大屏")
