"""Callbacks filling a view's figures and lists: fetch, build, return.

A view change (new unit, period, line, language) sends full figures; a live change (the glue
bumps LIVE_DIRTY) sends `Patch` objects that touch only the numbers that moved.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import MissingCallbackContextException, PreventUpdate
from plotly.io.json import to_json_plotly

from callbacks import data
from callbacks.scope import ViewRefused
from dashboard.core.i18n import lang_of, t
from layouts import ids
from layouts.figures import (
    breakdown_figure,
    funnel_figure,
    loop_steps,
    open_by_state_figure,
    open_by_state_patch,
    supervision_figure,
    supervision_patch,
    trend_figure,
)
from layouts.figures_map import STAFF_TRACES_AT, map_figure, measure_value
from layouts.map_layers import TRACE_POSITIONS, staff_traces
from layouts.map_legend import legend_block, legend_rows
from layouts.rows import children_rows, department_rows, kpi_tiles, overdue_rows, ticker_rows
from layouts.theme import empty_figure


def _live_trigger() -> bool:
    """Whether the running callback was set off by a live change (False outside a callback)."""
    try:
        return ctx.triggered_id == ids.LIVE_DIRTY
    except MissingCallbackContextException:
        return False


def _live_patch(view: dict | None, ready: dict | None) -> bool:
    """Whether a live change may be sent as a patch: only to a view whose map is drawn (ready is
    that view). A drill's first, whole figures can still be on their way, and a newer request for
    the same output makes Dash drop them: a patch then lands on no figure ("Cannot patch
    undefined") and the new view's map is never drawn (seen at 20x, bench.screens)."""
    return _live_trigger() and ready is not None and ready == view


def update_figures(view: dict | None, dirty: Any, lang: str | None,
                   ready: dict | None = None) -> tuple[Any, Any, Any]:
    """KPI tiles, open-by-stage and supervision-by-level; live changes patch the bars."""
    return figures_for(view, lang, live=_live_patch(view, ready))


def figures_for(view: dict | None, lang: str | None, live: bool) -> tuple[Any, Any, Any]:
    """The figures of `update_figures`: full on a view change, patches on a live change."""
    lang = lang_of(lang)
    try:
        f = data.figures(view)
    except ViewRefused:
        return [], empty_figure(""), empty_figure("")
    if live:
        if not f["live"]:
            return no_update, no_update, no_update
        return (kpi_tiles(f, lang), open_by_state_patch(f["open_by_state"], lang),
                supervision_patch(f["supervision_by_level"], lang))
    return (kpi_tiles(f, lang), open_by_state_figure(f["open_by_state"], lang),
            supervision_figure(f["supervision_by_level"], lang))


def first_numbers(view: dict | None, lang: str | None) -> tuple[list, list[dict[str, Any]]]:
    """The figure tiles and (a unit's view) the sub-unit list a new body holds from its first
    frame. A cold load's figures were readable only after Plotly and the map's first drawing had
    held the page's main thread for a second (bench.screens, 2026-12-05). Their callbacks still
    run when the body appears, as before: the live subscription starts with the body, so what
    happened between this read and it reaches the screen through them."""
    lang = lang_of(lang)
    try:
        tiles = kpi_tiles(data.figures(view), lang)
        rows = [] if _grid_view(view) else children_rows(data.children_rows(view), lang)
    except ViewRefused:
        return [], []
    return tiles, rows


def map_key(view: dict | None, measure: str | None, lang: str | None) -> str:
    """What a map's figure is of: the view, the measure and the language (a map document's key)."""
    return json.dumps([view, measure or "open", lang_of(lang)], sort_keys=True, separators=(",", ":"))


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(to_json_plotly(value).encode()).hexdigest()[:16]


def map_parts(figure: Any) -> list[str]:
    """Fingerprints of a map's figure as it goes over the wire: its layout, then each trace; the
    live positions count as always the same (they move by the second, and a map drawn from a
    prefetched document takes the current ones from the socket's snapshot, assets/20_live.js)."""
    return [_fingerprint(figure.layout),
            *("" if trace.meta == TRACE_POSITIONS else _fingerprint(trace) for trace in figure.data)]


def _since_drawn(figure: Any, legend: Any, drawn: list[str] | None) -> tuple[Any, Any]:
    """What to send a map drawn from a document whose fingerprints were `drawn`: nothing when it is
    the same, the traces that changed as a Patch when only traces changed (a new incident redraws
    the incidents' layer, not the map), the whole figure otherwise."""
    parts = map_parts(figure)
    if parts == drawn:
        return no_update, no_update
    if not drawn or len(drawn) != len(parts) or drawn[0] != parts[0]:
        return figure, legend
    patch = Patch()
    for at, (old, new) in enumerate(zip(drawn[1:], parts[1:], strict=True)):
        if old != new:
            patch["data"][at] = figure.data[at]
    return patch, legend


def update_map(view: dict | None, measure: str | None, dirty: Any, lang: str | None,
               ready: dict | None = None, drawn_from: dict | None = None) -> tuple[Any, Any]:
    """The map and its legend on a view change; on a live change only the regions' colours are
    patched (the legend stays: its layers and caps come with a full redraw). When a drill has
    already drawn this view's map from a prefetched document (`drawn_from`, callbacks/map_prefetch.py),
    only what has changed since is sent (`_since_drawn`): the browser would otherwise draw it again.
    A grid's map is drawn in "open" whatever the hidden measure control holds (layouts/unit.py)."""
    if _grid_view(view):
        measure = "open"
    live = _live_patch(view, ready)
    figure, legend = map_and_legend(view, measure, dirty, lang, live=live)
    if not live and drawn_from and drawn_from.get("key") == map_key(view, measure, lang) \
            and hasattr(figure, "data"):
        return _since_drawn(figure, legend, drawn_from.get("parts"))
    return figure, legend


def map_for(view: dict | None, measure: str | None, dirty: Any, lang: str | None, live: bool) -> Any:
    """The figure of `update_map` (a Patch of the regions' values on a live change)."""
    return map_and_legend(view, measure, dirty, lang, live)[0]


def map_and_legend(view: dict | None, measure: str | None, dirty: Any, lang: str | None,
                   live: bool) -> tuple[Any, Any]:
    """The map's figure (or a Patch) and its legend's lines (or no_update)."""
    lang = lang_of(lang)
    measure = measure or "open"
    try:
        if live:
            if not (dirty or {}).get("resync"):
                return (_patch_map(data.region_figures(view), data.staff_groups(view), measure, lang),
                        no_update)
        rows = data.map_rows(view, measure)
    except ViewRefused:
        return empty_figure(""), []
    staff = "aggregate" if rows["staff_groups"] is not None else "dots"
    return (map_figure(rows["regions"], measure, lang, incidents=rows["incidents"],
                       supervision=rows["supervision"], positions=rows["positions"], tracks=rows["tracks"],
                       staff_groups=rows["staff_groups"], revision=rows["code"], tiles=rows.get("tiles"),
                       highlight=rows.get("highlight"), geojson=rows.get("geojson")),
            legend_block(legend_rows(lang, staff=staff, caps=rows["caps"])))


def _patch_map(children: list[dict[str, Any]], groups: list[dict[str, Any]] | None, measure: str,
               lang: str) -> Any:
    """The regions' values and (wide views) the staff counted per town, as one Patch."""
    patch, touched = Patch(), False
    # Counts alone do not move these: residents, patrol hours and coverage come with a full redraw.
    if measure not in ("per_1000", "per_patrol_hour", "coverage"):
        patch["data"][0]["z"] = [measure_value({"figures": c["figures"]}, measure) for c in children]
        touched = True
    if groups is not None:  # every town of the view, in the figure's order: only counts move
        for at, trace in enumerate(staff_traces(groups, lang), start=STAFF_TRACES_AT):
            for key in ("customdata", "text"):
                if trace[key] is not None:
                    patch["data"][at][key] = list(trace[key])
            patch["data"][at]["marker"]["size"] = list(trace.marker.size)
        touched = True
    return patch if touched else no_update


def update_lists(view: dict | None, dirty: Any, lang: str | None,
                 ready: dict | None = None) -> tuple[Any, Any]:
    """The ticker of newest incidents and the open supervision items (re-read after a resync;
    otherwise live rows arrive by row transactions in the browser)."""
    if _live_patch(view, ready) and not (dirty or {}).get("resync"):
        return no_update, no_update
    lang = lang_of(lang)
    try:
        rows = data.lists(view)
    except ViewRefused:
        return [], []
    return (ticker_rows(rows["incidents"], rows["names"], lang),
            overdue_rows(rows["supervision"], rows["names"], lang))


def _wait_for_map(view: dict | None) -> None:
    """Panels below the fold start once the map is drawn (VIEW_READY): on a cold load they would
    otherwise share the two cores with the map the wall is read by. A grid's view does not show
    them (layouts/unit.py)."""
    if view is None:
        raise PreventUpdate
    _unit_only(view)


def _grid_view(view: dict | None) -> bool:
    """Whether the view is a grid's (its panels and map differ from a unit's: layouts/unit.py)."""
    return bool(view) and view.get("kind") == "grid"


def _unit_only(view: dict | None) -> None:
    """A panel a grid's view does not show (layouts/unit.py): not filled for one."""
    if _grid_view(view):
        raise PreventUpdate


def update_funnel(view: dict | None, lang: str | None) -> Any:
    """The seven-step loop."""
    _wait_for_map(view)
    lang = lang_of(lang)
    try:
        rows = data.loop(view)
    except ViewRefused:
        return empty_figure("")
    return funnel_figure(loop_steps(rows["funnel"], rows["collected"], rows["patrolled"],
                                    rows["supervision"]), lang)


def update_trend(view: dict | None, lang: str | None) -> Any:
    """Collected and closed over time."""
    _wait_for_map(view)
    lang = lang_of(lang)
    try:
        frame, bucket = data.trend(view)
    except ViewRefused:
        return empty_figure("")
    return trend_figure(frame, bucket, lang)


def update_breakdown(view: dict | None, lang: str | None) -> Any:
    """By business line and item."""
    _wait_for_map(view)
    lang = lang_of(lang)
    try:
        lines, items = data.breakdown(view)
    except ViewRefused:
        return empty_figure(t("empty", lang))
    return breakdown_figure(lines, items, lang)


def update_children(view: dict | None, dirty: Any, lang: str | None) -> Any:
    """The children list with figures (also refreshed on live changes)."""
    _unit_only(view)
    lang = lang_of(lang)
    try:
        return children_rows(data.children_rows(view), lang)
    except ViewRefused:
        return []


def update_departments(view: dict | None, lang: str | None) -> Any:
    """The department board."""
    _wait_for_map(view)
    lang = lang_of(lang)
    try:
        return department_rows(data.departments(view), lang)
    except ViewRefused:
        return []


def register(app: Dash) -> None:
    """Attach the figure and list callbacks shared by unit and grid views, and the unit-only ones."""
    view, lang = Input(ids.VIEW, "data"), State(ids.LANG, "data")
    dirty = Input(ids.LIVE_DIRTY, "data")
    drawn = State(ids.VIEW_READY, "data")
    # The panels read the view from VIEW_PANELS: a copy of the view (they fill at once, before the
    # map), except on a drill in place, where it is set once the map is drawn: they follow it.
    app.clientside_callback(ClientsideFunction("gridLive", "panelsView"), Output(ids.VIEW_PANELS, "data"),
                            view)
    panels = Input(ids.VIEW_PANELS, "data")
    app.callback(Output(ids.KPIS, "children"), Output(ids.OPEN_BY_STATE, "figure"),
                 Output(ids.SUPERVISION, "figure"), panels, dirty, lang, drawn)(update_figures)
    app.callback(Output(ids.MAP, "figure"), Output(ids.MAP_LEGEND, "children"), view,
                 Input(ids.MEASURE, "value"), dirty, lang, drawn,
                 State(ids.MAP_DRAWN_FROM, "data"))(update_map)
    app.callback(Output(ids.TICKER, "rowData"), Output(ids.OVERDUE_LIST, "rowData"), panels, dirty,
                 lang, drawn)(update_lists)
    app.callback(Output(ids.CHILDREN, "rowData"), panels, dirty, lang)(update_children)
    # The rest waits for the map (assets/30_clientside.js, viewReady).
    app.clientside_callback(ClientsideFunction("gridLive", "viewReady"), Output(ids.VIEW_READY, "data"),
                            Input(ids.MAP, "figure"), State(ids.VIEW, "data"), State(ids.VIEW_READY, "data"))
    ready = Input(ids.VIEW_READY, "data")
    app.callback(Output(ids.FUNNEL, "figure"), ready, lang)(update_funnel)
    app.callback(Output(ids.TREND, "figure"), ready, lang)(update_trend)
    app.callback(Output(ids.BREAKDOWN, "figure"), ready, lang)(update_breakdown)
    app.callback(Output(ids.DEPARTMENTS, "rowData"), ready, lang)(update_departments)
