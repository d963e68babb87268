"""The map, as a pure function of rows: children as a choropleth with their names, then the
marker layers of layouts/map_layers.py (its legend is HTML beside it: layouts/map_legend.py).

Traces are found by their `meta` name (never by index) so the client-side live glue can patch
one trace in place: `positions` is ONE marker trace for every patrol position on the view.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from dashboard.core.i18n import fmt_int, fmt_number, fmt_pct, t, unit_name
from layouts import map_layers as layers
from layouts.theme import (
    CHOROPLETH_SCALE,
    FONT_FAMILY,
    REGION_OUTLINE,
    TEXT,
    anchor_layer,
    base_layout,
    map_style,
)

MEASURES = ("open", "overdue", "closure_rate", "per_1000", "per_patrol_hour", "coverage")
PERCENT_MEASURES = ("closure_rate", "coverage")
RATE_MEASURES = ("per_1000", "per_patrol_hour")  # fractions: two decimals, not whole counts
TRACE_REGIONS, TRACE_LABELS = "regions", "labels"
# Views whose map counts staff per town instead of drawing one dot per person (thousands).
AGGREGATE_LEVELS = ("city", "district")
# How near (px) a tap must land to a marker to be about the marker: a tap anywhere else drills
# into the region under it. A grid's map has nothing to drill into: its people are hovered.
TAP_SLACK_PX, GRID_HOVER_PX = 3, 20
# The staff aggregate sits right above the regions, so a live Patch can find it (see unit.py).
STAFF_TRACES_AT = 1
# How the map's traces stack, bottom to top. Each is drawn under an anchor of its own in the style
# (theme.map_style): traces sharing a `below` value have every layer removed and added again by
# Plotly on each update to keep their order (plotly.js plots/map/map.js fillBelowLookup), 22
# layers MapLibre's worker cuts anew for a count that changed; under their own anchors an update
# re-sets only the sources.
MAP_STACK = (TRACE_REGIONS, layers.TRACE_STAFF_ALL, layers.TRACE_STAFF_ON_DUTY, layers.TRACE_TRACKS,
             layers.TRACE_SUPERVISION, layers.TRACE_INCIDENTS, layers.TRACE_POSITIONS, TRACE_LABELS,
             layers.TRACE_HIGHLIGHT)


def _coords(geometry: dict[str, Any]):
    kind, coords = geometry.get("type"), geometry.get("coordinates", [])
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def view_window(geometries: list[dict[str, Any]], width_px: int = 1000,
                height_px: int = 560) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit the geometries into a map of about this size."""
    points = [p for g in geometries for p in _coords(g)]
    if not points:
        return {"lat": 25.43, "lon": 119.0}, 8.0
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    lon_span = max(max(lons) - min(lons), 1e-4)
    lat_mid = (max(lats) + min(lats)) / 2
    lat_span = max(max(lats) - min(lats), 1e-4) / math.cos(math.radians(lat_mid))
    # MapLibre zoom 0 shows the world in one 512-pixel tile.
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)), math.log2(height_px * 360 / (512 * lat_span)))
    return {"lat": lat_mid, "lon": (max(lons) + min(lons)) / 2}, round(max(zoom - 0.25, 1.0), 2)


def measure_value(row: dict[str, Any], measure: str) -> float | None:
    """A child's value for the chosen map measure (None where it cannot be computed)."""
    figs = row.get("figures", {})
    if measure == "open":
        return figs.get("open", 0)
    if measure == "overdue":
        return figs.get("overdue", 0)
    if measure == "closure_rate":
        return figs.get("closure_rate")
    if measure == "per_1000":
        population = row.get("population") or 0
        return figs.get("collected", 0) * 1000 / population if population else None
    if measure == "per_patrol_hour":
        hours = row.get("patrol_hours") or 0
        return figs.get("collected", 0) / hours if hours > 0 else None
    if measure == "coverage":
        return row.get("coverage")
    raise ValueError(f"measure: unknown map measure {measure!r}")


