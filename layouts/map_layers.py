"""The map's marker layers, each one trace found by its `meta` name (never by index), so the
client-side live glue can patch one in place: incidents, supervision halos, patrol staff (one dot
each from town level down, a count per town above it), tracks and the search's highlight."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from dashboard.core.i18n import ROLE_NAMES, STATE_NAMES, fmt_int, fmt_time, name_of, t, unit_name
from layouts.theme import (
    BACKGROUND,
    LEVEL_COLOURS,
    PANEL,
    ROLE_COLOURS,
    SEVERITY_SIZE,
    STATE_COLOURS,
    STATUS_COLOURS,
    TEXT,
)

TRACE_INCIDENTS, TRACE_SUPERVISION, TRACE_POSITIONS = "incidents", "supervision", "positions"
TRACE_TRACKS, TRACE_HIGHLIGHT = "tracks", "highlight"
# Staff counted per town on wide maps: a disc for everyone reporting, a bright one for those on duty.
TRACE_STAFF_ALL, TRACE_STAFF_ON_DUTY = "staff-all", "staff-on-duty"
# The tag in a staff disc's customdata ([code, DRILL_TAG, hover]): a tap on it drills into `code`.
DRILL_TAG = "unit"


def incidents_trace(incidents: list[dict[str, Any]], lang: str) -> go.Scattermap:
    """Open incidents: colour by stage, size by severity; a tap ON one opens its timeline (the
    map's small hover distance leaves every other tap to the region below, see map_figure)."""
    return go.Scattermap(
        _validate=False,
        lat=[i["lat"] for i in incidents], lon=[i["lon"] for i in incidents], mode="markers",
        ids=[i["id"] for i in incidents], customdata=[[i["id"], name_of(STATE_NAMES, i["state"], lang)]
                                                      for i in incidents],
        marker=dict(size=[SEVERITY_SIZE.get(i.get("severity", 2), 9) for i in incidents],
                    color=[STATE_COLOURS.get(i["state"], "#999999") for i in incidents], opacity=0.95),
        hovertemplate="%{customdata[1]}<br>%{customdata[0]}<extra></extra>",
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
    """Every patrol position on the view as ONE trace, coloured by status (online, stale,
    offline). Above a grid the dots take no hover, so a tap reaches the region below."""
    return go.Scattermap(
        _validate=False,
        hoverinfo=None if hover else "skip",
        lat=[p["lat"] for p in positions], lon=[p["lon"] for p in positions], mode="markers",
        ids=[p["staff"] for p in positions],
        # Names only where they are hovered: on a city map they were half of a 1 MB figure.
        customdata=[[p["staff"], p.get("name", p["staff"]), name_of(ROLE_NAMES, p.get("role"), lang)]
                    for p in positions] if hover else None,
        marker=dict(size=7, color=[STATUS_COLOURS[p.get("status", "online")] for p in positions],
                    opacity=[1.0] * len(positions)),
        hovertemplate="%{customdata[1]} · %{customdata[2]}<extra></extra>" if hover else None,
        meta=TRACE_POSITIONS, name=t("legend.positions", lang),
    )


def disc_size(count: int) -> float:
    """A disc's diameter in pixels for a number of people: its area grows with the count."""
    return round(10 + 1.6 * math.sqrt(max(count, 0)), 1)


def staff_traces(groups: list[dict[str, Any]], lang: str, deg_per_px: float = 0.0) -> list[go.Scattermap]:
    """Staff counted per town: a purple disc for everyone reporting there, a white one inside it
    for those on duty (online or stale) with their number. A tap on one drills into its town.
    Each disc hangs just below its town's centre (`deg_per_px` degrees of latitude per pixel at
    the map's zoom), so the town's name written there stays readable."""
    on_duty = [g["online"] + g["stale"] for g in groups]
    hover = [t("staff.aggregate", lang, unit=unit_name(g, lang), on_duty=fmt_int(n),
               total=fmt_int(g["online"] + g["stale"] + g["offline"]), online=fmt_int(g["online"]),
               stale=fmt_int(g["stale"]), offline=fmt_int(g["offline"]))
             for g, n in zip(groups, on_duty, strict=True)]
    # Navigation drills on DRILL_TAG; the detail panel ignores a customdata of three.
    custom = [[g["code"], DRILL_TAG, h] for g, h in zip(groups, hover, strict=True)]
    totals = [g["online"] + g["stale"] + g["offline"] for g in groups]
    lat = [g["lat"] - (disc_size(n) / 2 + 10) * deg_per_px for g, n in zip(groups, totals, strict=True)]
    lon = [g["lon"] for g in groups]
    everyone = go.Scattermap(
        _validate=False, lat=lat, lon=lon, mode="markers", ids=[g["code"] for g in groups],
        customdata=custom, hovertemplate="%{customdata[2]}<extra></extra>",
        marker=dict(size=[disc_size(n) for n in totals],
                    color=STATUS_COLOURS["offline"], opacity=0.85),
        meta=TRACE_STAFF_ALL, name=t("legend.staff_all", lang))
    duty = go.Scattermap(
        _validate=False, lat=lat, lon=lon, mode="markers+text", ids=[g["code"] for g in groups],
        customdata=custom, hovertemplate="%{customdata[2]}<extra></extra>",
        text=[fmt_int(n) for n in on_duty], textposition="middle center",
        textfont=dict(color=BACKGROUND, size=12, weight="bold"),
        marker=dict(size=[disc_size(n) for n in on_duty], color=STATUS_COLOURS["online"], opacity=1.0),
        meta=TRACE_STAFF_ON_DUTY, name=t("legend.staff_on_duty", lang))
    return [everyone, duty]


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
    (a layout annotation, pinned to the corner whatever the camera does)."""
    params = {"name": person.get("name", person["staff"]),
              "role": name_of(ROLE_NAMES, person.get("role"), lang)}
    text = (t("highlight.nowhere", lang, **params) if person.get("lat") is None
            else t("highlight.at", lang, time=fmt_time(person.get("ts"), lang), **params))
    return dict(text=text, xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top",
                showarrow=False, align="left", font=dict(color=TEXT, size=15), bgcolor=PANEL,
                bordercolor="#ffffff", borderwidth=1, borderpad=6, name=TRACE_HIGHLIGHT)
