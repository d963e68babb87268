"""The map, as a pure function of rows: children as a choropleth, incidents, supervision, staff.

Traces are found by their `meta` name (never by index) so the client-side live glue can patch
one trace in place: `positions` is ONE marker trace for every patrol position on the view.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from dashboard.i18n import (
    ROLE_NAMES,
    STATE_NAMES,
    fmt_int,
    fmt_number,
    fmt_pct,
    fmt_time,
    name_of,
    t,
    unit_name,
)
from layouts.theme import (
    CHOROPLETH_SCALE,
    FONT_FAMILY,
    LEVEL_COLOURS,
    PANEL,
    ROLE_COLOURS,
    SEVERITY_SIZE,
    STATE_COLOURS,
    STATUS_OPACITY,
    TEXT,
    base_layout,
    map_style,
)

MEASURES = ("open", "overdue", "closure_rate", "per_1000", "per_patrol_hour", "coverage")
PERCENT_MEASURES = ("closure_rate", "coverage")
RATE_MEASURES = ("per_1000", "per_patrol_hour")  # fractions: two decimals, not whole counts
TRACE_REGIONS, TRACE_INCIDENTS, TRACE_SUPERVISION = "regions", "incidents", "supervision"
TRACE_POSITIONS, TRACE_TRACKS, TRACE_HIGHLIGHT = "positions", "tracks", "highlight"


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


def regions_trace(children: list[dict[str, Any]], measure: str, lang: str) -> go.Choroplethmap:
    """The current unit's children, coloured by the measure; clicking one drills into it."""
    features = [{"type": "Feature", "id": c["code"], "properties": {}, "geometry": c["boundary"]}
                for c in children]
    values = [measure_value(c, measure) for c in children]
    percent = measure in PERCENT_MEASURES
    return go.Choroplethmap(
        _validate=False,  # trusted rows; see map_figure
        geojson={"type": "FeatureCollection", "features": features},
        locations=[c["code"] for c in children],
        z=[v if v is not None else float("nan") for v in values],
        customdata=[[unit_name(c, lang), _measure_text(v, measure, lang)]
                    for c, v in zip(children, values, strict=True)],
        hovertemplate="<b>%{customdata[0]}</b><br>" + t(f"measure.{measure}", lang)
        + ": %{customdata[1]}<extra></extra>",
        colorscale=CHOROPLETH_SCALE, marker=dict(opacity=0.62, line=dict(color="#dce6f5", width=1.2)),
        zmin=0 if percent else None, zmax=1 if percent else None,
        colorbar=dict(title=dict(text=t(f"measure.{measure}", lang), side="right"),
                      tickformat=".0%" if percent else ",.2~f" if measure in RATE_MEASURES else ",d",
                      thickness=12, len=0.6, x=0.99,
                      tickfont=dict(color=TEXT), outlinewidth=0),
        meta=TRACE_REGIONS, name=t(f"measure.{measure}", lang),
    )


def incidents_trace(incidents: list[dict[str, Any]], lang: str, hover: bool = True) -> go.Scattermap:
    """Open incidents: colour by stage, size by severity; clicking one opens its timeline. On the
    wide city and district maps they take no pointer, so a touch anywhere reaches the region."""
    return go.Scattermap(
        _validate=False,
        hoverinfo=None if hover else "skip",
        lat=[i["lat"] for i in incidents], lon=[i["lon"] for i in incidents], mode="markers",
        ids=[i["id"] for i in incidents], customdata=[[i["id"], name_of(STATE_NAMES, i["state"], lang)]
                                                      for i in incidents],
        marker=dict(size=[SEVERITY_SIZE.get(i.get("severity", 2), 9) for i in incidents],
                    color=[STATE_COLOURS.get(i["state"], "#999999") for i in incidents], opacity=0.95),
        hovertemplate="%{customdata[1]}<br>%{customdata[0]}<extra></extra>" if hover else None,
        meta=TRACE_INCIDENTS, name=t("legend.incidents", lang),
    )


def supervision_trace(items: list[dict[str, Any]], lang: str) -> go.Scattermap:
    """Overdue supervision items as wide halos under their incidents, coloured by level."""
    return go.Scattermap(
        _validate=False,
        lat=[s["lat"] for s in items], lon=[s["lon"] for s in items], mode="markers",
        ids=[str(s["id"]) for s in items], customdata=[[s["incident"]] for s in items],
        marker=dict(size=26, opacity=0.45, color=[LEVEL_COLOURS.get(s["level"], "#D55E00") for s in items]),
        hoverinfo="skip", meta=TRACE_SUPERVISION, name=t("legend.supervision", lang),
    )