def _measure_text(value: float | None, measure: str, lang: str) -> str:
    if measure in PERCENT_MEASURES:
        return fmt_pct(value, lang)
    if measure in RATE_MEASURES:
        return fmt_number(value, lang, 2)
    return fmt_int(value, lang)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n not below `raw` (> 0)."""
    base = 10 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw * (1 - 1e-9))


def colorbar_ticks(values: list[float | None], measure: str,
                   lang: str) -> tuple[list[float], list[str], float | None, float | None]:
    """Tick values, their labels, and the colour range for the measure's colour bar: steps
    chosen so that no two labels read the same (counts step by whole numbers)."""
    if measure in PERCENT_MEASURES:
        ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        return ticks, [fmt_pct(v, lang, 0) for v in ticks], 0.0, 1.0
    known = [v for v in values if v is not None and not math.isnan(v)]
    if not known:
        return [], [], None, None
    lo, hi = min(known), max(known)
    integer = measure not in RATE_MEASURES
    if hi - lo <= 0:
        ticks = [lo]
        lo, hi = (lo - 1, hi + 1) if integer else (lo * 0.9, hi * 1.1 if hi else 1.0)
    else:
        step = nice_step((hi - lo) / 4)
        if integer:
            step = max(1, math.ceil(step))
        first = math.ceil(lo / step - 1e-9) * step
        ticks = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
    if integer:
        labels = [fmt_int(v, lang) for v in ticks]
    else:
        digits = max(0, -math.floor(math.log10(nice_step(max(hi - lo, 1e-9) / 4)))) if len(ticks) > 1 else 2
        labels = [fmt_number(v, lang, digits) for v in ticks]
    return ticks, labels, lo, hi


def regions_trace(children: list[dict[str, Any]], measure: str, lang: str,
                  geojson: str | None = None) -> go.Choroplethmap:
    """The current unit's children, coloured by the measure; a tap on one drills into it. With
    `geojson` (the URL of the regions' document, dashboard/geo/boundaries.py) the boundaries are not
    in the figure: the browser fetches them once and keeps them."""
    features = [] if geojson else [{"type": "Feature", "id": c["code"], "properties": {},
                                    "geometry": c["boundary"]} for c in children]
    values = [measure_value(c, measure) for c in children]
    ticks, labels, zmin, zmax = colorbar_ticks(values, measure, lang)
    return go.Choroplethmap(
        _validate=False,  # trusted rows; see map_figure
        geojson=geojson or {"type": "FeatureCollection", "features": features},
        locations=[c["code"] for c in children],
        z=[v if v is not None else float("nan") for v in values],
        customdata=[[unit_name(c, lang), _measure_text(v, measure, lang)]
                    for c, v in zip(children, values, strict=True)],
        hovertemplate="<b>%{customdata[0]}</b><br>" + t(f"measure.{measure}", lang)
        + ": %{customdata[1]}<extra></extra>",
        colorscale=CHOROPLETH_SCALE, marker=dict(opacity=0.92, line=dict(color=REGION_OUTLINE, width=1.2)),
        zmin=zmin, zmax=zmax, showscale=bool(ticks),
        colorbar=dict(title=dict(text=t(f"measure.{measure}", lang), side="right"),
                      tickmode="array", tickvals=ticks, ticktext=labels,
                      thickness=12, len=0.6, x=0.99,
                      tickfont=dict(color=TEXT), outlinewidth=0),
        meta=TRACE_REGIONS, name=t(f"measure.{measure}", lang),
    )


def deg_per_px(lat: float, zoom: float) -> float:
    """Degrees of latitude one screen pixel spans at this latitude and MapLibre zoom."""
    return math.cos(math.radians(lat)) * 360 / (512 * 2 ** zoom)


def label_point(region: dict[str, Any], alone: bool = False) -> tuple[float, float]:
    """Where a region's name goes: its stored centroid, else the middle of its outline's box. A
    region alone on its map (a grid's view) is named near its top, clear of its own markers."""
    points = list(_coords(region["boundary"])) or [(119.0, 25.43)]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    centroid = region.get("centroid") or {"lat": (min(lats) + max(lats)) / 2,
                                          "lon": (min(lons) + max(lons)) / 2}
    if alone:
        return max(lats) - (max(lats) - min(lats)) * 0.12, centroid["lon"]
    return centroid["lat"], centroid["lon"]


def labels_trace(regions: list[dict[str, Any]], lang: str) -> go.Scattermap:
    """Every region's name written on the map (MapLibre draws the glyphs with the browser's own
    fonts: no glyph server). Takes no pointer, so a tap on a name still drills."""
    where = [label_point(r, alone=len(regions) == 1) for r in regions]
    return go.Scattermap(
        _validate=False, lat=[w[0] for w in where], lon=[w[1] for w in where], mode="text",
        text=[unit_name(r, lang) for r in regions], textposition="middle center",
        textfont=dict(color="#ffffff", size=14, family=FONT_FAMILY), hoverinfo="skip",
        meta=TRACE_LABELS, name=TRACE_LABELS)


def map_figure(regions: list[dict[str, Any]], measure: str, lang: str, *,
               incidents: list[dict[str, Any]] = (), supervision: list[dict[str, Any]] = (),
               positions: list[dict[str, Any]] = (), tracks: dict[str, list[dict[str, Any]]] | None = None,
               staff_groups: list[dict[str, Any]] | None = None,
               revision: str = "", tiles: str | None = None,
               highlight: dict[str, Any] | None = None, geojson: str | None = None) -> go.Figure:
    """The whole map of a view; `revision` (the unit code) keeps the viewport across updates.
    `staff_groups` (counts per town) replaces the dots of `positions` on wide views; `tiles` is a
    raster tile URL drawn under the regions (none: fully offline); `highlight` is a person to ring
    and name; `geojson` the URL of the regions' boundaries (else they are in the figure). The
    legend is not in the figure: see layouts/map_legend.py."""
    if measure not in MEASURES:
        raise ValueError(f"measure: unknown map measure {measure!r}")
    centre, zoom = view_window([r["boundary"] for r in regions])
    traces = [regions_trace(regions, measure, lang, geojson)]
    if len(regions) == 1:  # a grid's own boundary: a colour scale of one value says nothing
        traces[0].update(showscale=False)
    if staff_groups is not None:  # at STAFF_TRACES_AT
        traces += layers.staff_traces(staff_groups, lang, deg_per_px(centre["lat"], zoom))
    if tracks is not None:
        traces.append(layers.tracks_trace(tracks, lang))
    traces += [layers.supervision_trace(list(supervision), lang),
               layers.incidents_trace(list(incidents), lang)]
    if staff_groups is None:
        traces.append(layers.positions_trace(list(positions), lang, hover=tracks is not None))
    traces.append(labels_trace(regions, lang))
    layout = base_layout(map=dict(style=map_style(tiles, MAP_STACK), center=centre, zoom=zoom),
                         uirevision=revision or "map", clickmode="event",
                         hoverdistance=GRID_HOVER_PX if tracks is not None else TAP_SLACK_PX,
                         font=dict(family=FONT_FAMILY, color=TEXT, size=14))
    layout["annotations"] = []
    if highlight:
        traces.append(layers.highlight_trace(highlight, lang))
        layout["annotations"].append(layers.highlight_label(highlight, lang))
    for trace in traces:
        trace.below = anchor_layer(trace.meta)
    # Built unvalidated: checking 5,722 positions point by point took ~0.6 s of a 1 s callback.
    return go.Figure(data=traces, layout=layout, _validate=False)
