"""Figure builders: pure functions of rows, checked for what a viewer would read off them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from layouts.figures import (
    breakdown_figure,
    funnel_figure,
    loop_steps,
    open_by_state_figure,
    supervision_figure,
    trend_figure,
    trend_labels,
)
from layouts.figures_map import MAP_STACK, map_figure, measure_value, view_window
from layouts.theme import BLANK_MAP_STYLE, map_style


def _box(lon, lat, size=0.1):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                 [lon, lat + size], [lon, lat]]]}


REGIONS = [
    {"code": "licheng", "name": "荔城区", "name_en": "Licheng", "level": "district",
     "boundary": _box(119.0, 25.4), "population": 2000, "coverage": 0.5, "patrol_hours": 4.0,
     "figures": {"open": 3, "overdue": 1, "closure_rate": 0.4, "collected": 5}},
    {"code": "chengxiang", "name": "城厢区", "name_en": "Chengxiang", "level": "district",
     "boundary": _box(118.9, 25.4), "population": 0, "coverage": None,
     "figures": {"open": 0, "overdue": 0, "closure_rate": None, "collected": 0}},
]


def _trace(fig, meta):
    return next(t for t in fig.data if t.meta == meta)


def test_map_has_one_positions_trace_and_no_tile_source():
    positions = [{"staff": f"s{i}", "lat": 25.45, "lon": 119.05, "role": "patrol", "status": "online"}
                 for i in range(500)]
    fig = map_figure(REGIONS, "open", "zh", positions=positions, revision="putian")
    assert [t.meta for t in fig.data].count("positions") == 1
    assert len(_trace(fig, "positions").lat) == 500
    style = fig.layout.map.style
    assert style["sources"] == BLANK_MAP_STYLE["sources"]  # nothing to fetch: no tile source
    assert "http" not in json.dumps(fig.to_plotly_json()["layout"]["map"])
    assert fig.layout.uirevision == "putian"


def test_map_regions_are_coloured_by_the_chosen_measure():
    fig = map_figure(REGIONS, "closure_rate", "en", revision="putian")
    regions = _trace(fig, "regions")
    assert list(regions.locations) == ["licheng", "chengxiang"]
    assert regions.z[0] == pytest.approx(0.4)
    assert regions.customdata[0][1] == "40.0 %"
    assert regions.customdata[1][1] == "—"


def test_measure_values():
    assert measure_value(REGIONS[0], "open") == 3
    assert measure_value(REGIONS[0], "per_1000") == pytest.approx(2.5)
    assert measure_value(REGIONS[1], "per_1000") is None
    assert measure_value(REGIONS[0], "coverage") == 0.5
    assert measure_value(REGIONS[0], "per_patrol_hour") == pytest.approx(1.25)
    assert measure_value(REGIONS[1], "per_patrol_hour") is None  # nobody patrolled there
    assert measure_value({**REGIONS[0], "patrol_hours": 0.0}, "per_patrol_hour") is None
    with pytest.raises(ValueError, match="measure"):
        measure_value(REGIONS[0], "nonsense")


def test_incidents_per_patrol_hour_read_with_two_decimals():
    fig = map_figure(REGIONS, "per_patrol_hour", "en", revision="putian")
    regions = _trace(fig, "regions")
    assert regions.z[0] == pytest.approx(1.25)
    assert [c[1] for c in regions.customdata] == ["1.25", "—"]
    assert "Incidents per patrol hour" in regions.hovertemplate
    assert list(regions.colorbar.ticktext) == ["1.25"]


def test_every_layer_of_the_map_keeps_its_own_place_in_the_stack():
    # Traces sharing a `below` value are all removed and added again by Plotly on every update
    # (a count that changed re-cut 22 layers); each is drawn under a hidden anchor of its own,
    # and the anchors stand in the style in the stack's order, tiles and background beneath.
    highlight = {"staff": "s1", "name": "林", "lat": 25.45, "lon": 119.05, "status": "online"}
    fig = map_figure(REGIONS, "open", "zh", revision="putian", tracks={}, highlight=highlight,
                     tiles="https://tiles.example.org/{z}/{x}/{y}.png",
                     positions=[{"staff": "s1", "lat": 25.45, "lon": 119.05, "role": "patrol",
                                 "status": "online"}])
    ids = [layer["id"] for layer in fig.layout.map.style["layers"]]
    belows = [t.below for t in fig.data]
    assert len(set(belows)) == len(belows) and set(belows) <= set(ids)
    assert ids[:2] == ["background", "tiles"]
    # Drawn bottom to top as the stack says: regions lowest, the highlighted person on top.
    order = sorted(fig.data, key=lambda t: ids.index(t.below))
    assert [t.meta for t in order] == [m for m in MAP_STACK if m in {t.meta for t in fig.data}]
    assert order[0].meta == "regions" and order[-1].meta == "highlight"
    hidden = [layer for layer in fig.layout.map.style["layers"] if layer["id"] in belows]
    assert all(layer["layout"] == {"visibility": "none"} for layer in hidden)


def test_a_configured_tile_url_draws_raster_tiles_under_the_regions():
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert map_style(None) == BLANK_MAP_STYLE
    fig = map_figure(REGIONS, "open", "zh", revision="putian", tiles=url)
    style = fig.layout.map.style
    assert style["sources"]["tiles"] == {"type": "raster", "tiles": [url], "tileSize": 256}
    assert [layer["id"] for layer in style["layers"]][:2] == ["background", "tiles"]
    assert "blank" in style["sources"]  # never an empty sources object (see theme.BLANK_MAP_STYLE)
    assert BLANK_MAP_STYLE["layers"] == [BLANK_MAP_STYLE["layers"][0]]  # the offline style untouched


def test_the_highlighted_person_is_a_ring_above_the_dots_with_a_caption():
    person = {"staff": "s9", "name": "林芳", "role": "patrol", "lat": 25.45, "lon": 119.05,
              "ts": "2026-11-27T06:02:00+00:00", "status": "online"}
    positions = [{"staff": "s9", "lat": 25.45, "lon": 119.05, "role": "patrol"}]
    fig = map_figure(REGIONS, "open", "zh", positions=positions, highlight=person)
    assert [t.meta for t in fig.data][-3:] == ["positions", "labels", "highlight"]
    ring = _trace(fig, "highlight")
    assert list(ring.lat) == [25.45, 25.45] and list(ring.marker.size) == [30, 14]
    assert ring.customdata[0][1] == "林芳" and ring.hoverinfo is None
    caption = next(a for a in fig.layout.annotations if a.name == "highlight")
    assert caption.text == "◎ 林芳 · 网格巡逻巡查员 · 11月27日 14:02"
    nowhere = map_figure(REGIONS, "open", "en", highlight={**person, "lat": None, "lon": None})
    assert len(_trace(nowhere, "highlight").lat) == 0
    assert nowhere.layout.annotations[-1].text.endswith("no live position")
    assert "highlight" not in [t.meta for t in map_figure(REGIONS, "open", "zh").data]


def test_view_window_centres_on_the_regions():
    centre, zoom = view_window([r["boundary"] for r in REGIONS])
    assert centre["lon"] == pytest.approx(119.0)
    assert 5 < zoom < 14


def test_incident_markers_are_coloured_by_stage_and_sized_by_severity():
    incidents = [{"id": "a", "lat": 25.4, "lon": 119.0, "state": "reported", "severity": 4},
                 {"id": "b", "lat": 25.4, "lon": 119.0, "state": "accepted", "severity": 1}]
    trace = _trace(map_figure(REGIONS, "open", "zh", incidents=incidents), "incidents")
    assert list(trace.ids) == ["a", "b"]
    assert trace.marker.size[0] > trace.marker.size[1]
    assert trace.marker.color[0] != trace.marker.color[1]


def test_open_by_state_and_supervision_bars():
    fig = open_by_state_figure({"reported": 4, "dispatched": 3, "accepted": 2, "resolved": 1}, "zh")
    assert list(fig.data[0].x) == [4, 3, 2, 1]
    assert list(fig.data[0].y) == ["待派遣", "已派遣", "处置中", "待核查"]
    sup = supervision_figure({"village": 5, "town": 2, "district": 1, "city": 0}, "en")
    assert list(sup.data[0].y) == [5, 2, 1, 0]
    assert list(sup.data[0].x) == ["Village", "Town", "District", "City"]


def test_seven_step_funnel():
    funnel = pd.DataFrame({"state": ["reported", "dispatched", "accepted", "resolved"],
                           "count": [1, 2, 3, 0], "overdue": [0, 1, 0, 0],
                           "median_wait_min": [30.0, 120.0, 600.0, float("nan")]})
    steps = loop_steps(funnel, collected=10, patrolled=7, supervision=1)
    assert [s["step"] for s in steps] == ["patrol", "collection", "discovery", "dispatch", "handling",
                                          "check", "supervision"]
    assert [s["count"] for s in steps] == [7, 10, 1, 2, 3, 0, 1]
    assert steps[5]["wait_min"] is None
    past = funnel_figure(loop_steps(funnel, collected=10, patrolled=None, supervision=1), "en")
    assert past.data[0].text[0] == "—"
    fig = funnel_figure(steps, "zh")
    assert "平均等待 30分钟" in fig.data[0].text[2]
    assert "2.0小时" in fig.data[0].text[3]


def test_trend_axis_drops_what_every_bucket_shares():
    today = [f"2026-12-05 {h:02d}:00" for h in (0, 8, 16)]
    frame = pd.DataFrame({"bucket": today, "collected": [1, 2, 3], "closed": [0, 1, 2]})
    assert list(trend_figure(frame, "hour", "zh").data[0].x) == ["00:00", "08:00", "16:00"]
    two_days = ["2026-12-04 23:00", "2026-12-05 00:00"]
    assert trend_labels(two_days, "hour") == ["12-04 23:00", "12-05 00:00"]
    assert trend_labels(["2026-12-04", "2026-12-05"], "day") == ["12-04", "12-05"]
    assert trend_labels(["2025-12-31", "2026-01-01"], "day") == ["2025-12-31", "2026-01-01"]
    assert trend_labels(["2018-01", "2018-02"], "month") == ["2018-01", "2018-02"]


def test_trend_and_breakdown():
    frame = pd.DataFrame({"bucket": ["2018-01", "2018-02"], "collected": [10, 20], "closed": [9, 19]})
    fig = trend_figure(frame, "month", "zh")
    assert list(fig.data[0].y) == [10, 20] and list(fig.data[1].y) == [9, 19]
    assert trend_figure(frame.iloc[0:0], "day", "en").layout.annotations[0].text == "No data"
    lines = pd.DataFrame({"line": ["food"], "name": ["食品"], "name_en": ["Food"], "collected": [12]})
    items = pd.DataFrame({"item": ["f1", "f2"], "name": ["甲", "乙"], "name_en": ["A", "B"],
                          "collected": [7, 5], "line": ["food", "food"]})
    tree = breakdown_figure(lines, items, "en").data[0]
    assert list(tree.labels) == ["Food", "A", "B"]
    assert list(tree.parents) == ["", "line:food", "line:food"]