def positions_trace(positions: list[dict[str, Any]], lang: str, hover: bool = True) -> go.Scattermap:
    """Every patrol position on the view as ONE trace: colour by role, opacity by status. Above a
    grid the dots take no hover, so a touch on the map reaches the region (or incident) below."""
    return go.Scattermap(
        _validate=False,
        hoverinfo=None if hover else "skip",
        lat=[p["lat"] for p in positions], lon=[p["lon"] for p in positions], mode="markers",
        ids=[p["staff"] for p in positions],
        # Names only where they are hovered: on a city map they were half of a 1 MB figure.
        customdata=[[p["staff"], p.get("name", p["staff"]), name_of(ROLE_NAMES, p.get("role"), lang)]
                    for p in positions] if hover else None,
        marker=dict(size=7, color=[ROLE_COLOURS.get(p.get("role"), "#999999") for p in positions],
                    opacity=[STATUS_OPACITY.get(p.get("status", "online"), 1.0) for p in positions]),
        hovertemplate="%{customdata[1]} · %{customdata[2]}<extra></extra>" if hover else None,
        meta=TRACE_POSITIONS, name=t("legend.positions", lang),
    )


def tracks_trace(tracks: dict[str, list[dict[str, Any]]], lang: str) -> go.Scattermap:
    """Today's tracks of a grid's staff as one line trace (gaps between people)."""
    lat: list[float | None] = []
    lon: list[float | None] = []
    for points in tracks.values():
        lat += [p["lat"] for p in points] + [None]
        lon += [p["lon"] for p in points] + [None]
    return go.Scattermap(
        _validate=False,
        lat=lat, lon=lon, mode="lines", line=dict(width=2, color="#56B4E9"),
        opacity=0.7, hoverinfo="skip", meta=TRACE_TRACKS, name="tracks")


def highlight_trace(person: dict[str, Any], lang: str) -> go.Scattermap:
    """The person found by the search, as a white ring around a dot of their role's colour at
    their latest position (no points when they have none). Drawn above every other marker."""
    where = [] if person.get("lat") is None else [(person["lat"], person["lon"])] * 2
    role = name_of(ROLE_NAMES, person.get("role"), lang)
    return go.Scattermap(
        _validate=False,
        lat=[p[0] for p in where], lon=[p[1] for p in where], mode="markers",
        ids=[f"{person['staff']}:ring", person["staff"]][:len(where)],
        customdata=[[person["staff"], person.get("name", person["staff"]), role]] * len(where),
        marker=dict(size=[30, 14][:len(where)], opacity=[0.95, 1.0][:len(where)],
                    color=["#ffffff", ROLE_COLOURS.get(person.get("role"), "#999999")][:len(where)]),
        hovertemplate="%{customdata[1]} · %{customdata[2]}<extra></extra>",
        meta=TRACE_HIGHLIGHT, name=person.get("name", person["staff"]))


def highlight_label(person: dict[str, Any], lang: str) -> dict[str, Any]:
    """A caption in the map's corner naming the highlighted person and when they were seen
    (map text would need a glyph server; a layout annotation needs none)."""
    params = {"name": person.get("name", person["staff"]),
              "role": name_of(ROLE_NAMES, person.get("role"), lang)}
    text = (t("highlight.nowhere", lang, **params) if person.get("lat") is None
            else t("highlight.at", lang, time=fmt_time(person.get("ts"), lang), **params))
    return dict(text=text, xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top",
                showarrow=False, align="left", font=dict(color=TEXT, size=15), bgcolor=PANEL,
                bordercolor="#ffffff", borderwidth=1, borderpad=6, name=TRACE_HIGHLIGHT)


def map_figure(regions: list[dict[str, Any]], measure: str, lang: str, *,
               incidents: list[dict[str, Any]] = (), supervision: list[dict[str, Any]] = (),
               positions: list[dict[str, Any]] = (), tracks: dict[str, list[dict[str, Any]]] | None = None,
               revision: str = "", tiles: str | None = None,
               highlight: dict[str, Any] | None = None) -> go.Figure:
    """The whole map of a view; `revision` (the unit code) keeps the viewport across updates.
    `tiles` is a raster tile URL drawn under the regions (none: fully offline); `highlight` is a
    person to ring and name (the search's pick)."""
    if measure not in MEASURES:
        raise ValueError(f"measure: unknown map measure {measure!r}")
    centre, zoom = view_window([r["boundary"] for r in regions])
    traces = [regions_trace(regions, measure, lang)]
    if len(regions) == 1:  # a grid's own boundary: a colour scale of one value says nothing
        traces[0].update(showscale=False)
    if tracks is not None:
        traces.append(tracks_trace(tracks, lang))
    # Regions of districts or towns: a city or district view, where markers are an overview.
    wide = bool(regions) and regions[0].get("level") in ("district", "town")
    traces += [supervision_trace(list(supervision), lang), incidents_trace(list(incidents), lang, not wide),
               positions_trace(list(positions), lang, hover=tracks is not None)]
    layout = base_layout(map=dict(style=map_style(tiles), center=centre, zoom=zoom),
                         uirevision=revision or "map", clickmode="event",
                         font=dict(family=FONT_FAMILY, color=TEXT, size=14))
    if highlight:
        traces.append(highlight_trace(highlight, lang))
        layout["annotations"] = [highlight_label(highlight, lang)]
    # Built unvalidated: checking 5,722 positions point by point took ~0.6 s of a 1 s callback.
    return go.Figure(data=traces, layout=layout, _validate=False)
