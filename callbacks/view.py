"""Render a view's body in the chosen language and tell the live glue what to subscribe to."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update, set_props

from callbacks import scope
from callbacks.navigation import child_links
from callbacks.shell_cb import status_words
from callbacks.unit import first_numbers
from dashboard.core.i18n import (
    LEVEL_NAMES,
    MONTH_NAMES,
    SEVERITY_NAMES,
    STAGE_NAMES,
    STATE_NAMES,
    WEEKDAY_NAMES,
    lang_of,
    name_of,
    t,
    unit_name,
)
from dashboard.geo import boundaries
from dashboard.queries.catalog import business_items, business_lines
from dashboard.queries.units import ancestors, children, unit_ref
from layouts import ids
from layouts.components import breadcrumb, message
from layouts.figures_map import AGGREGATE_LEVELS
from layouts.period import is_live
from layouts.theme import PALETTE
from layouts.unit import kind_props, view_body


def live_names(kids: list[dict[str, Any]], items: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The small name tables the browser needs to label live events without asking the server."""
    return {"units": {k["code"]: unit_name(k, lang) for k in kids},
            "items": {i["code"]: unit_name(i, lang) for i in items},
            "states": {s: name_of(STATE_NAMES, s, lang) for s in STATE_NAMES},
            "levels": {lv: name_of(LEVEL_NAMES, lv, lang) for lv in LEVEL_NAMES},
            "stages": {st: name_of(STAGE_NAMES, st, lang) for st in STAGE_NAMES},
            "severities": {str(k): name_of(SEVERITY_NAMES, k, lang) for k in SEVERITY_NAMES},
            **status_words(lang),
            # Wall mode's marks and clock (assets/25_wall.js).
            "wall": {**{k: t(f"wall.fresh.{k}", lang) for k in ("ok", "amber", "red")},
                     "critical": t("wall.critical", lang), "more": t("wall.more", lang)},
            "clock": {"date": t("clock.date", lang),
                      "week": [name_of(WEEKDAY_NAMES, d, lang) for d in range(7)],
                      "months": [name_of(MONTH_NAMES, m, lang) for m in range(1, 13)]}}


def render_view(view: dict | None, lang: str | None, shown: dict | None = None) -> tuple[Any, dict | None]:
    """The body of the view (unit or grid) and the live subscription for it; on a drill in place
    (see `view_parts`) the body stays and only the breadcrumb and the level are set."""
    body, sub, in_place = view_parts(view, lang, shown)
    for component, props in in_place.items():
        set_props(component, props)
    return body, sub


def view_parts(view: dict | None, lang: str | None,
               shown: dict | None = None) -> tuple[Any, dict | None, dict[str, dict[str, Any]]]:
    """The body of the view, its live subscription, and the props to set on components already
    on screen. When the page already shows a unit view's body in this language (`shown`, its live
    subscription) and the new view is a unit view too (a drill in place), the body is left as it
    is (no_update) and only the breadcrumb and the level are set: any change of the body, even a
    Patch of its control bar, makes Dash run every callback with an output inside it again (the
    map's figure a second time, the panels for the last view; bench.screens --trace, 2026-12-04),
    and the period, line and measure controls are the same between unit views. Into a grid, the
    body's kind changes in place too (layouts/unit.py `kind_props`: which panels show, the
    ticker's title and columns), so its map is redrawn rather than built again."""
    lang = lang_of(lang)
    try:
        with scope.session() as s:
            vs = scope.open_view(s, view)
            path = [unit_ref(u) for u in ancestors(s, vs.unit.code)]
            lines = business_lines(s)
            units = children(s, vs.unit.code)
            kids = [unit_ref(c) for c in units]
            items = business_items(s)
            links = child_links(s, units, view, path, lang)
            regions = boundaries.url(s, vs.unit)
    except scope.ViewRefused as refused:
        return message(refused.key, lang, **refused.params), None, {}
    period_range = (vs.period.start.isoformat(), vs.period.end.isoformat())
    sub = {"unit": vs.unit.code, "level": vs.unit.level, "depth": len(path), "lang": lang,
           "live": is_live(vs.period), "line": vs.line, "names": live_names(kids, items, lang),
           "palette": PALETTE, "aggregate": vs.unit.level in AGGREGATE_LEVELS, "children": links,
           "regions": regions}
    if shown and shown.get("lang") == lang and shown.get("level") != "grid":
        # Into a grid, the grid's panels around the same map as well.
        in_place = kind_props("grid", lang) if vs.unit.level == "grid" else {ids.VIEW_LEVEL: {}}
        in_place[ids.VIEW_LEVEL] = in_place[ids.VIEW_LEVEL] | {"data-level": vs.unit.level}
        in_place[ids.BREADCRUMB] = {"children": breadcrumb(path, vs.query, lang)}
        return no_update, sub, in_place
    return view_body(path, vs.query, vs.choice, period_range, lines, lang, first_numbers(view, lang)), sub, {}


def register(app: Dash) -> None:
    """Attach the view renderer."""
    app.callback(Output(ids.VIEW_BODY, "children"), Output(ids.LIVE_SUB, "data"),
                 Input(ids.VIEW, "data"), State(ids.LANG, "data"), State(ids.LIVE_SUB, "data"))(render_view)
