"""The map a commander reads: names, legend, cap notice, colour bar, staff counted per town."""

from __future__ import annotations

import random

import pytest

from dashboard.queries.patrol import count_positions
from layouts.figures_map import TAP_SLACK_PX, colorbar_ticks, map_figure
from layouts.map_legend import legend_block, legend_rows
from layouts.theme import (
    CHOROPLETH_SCALE,
    LEVEL_COLOURS,
    SEVERITY_SIZE,
    STATE_COLOURS,
    STATUS_COLOURS,
    luminance,
)
from tests.unit.test_figures_screens import REGIONS, _box

TOWNS = {"licheng-zhenhai": {"code": "licheng-zhenhai", "name": "镇海街道", "name_en": "Zhenhai",
                             "lat": 25.45, "lon": 119.05},
         "licheng-xitianwei": {"code": "licheng-xitianwei", "name": "西天尾镇", "name_en": "Xitianwei",
                               "lat": 25.47, "lon": 119.02},
         "licheng-beigao": {"code": "licheng-beigao", "name": "北高镇", "name_en": "Beigao",
                            "lat": 25.40, "lon": 119.10}}
TOWN_OF_GRID = {"licheng-zhenhai-a-g01": "licheng-zhenhai", "licheng-zhenhai-b-g02": "licheng-zhenhai",
                "licheng-xitianwei-c-g01": "licheng-xitianwei", "licheng-beigao-d-g01": "licheng-beigao"}


def _trace(fig, meta):
    return next(t for t in fig.data if t.meta == meta)


