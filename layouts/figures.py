"""Pure chart builders: rows or DataFrames in, `go.Figure` out. No database, no Redis."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Patch

from dashboard.core.i18n import (
    LEVEL_NAMES,
    LOOP_STEPS,
    STATE_NAMES,
    fmt_duration,
    fmt_int,
    name_of,
    t,
)
from dashboard.core.models import CENTER_LEVELS, OPEN_STATES
from layouts.theme import (
    LEVEL_COLOURS,
    MUTED,
    OKABE_ITO,
    STATE_COLOURS,
    TEXT,
    base_layout,
    empty_figure,
)

LOOP_ORDER = tuple(LOOP_STEPS)
# Which open state stands at which loop step (the rest are counted elsewhere).
STEP_OF_STATE = {"reported": "discovery", "dispatched": "dispatch", "accepted": "handling",
                 "resolved": "check"}


def placeholder_figure() -> dict[str, Any]:
    """What a graph shows before its first figure arrives: nothing, on the dark panel (no axes,
    transparent paper), never Plotly's white default. A plain dict: no template to ship."""
    hidden = {"visible": False, "fixedrange": True}
    return {"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                                   "font": {"color": TEXT}, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                                   "xaxis": hidden, "yaxis": hidden, "showlegend": False}}


def no_data_annotations(empty: bool, lang: str) -> list[dict[str, Any]]:
    """The centred 暂无数据 / No data notice of an empty chart (none when it has data)."""
    if not empty:
        return []
    return [dict(text=t("empty", lang), showarrow=False, font=dict(color=MUTED, size=16),
                 xref="paper", yref="paper", x=0.5, y=0.5, name="no-data")]


def _open_counts(open_by_state: dict[str, int]) -> list[int]:
    return [open_by_state.get(s, 0) for s in OPEN_STATES]


def _level_counts(by_level: dict[str, int]) -> list[int]:
    return [by_level.get(level, 0) for level in list(CENTER_LEVELS)[::-1]]  # village … city


def open_by_state_figure(open_by_state: dict[str, int], lang: str) -> go.Figure:
    """Open incidents per stage as horizontal bars in loop order ("No data" when none is open)."""
    states = list(OPEN_STATES)
    counts = _open_counts(open_by_state)
    fig = go.Figure(go.Bar(
        y=[name_of(STATE_NAMES, s, lang) for s in states], x=counts, orientation="h",
        marker_color=[STATE_COLOURS[s] for s in states], text=[fmt_int(c, lang) for c in counts],
        textposition="auto", hovertemplate="%{y}: %{x:,}<extra></extra>", meta="open_by_state",
        visible=any(counts)))  # bars of nought still draw their outlines: a line through the notice
    empty = not any(counts)
    fig.update_layout(**base_layout(yaxis=dict(autorange="reversed", color=MUTED, visible=not empty),
                                    xaxis=dict(visible=False), annotations=no_data_annotations(empty, lang)))
    return fig


def open_by_state_patch(open_by_state: dict[str, int], lang: str) -> Patch:
    """A live change of `open_by_state_figure`: the counts, and the notice shown or cleared."""
    counts = _open_counts(open_by_state)
    patch = Patch()
    patch["data"][0]["x"], patch["data"][0]["text"] = counts, [fmt_int(c, lang) for c in counts]
    patch["layout"]["annotations"] = no_data_annotations(not any(counts), lang)
    patch["layout"]["yaxis"]["visible"] = patch["data"][0]["visible"] = any(counts)
    return patch


def supervision_figure(by_level: dict[str, int], lang: str) -> go.Figure:
    """Open supervision items by the level they have climbed to (village up to city)."""
    levels = list(CENTER_LEVELS)[::-1]  # village … city, the way items climb
    counts = _level_counts(by_level)
    fig = go.Figure(go.Bar(
        x=[name_of(LEVEL_NAMES, level, lang) for level in levels], y=counts,
        marker_color=[LEVEL_COLOURS[level] for level in levels], text=[fmt_int(c, lang) for c in counts],
        textposition="auto", hovertemplate="%{x}: %{y:,}<extra></extra>", meta="supervision",
        visible=any(counts)))  # bars of nought still draw their outlines: a line through the notice
    empty = not any(counts)
    fig.update_layout(**base_layout(yaxis=dict(visible=False), xaxis=dict(color=MUTED, visible=not empty),
                                    annotations=no_data_annotations(empty, lang)))
    return fig


def supervision_patch(by_level: dict[str, int], lang: str) -> Patch:
    """A live change of `supervision_figure`: the counts, and the notice shown or cleared."""
    counts = _level_counts(by_level)
    patch = Patch()
    patch["data"][0]["y"], patch["data"][0]["text"] = counts, [fmt_int(c, lang) for c in counts]
    patch["layout"]["annotations"] = no_data_annotations(not any(counts), lang)
    patch["layout"]["xaxis"]["visible"] = patch["data"][0]["visible"] = any(counts)
    return patch


def loop_steps(funnel: pd.DataFrame, collected: int, patrolled: int | None,
               supervision: int) -> list[dict[str, Any]]:
    """The seven steps with how many stand at each and their median wait (minutes); patrol
    (grids patrolled today) is None for a period that does not include today."""
    by_state = {row["state"]: row for row in funnel.to_dict("records")} if len(funnel) else {}
    steps = [{"step": "patrol", "count": patrolled, "wait_min": None},
             {"step": "collection", "count": collected, "wait_min": None}]
    for state, step in STEP_OF_STATE.items():
        row = by_state.get(state, {})
        wait = row.get("median_wait_min")
        steps.append({"step": step, "count": int(row.get("count") or 0),
                      "wait_min": None if wait is None or pd.isna(wait) else float(wait)})
    steps.append({"step": "supervision", "count": supervision, "wait_min": None})
    return steps


def funnel_figure(steps: list[dict[str, Any]], lang: str) -> go.Figure:
    """The seven-step loop: bars per step with the count and, where open work waits, the wait."""
    labels = [name_of(LOOP_STEPS, s["step"], lang) for s in steps]
    texts = [fmt_int(s["count"], lang) + (f" · {t('waited', lang)} {fmt_duration(s['wait_min'], lang)}"
                                          if s["wait_min"] is not None else "") for s in steps]
    colours = [OKABE_ITO["blue"], OKABE_ITO["sky"], STATE_COLOURS["reported"], STATE_COLOURS["dispatched"],
               STATE_COLOURS["accepted"], STATE_COLOURS["resolved"], OKABE_ITO["purple"]]
    fig = go.Figure(go.Bar(
        y=labels, x=[s["count"] or 0 for s in steps], orientation="h", text=texts,
        textposition="auto", insidetextanchor="start", marker_color=colours[: len(steps)],
        hovertemplate="%{y}: %{x:,}<extra></extra>", meta="funnel"))
    empty = not any(s["count"] for s in steps)
    fig.update_layout(**base_layout(yaxis=dict(autorange="reversed", color=MUTED, visible=not empty),
                                    xaxis=dict(visible=False, type="log" if _skewed(steps) else "linear"),
                                    annotations=no_data_annotations(empty, lang)))
    return fig


def _skewed(steps: list[dict[str, Any]]) -> bool:
    counts = [s["count"] for s in steps if s["count"]]
    return bool(counts) and max(counts) > 50 * min(counts)


def trend_labels(buckets: list[str], bucket: str) -> list[str]:
    """The trend's axis labels: its buckets (dashboard/queries/stats.py BUCKETS) without what they
    all share. Today by the hour reads 08:00, 09:00 … instead of a slanted "2026-12-05 08:00" per
    bar that ran out of its panel; days of one year read 12-05; months and hours of the day stay."""
    if bucket == "hour":
        cut = 11 if len({b[:10] for b in buckets}) == 1 else 5
    elif bucket == "day":
        cut = 5 if len({b[:4] for b in buckets}) == 1 else 0
    else:
        cut = 0
    return [b[cut:] for b in buckets]


def trend_figure(frame: pd.DataFrame, bucket: str, lang: str) -> go.Figure:
    """Collected and closed per hour, day or month, with the closure rate on its own axis."""
    if frame.empty or not (frame["collected"].sum() or frame["closed"].sum()):
        return empty_figure(t("empty", lang))
    x = trend_labels(list(frame["bucket"]), bucket)
    fig = go.Figure([
        go.Bar(x=x, y=frame["collected"], name=t("kpi.collected", lang),
               marker_color=OKABE_ITO["sky"], hovertemplate="%{x}: %{y:,}<extra></extra>"),
        go.Bar(x=x, y=frame["closed"], name=t("kpi.closed", lang),
               marker_color=OKABE_ITO["green"], hovertemplate="%{x}: %{y:,}<extra></extra>"),
    ])
    fig.update_layout(**base_layout(
        barmode="group", showlegend=True, margin=dict(l=8, r=8, t=28, b=8),
        legend=dict(orientation="h", y=1.12, x=0, font=dict(color=MUTED)),
        xaxis=dict(type="category", color=MUTED, nticks=12),
        title=dict(text=t(f"trend.{bucket}", lang), x=1, xanchor="right", font=dict(size=13, color=MUTED))))
    return fig


def breakdown_figure(lines: pd.DataFrame, items: pd.DataFrame, lang: str) -> go.Figure:
    """Incidents by business line and, inside each, by item, as one treemap."""
    if lines.empty or not lines["collected"].sum():
        return empty_figure(t("empty", lang))
    name_col = "name_en" if lang == "en" else "name"
    ids, labels, parents, values = [], [], [], []
    for row in lines.to_dict("records"):
        ids.append(f"line:{row['line']}")
        labels.append(row.get(name_col) or row["line"])
        parents.append("")
        values.append(int(row["collected"]))
    line_ids = set(ids)
    for row in items.to_dict("records"):
        parent = f"line:{row.get('line')}"
        if parent not in line_ids:
            continue
        ids.append(f"item:{row['item']}")
        labels.append(row.get(name_col) or row["item"])
        parents.append(parent)
        values.append(int(row["collected"]))
    fig = go.Figure(go.Treemap(
        ids=ids, labels=labels, parents=parents, values=values, branchvalues="remainder",
        texttemplate="%{label}<br>%{value:,}", hovertemplate="%{label}: %{value:,}<extra></extra>",
        marker=dict(colors=values, colorscale="Cividis"), meta="breakdown"))
    fig.update_layout(**base_layout(margin=dict(l=2, r=2, t=2, b=2)))
    return fig
