"""No white, ever: graphs start dark, and an empty chart says so (暂无数据 / No data) instead of
showing bare axes; a live change that empties or fills a chart shows or clears the notice."""

from __future__ import annotations

import pandas as pd
from dash import Patch

from layouts import ids
from layouts.components import graph
from layouts.figures import (
    breakdown_figure,
    funnel_figure,
    loop_steps,
    open_by_state_figure,
    open_by_state_patch,
    placeholder_figure,
    supervision_figure,
    supervision_patch,
    trend_figure,
)
from layouts.theme import empty_figure


def _notice(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def _patched(patch: Patch) -> dict:
    """A Patch's operations as {path: value} (what the browser will assign)."""
    ops = patch.to_plotly_json()["operations"]
    return {".".join(str(p) for p in op["location"]): op["params"]["value"] for op in ops}


def test_every_graph_starts_dark_with_nothing_drawn():
    fig = graph(ids.FUNNEL).figure
    assert fig == placeholder_figure()
    layout = fig["layout"]
    assert fig["data"] == [] and "template" not in layout
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == "rgba(0,0,0,0)"  # the dark panel shows
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False  # no default axes


def test_bar_charts_with_nothing_open_say_no_data():
    none_open = open_by_state_figure({}, "zh")
    assert _notice(none_open) == ["暂无数据"] and none_open.layout.yaxis.visible is False
    some = open_by_state_figure({"reported": 2}, "zh")
    assert _notice(some) == [] and some.layout.yaxis.visible is not False
    levels = supervision_figure({"village": 0, "town": 0}, "en")
    assert _notice(levels) == ["No data"] and levels.layout.xaxis.visible is False
    assert _notice(supervision_figure({"town": 1}, "en")) == []
    # Bars of nought draw their outlines (the template's line) across the notice: none are drawn.
    assert none_open.data[0].visible is False and levels.data[0].visible is False
    assert some.data[0].visible is True and supervision_figure({"town": 1}, "en").data[0].visible is True


def test_live_patches_show_and_clear_the_notice():
    emptied = _patched(open_by_state_patch({}, "zh"))
    assert emptied["layout.annotations"][0]["text"] == "暂无数据" and emptied["layout.yaxis.visible"] is False
    filled = _patched(open_by_state_patch({"dispatched": 3}, "zh"))
    assert filled["layout.annotations"] == [] and filled["layout.yaxis.visible"] is True
    assert filled["data.0.x"] == [0, 3, 0, 0]
    levels = _patched(supervision_patch({}, "en"))
    assert levels["layout.annotations"][0]["text"] == "No data" and levels["layout.xaxis.visible"] is False
    assert _patched(supervision_patch({"city": 1}, "en"))["data.0.y"] == [0, 0, 0, 1]
    assert emptied["data.0.visible"] is False and filled["data.0.visible"] is True
    assert levels["data.0.visible"] is False
    assert _patched(supervision_patch({"city": 1}, "en"))["data.0.visible"] is True


def test_loop_trend_and_breakdown_with_no_incidents_say_no_data():
    nothing = pd.DataFrame({"state": [], "count": [], "median_wait_min": []})
    loop = funnel_figure(loop_steps(nothing, collected=0, patrolled=None, supervision=0), "zh")
    assert _notice(loop) == ["暂无数据"] and loop.layout.yaxis.visible is False
    busy = pd.DataFrame({"state": ["reported"], "count": [2], "median_wait_min": [5.0]})
    assert _notice(funnel_figure(loop_steps(busy, collected=2, patrolled=1, supervision=0), "zh")) == []
    zeros = pd.DataFrame({"bucket": ["2018-01"], "collected": [0], "closed": [0]})
    assert _notice(trend_figure(zeros, "month", "en")) == ["No data"]
    lines = pd.DataFrame({"line": ["food"], "name": ["食品"], "name_en": ["Food"], "collected": [0]})
    assert _notice(breakdown_figure(lines, lines.iloc[0:0], "zh")) == ["暂无数据"]
    assert _notice(empty_figure("暂无数据")) == ["暂无数据"]