def _legend(lang: str, **kwargs) -> str:
    """The legend's HTML as a reader sees it: its words, and the colour of each dot."""
    def walk(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [w for n in node for w in walk(n)]
        style = getattr(node, "style", None) or {}
        own = [f"color:{style['background']}"] if "background" in style else []
        if "color" in style:
            own.append(f"color:{style['color']}")
        return own + walk(getattr(node, "children", None) or [])
    return " ".join(walk(legend_block(legend_rows(lang, **kwargs))))


def test_every_region_is_named_on_the_map_in_the_screen_language():
    zh, en = map_figure(REGIONS, "open", "zh"), map_figure(REGIONS, "open", "en")
    assert list(_trace(zh, "labels").text) == ["荔城区", "城厢区"]
    assert list(_trace(en, "labels").text) == ["Licheng", "Chengxiang"]
    labels = _trace(zh, "labels")
    assert labels.mode == "text" and labels.hoverinfo == "skip"  # a tap on a name still drills
    # The name sits inside its region (no stored centroid here: the middle of its outline).
    assert 119.0 < labels.lon[0] < 119.1 and 25.4 < labels.lat[0] < 25.5
    centred = map_figure(REGIONS + [{**REGIONS[0], "code": "c", "centroid": {"lat": 25.41, "lon": 119.02}}],
                         "open", "zh")
    assert (_trace(centred, "labels").lat[2], _trace(centred, "labels").lon[2]) == (25.41, 119.02)
    # A grid alone on its map: named near its top, clear of the markers at its centre.
    alone = _trace(map_figure([REGIONS[0]], "open", "zh"), "labels")
    assert 25.48 < alone.lat[0] < 25.5 and list(alone.text) == ["荔城区"]


def test_the_legend_names_every_layer_and_its_categories():
    dots = _legend("zh")
    for word in ("巡查人员", "在线", "信号延迟", "离线",            # positions by status
                 "事件", "待派遣", "已派遣", "处置中", "待核查",    # incidents by stage
                 "一般", "较大", "重大", "特大",                    # ... and by severity (size)
                 "超期督办", "村社区", "乡镇街道", "区县", "市"):   # halos by level
        assert word in dots, word
    for colour in [*STATUS_COLOURS.values(), *LEVEL_COLOURS.values(),
                   *(STATE_COLOURS[s] for s in ("reported", "dispatched", "accepted", "resolved"))]:
        assert f"color:{colour}" in dots
    wide = _legend("en", staff="aggregate")
    assert "Patrol staff by town" in wide and "on duty" in wide and "all staff" in wide
    assert "stale" not in wide  # the per-person statuses belong to maps that draw people


def test_a_capped_layer_says_how_many_it_shows_of_how_many():
    assert "显示 500 / 1,596" in _legend("zh", caps={"incidents": (500, 1596)})
    assert "showing 200 / 230" in _legend("en", caps={"supervision": (200, 230)})
    assert "showing" not in _legend("en")


def test_the_legend_is_beside_the_map_not_over_it():
    # Over the map it ran past the wall's map and hid a third of it (issue 12): HTML under the map.
    assert not [a for a in map_figure(REGIONS, "open", "zh").layout.annotations if a.name == "legend"]
    rows = legend_rows("en", caps={"incidents": (500, 1596)})
    lines = legend_block(rows)
    assert [line._namespace for line in lines] == ["dash_html_components"] * 3
    assert [line.to_plotly_json()["props"]["data-layer"] for line in lines] == [r["layer"] for r in rows]
    # Severity is a marker's size: its dots are the markers' own diameters, smallest first.
    sizes = [e[2] for e in rows[1]["sizes"]]
    assert sizes == sorted(SEVERITY_SIZE.values())


@pytest.mark.parametrize("values, measure", [
    ([0, 1, 2], "open"), ([0, 2], "overdue"), ([5, 5, 5], "open"), ([0, 0], "open"), ([3, 7], "open"),
    ([0, 1234], "open"), ([0.001, 0.004], "per_1000"), ([1.25, 1.3], "per_patrol_hour"),
    ([0.5, None], "per_patrol_hour"), ([0.1, 0.9], "closure_rate"), ([0.95, 0.951], "coverage"),
])
def test_colour_bar_labels_never_repeat(values, measure):
    ticks, labels, zmin, zmax = colorbar_ticks(values, measure, "zh")
    assert labels and len(set(labels)) == len(labels), labels
    assert zmin <= min(ticks) and max(ticks) <= zmax
    known = [v for v in values if v is not None]
    assert zmin <= min(known) and max(known) <= zmax


def test_colour_bar_on_the_map_uses_those_ticks():
    fig = map_figure([{**REGIONS[0], "figures": {"open": 2}}, {**REGIONS[1], "figures": {"open": 0}}],
                     "open", "zh")
    bar = _trace(fig, "regions").colorbar
    assert list(bar.ticktext) == ["0", "1", "2"] and bar.tickmode == "array"
    empty = map_figure([{**REGIONS[1], "code": "x", "boundary": _box(1, 1)}], "per_1000", "zh")
    assert _trace(empty, "regions").showscale is False  # no value anywhere: no bar of nothing


def test_every_marker_colour_stands_out_on_every_region_colour():
    regions = [luminance(c) for _, c in CHOROPLETH_SCALE]
    markers = [*STATUS_COLOURS.values(), *LEVEL_COLOURS.values(),
               *(STATE_COLOURS[s] for s in ("reported", "dispatched", "accepted", "resolved"))]
    for marker in markers:
        # WCAG contrast ratio of the marker against the brightest region: at least 2:1.
        assert (luminance(marker) + 0.05) / (max(regions) + 0.05) >= 2.0, marker
    # Names are white: readable (4.5:1) on every region colour.
    assert (1.05 / (max(regions) + 0.05)) >= 4.5


def test_staff_counted_per_town_sum_to_the_positions_they_summarise():
    rng = random.Random(7)
    positions = [{"staff": f"s{i}", "grid": rng.choice(list(TOWN_OF_GRID)),
                  "status": rng.choice(["online", "online", "stale", "offline"])} for i in range(400)]
    groups = count_positions(positions, TOWN_OF_GRID, TOWNS)
    assert sum(g["online"] + g["stale"] + g["offline"] for g in groups) == len(positions)
    for status in ("online", "stale", "offline"):
        assert sum(g[status] for g in groups) == sum(p["status"] == status for p in positions)
    zhenhai = next(g for g in groups if g["code"] == "licheng-zhenhai")
    assert zhenhai["online"] + zhenhai["stale"] + zhenhai["offline"] == sum(
        TOWN_OF_GRID[p["grid"]] == "licheng-zhenhai" for p in positions)
    # Drawn: one disc per town, the number on it = those on duty, the hover spells out the rest.
    fig = map_figure(REGIONS, "open", "zh", staff_groups=groups)
    assert "positions" not in [t.meta for t in fig.data]
    duty = _trace(fig, "staff-on-duty")
    assert list(duty.text) == [str(g["online"] + g["stale"]) for g in groups]
    assert f"在岗 {zhenhai['online'] + zhenhai['stale']} / " in _trace(fig, "staff-all").customdata[0][2]
    # Nobody anywhere: every town still has its disc, reading 0.
    nobody = count_positions([], TOWN_OF_GRID, TOWNS)
    assert [g["code"] for g in nobody] == list(TOWNS) and {g["online"] + g["offline"] for g in nobody} == {0}
    # Each disc hangs below its town's centre, where the town's name is written.
    assert all(lat < g["lat"] for lat, g in zip(duty.lat, groups, strict=True))
    assert list(duty.lon) == [g["lon"] for g in groups]


def test_every_server_tap_callback_keeps_its_function():
    """The server's disc drill and the browser's region drill share the tap and the output: both
    must stay registered (a shadowed server entry answered every tap with an error)."""
    from dash import Dash

    from callbacks import navigation
    from layouts import ids

    app = Dash(__name__)
    navigation.register(app)
    taps = [e for e in app.callback_map.values()
            if {"id": ids.MAP, "property": "clickData"} in e["inputs"]]
    assert any(callable(e.get("callback")) for e in taps), taps


def test_only_a_tap_within_a_few_pixels_of_a_marker_is_about_the_marker():
    # Plotly's hover distance decides which taps land on a marker (the rest drill into the region).
    assert map_figure(REGIONS, "open", "zh").layout.hoverdistance == TAP_SLACK_PX <= 4
