"""The map a commander reads, in Chromium: region names drawn on the map and a legend on the city
and a village view; on the village view one tap beside an incident marker drills into the grid. On
both, the Plotly and MapLibre internals the live glue uses still look as it expects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core.i18n import LEVEL_NAMES, STATE_NAMES, name_of, t
from dashboard.core.models import BusinessItem, Unit
from tests.e2e.stack import wait_for_view
from tests.e2e.test_screens import DRAWN, _post, map_point

pytestmark = pytest.mark.e2e
VILLAGE = "licheng-zhenhai-changshou"

# The names MapLibre actually placed on the canvas (a name hidden by a collision is not listed).
RENDERED_NAMES = """() => {
    const gd = document.querySelector('#unit-map .js-plotly-plot'), PI = window.plotInternals;
    const layer = PI.symbolLayer(gd, gd.data.findIndex(t => t.meta === 'labels'));
    return layer ? PI.mapOf(gd).queryRenderedFeatures({layers: [layer]}).map(f => f.properties.text) : [];
}"""
# What of Plotly's and MapLibre's internals the live glue leans on no longer looks as it expects
# (assets/07_plot_internals.js): a pinned upgrade that moves one fails here, by name.
INTERNALS = "() => window.plotInternals.check()"
# The map's names show without MapLibre's fade-in (assets/35_map_labels.js sets it with their halo).
UNFADED = "() => { const PI = window.plotInternals; return PI.mapOf(PI.mapGraph())._fadeDuration === 0; }"
# The legend under the map (layouts/map_legend.py): its lines, once the map has filled it.
LEGEND = "() => Array.from(document.querySelectorAll('#unit-map-legend .legend-row')).map(a => a.textContent)"


def _children(stack, code: str) -> list[Unit]:
    with Session(stack.engine) as s:
        return list(s.scalars(select(Unit).where(Unit.parent_code == code).order_by(Unit.code)))


def _names_and_legend(page, names: list[str]) -> None:
    page.wait_for_function(f"() => ({RENDERED_NAMES})().length >= {len(names)}", timeout=30_000)
    drawn = page.evaluate(RENDERED_NAMES)
    assert sorted(set(drawn)) == sorted(names)
    page.wait_for_function(f"() => ({LEGEND})().length >= 3", timeout=30_000)
    legend = " ".join(page.evaluate(LEGEND))
    for word in (t("legend.incidents", "zh"), name_of(STATE_NAMES, "reported", "zh"),
                 t("legend.supervision", "zh"), name_of(LEVEL_NAMES, "village", "zh"),
                 t("staff.offline", "zh") if "在线" in legend else t("legend.staff_on_duty", "zh")):
        assert word in legend, (word, legend)


def test_city_map_names_its_districts_and_has_a_legend(page, stack):
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    _names_and_legend(page, [u.name for u in _children(stack, "putian")])
    assert page.evaluate(INTERNALS) == []
    legend = " ".join(page.evaluate(LEGEND))
    assert t("legend.staff_by_town", "zh") in legend  # staff counted per town, not 5,722 dots
    metas = page.evaluate("() => document.querySelector('#unit-map .js-plotly-plot').data.map(t => t.meta)")
    assert "positions" not in metas and "staff-on-duty" in metas
    # Names are placed again at every live update; they show at once, without MapLibre's fade-in
    # (each frame of which copies the canvas back without a GPU).
    page.wait_for_function(UNFADED, timeout=10_000)


def test_village_map_names_its_grids_and_a_tap_beside_a_marker_drills_in_one_tap(page, stack):
    grids = _children(stack, VILLAGE)
    grid = grids[0]
    with Session(stack.engine) as s:
        item = s.scalars(select(BusinessItem.code).order_by(BusinessItem.code)).first()
    # An open incident at the grid's centre: its marker is where a leader taps to open the grid.
    incident_id = str(uuid.uuid4())
    _post(stack, "/api/v1/incidents", {
        "id": incident_id, "reported_at": datetime.now(UTC).isoformat(), "lat": grid.centroid_lat,
        "lon": grid.centroid_lon, "grid": grid.code, "business_item": item, "source": "patrol",
        "severity": 4, "description": "地图点击测试"})
    page.goto(stack.url(f"/unit/{VILLAGE}"))
    wait_for_view(page, "village")
    page.wait_for_function(DRAWN, arg=[incident_id, grid.centroid_lon, grid.centroid_lat], timeout=30_000)
    _names_and_legend(page, [u.name for u in grids])
    # With people, an incident marker and region names on it.
    assert page.evaluate(INTERNALS) == []
    assert t("staff.online", "zh") in " ".join(page.evaluate(LEGEND))  # people as dots down here
    # 12 px beside the (15 px wide) marker: about the grid, not the incident. One tap drills.
    x, y = map_point(page, grid.centroid_lon, grid.centroid_lat)
    spot = (x + 12, y)
    before = page.url
    page.mouse.move(*spot)
    page.wait_for_timeout(200)
    page.mouse.click(*spot)
    page.wait_for_url(lambda url: url != before, timeout=10_000)
    assert page.url.split("?")[0].endswith(f"/unit/{grid.code}")
    wait_for_view(page, "grid")


# The city's map figure drawn into new graphs several times at once, as a live refresh or a resize
# can land on a map still loading its style: what each draw gave, and the sources each map has.
DRAWN_AT_ONCE = """async () => {
    const gd = document.querySelector('#unit-map .js-plotly-plot'), PI = window.plotInternals;
    const el = document.createElement('div');
    el.style.width = '600px'; el.style.height = '400px';
    document.body.appendChild(el);
    const copy = x => JSON.parse(JSON.stringify(x));
    // A graph's first figure is its dark placeholder (no map). A resize asked for then redraws
    // 100 ms later, by then on the map the next draw has built: a draw that started before the
    // map existed lands on it while its style loads.
    await Plotly.newPlot(el, [], {paper_bgcolor: 'rgba(0,0,0,0)'});
    const resized = Plotly.Plots.resize(el);
    el.style.width = '640px';
    const draws = [resized, Plotly.react(el, copy(gd.data), copy(gd.layout)),
                   Plotly.react(el, copy(gd.data), copy(gd.layout)),
                   Plotly.relayout(el, {'map.zoom': gd.layout.map.zoom + 1})];
    const outcomes = [];
    for (const draw of draws) {
        try { await draw; outcomes.push('drawn'); } catch (e) { outcomes.push(String(e)); }
    }
    // And a redraw Plotly times itself (no API call to hold back) writing the traces' data while a
    // new map's style loads: that write waits for the style instead of throwing.
    const late = document.createElement('div');
    late.style.width = '600px'; late.style.height = '400px';
    document.body.appendChild(late);
    const building = Plotly.newPlot(late, copy(gd.data), copy(gd.layout));
    const sub = late._fullLayout.map._subplot;
    let write = PI.styleLoaded(sub.map) ? 'style already loaded' : 'waited';
    try { sub.updateData(late.calcdata); } catch (e) { write = String(e); }
    await building;
    await new Promise(done => setTimeout(done, 500));
    const sources = g => Object.keys(PI.mapOf(g).getStyle().sources).length;
    return {outcomes, write, sources: sources(el), lateSources: sources(late), viewSources: sources(gd)};
}"""


def test_a_map_drawn_again_while_its_style_loads_keeps_every_layer(page, stack):
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    drawn = page.evaluate(DRAWN_AT_ONCE)
    # Before assets/06_plotly_guard.js held the later draws back, the second threw "Style is not
    # done loading" in the console (the page fixture fails on it) and its traces had no source.
    assert drawn["outcomes"] == ["drawn"] * 4
    assert drawn["sources"] == drawn["viewSources"]
    assert drawn["write"] == "waited"
    assert drawn["lateSources"] == drawn["viewSources"]


# The city's map redrawn with the very figure it shows, then with one marker moved: which of the
# map's sources MapLibre loaded again each time.
RELOADED = """async () => {
    const PI = window.plotInternals, gd = PI.mapGraph(), map = PI.mapOf(gd);
    let loaded = new Set();
    map.on('sourcedata', e => { if (e.sourceDataType === 'content') { loaded.add(e.sourceId); } });
    const settle = () => new Promise(done => setTimeout(done, 1500));
    const copy = x => JSON.parse(JSON.stringify(x));
    await Plotly.react(gd, copy(gd.data), copy(gd.layout));
    await settle();
    const same = [...loaded];
    loaded = new Set();
    const data = copy(gd.data), moved = data.findIndex(t => t.meta === 'labels');
    data[moved].lat = data[moved].lat.map(lat => lat + 0.01);
    await Plotly.react(gd, data, copy(gd.layout));
    await settle();
    return {same, moved: [...loaded], sources: Object.keys(map.getStyle().sources).length};
}"""


def test_a_redraw_loads_again_only_the_map_sources_that_changed(page, stack):
    page.goto(stack.url("/city"))
    wait_for_view(page, "city")
    page.wait_for_function(UNFADED, timeout=10_000)  # the map's own settings are in place
    reloaded = page.evaluate(RELOADED)
    # Plotly hands every source its data again at each redraw; before 07_plot_internals.js kept
    # equal data, every source of the map was cut again and drawn again (software GL: a canvas
    # copy each). Now the same figure reloads none, and a moved trace only its own.
    assert reloaded["same"] == []
    assert len(reloaded["moved"]) == 1 and reloaded["sources"] > 3
