"""Callbacks called directly, on the tiny world (tests/integration/ui_world.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dash import Patch, no_update
from flask import g

from callbacks import detail, grid, navigation, shell_cb, unit, view
from dashboard.app import create_app
from dashboard.contract import keys
from dashboard.core.principal import Principal
from layouts import ids
from layouts.figures_map import STAFF_TRACES_AT
from layouts.period import period_query
from layouts.shell import view_skeleton
from tests.integration import ui_world

TOWN = "licheng-zhenhai"
YEAR_2018 = period_query("2018")
SEEN = ui_world.NOW - timedelta(days=1)  # s001's latest position: a day old, so offline
CITY_VIEWER = Principal(name="city", role="viewer", unit_code="putian", unit_level="city", via="session")


@pytest.fixture
def app(Session, engine, services_for):  # noqa: N803 - the fixture is a session factory
    """The real Flask app (API, realtime, Dash) on the tiny world, called by a city-level viewer."""
    with Session.begin() as s:
        ui_world.build(s)
    services = services_for(engine)
    latest = {"lat": 25.41, "lon": 119.01, "ts": SEEN.isoformat(), "grid": ui_world.GRID,
              "role": "patrol"}
    services.redis.hset(keys.LATEST_POSITIONS, "s001", json.dumps(latest))
    server = create_app(services.settings, services)
    with server.test_request_context("/_dash-update-component"):
        g.principal = CITY_VIEWER  # as dashboard.api resolves a logged-in session
        yield server


def _view(code: str, **query) -> dict:
    return {"code": code, "kind": "grid" if code.endswith("-g01") else "unit", "query": query}


def _kpis(tiles) -> dict[str, str]:
    return {tile.to_plotly_json()["props"]["data-kpi"]: tile.children[1].children for tile in tiles}


def test_view_renders_with_breadcrumb_and_subscription(app):
    body, sub = view.render_view(_view(TOWN, period="7d"), "zh")
    assert sub["unit"] == TOWN and sub["level"] == "town" and sub["depth"] == 3
    assert sub["names"]["units"]["licheng-zhenhai-changshou"] == "长寿社区"
    crumbs = body.children[0].children[0].children.items
    assert [c["label"] for c in crumbs] == ["莆田市", "荔城区", "镇海街道"]
    # The regions document its map draws, for the page to fetch while Plotly and the map load.
    fig = unit.map_for(_view(TOWN, period="7d"), "open", None, "zh", live=False)
    assert sub["regions"] == next(t for t in fig.data if t.meta == "regions").geojson
    _, sub_en = view.render_view(_view(TOWN), "en")
    assert sub_en["names"]["units"]["licheng-zhenhai-changshou"] == "Changshou"


def _find(component, ident: str):
    """The component with this id inside a body."""
    if getattr(component, "id", None) == ident:
        return component
    kids = getattr(component, "children", None)
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        found = _find(kid, ident) if hasattr(kid, "to_plotly_json") else None
        if found is not None:
            return found
    return None


def test_a_new_body_holds_its_figure_tiles_and_sub_units_from_its_first_frame(app):
    town = _view(TOWN, period="7d")
    body, _ = view.render_view(town, "zh")
    tiles, _, _ = unit.figures_for(town, "zh", live=False)
    assert _kpis(_find(body, ids.KPIS).children) == _kpis(tiles)
    assert _kpis(tiles)["collected"] == "5"  # numbers, not the empty slot's dashes
    assert _find(body, ids.CHILDREN).rowData == unit.update_children(town, None, "zh")
    assert [r["name"] for r in _find(body, ids.CHILDREN).rowData] == ["长寿社区"]
    # A grid's view shows no sub-units: its hidden list stays empty; its tiles are filled.
    grid_body, _ = view.render_view(_view(ui_world.GRID, period="7d"), "en")
    assert _find(grid_body, ids.CHILDREN).rowData == []
    assert _kpis(_find(grid_body, ids.KPIS).children)["collected"] != "—"


def test_unknown_unit_and_bad_period_say_why(app):
    body, sub = view.render_view(_view("nowhere"), "zh")
    assert sub is None and "nowhere" in body.children
    body, _ = view.render_view(_view(TOWN, period="fortnight"), "en")
    assert "period" in body.children


def test_figures_of_a_town_for_a_week(app):
    tiles, states, levels = unit.figures_for(_view(TOWN, period="7d"), "zh", live=False)
    kpis = _kpis(tiles)
    # 5 incidents in the last week: 2 closed, 3 open (1 overdue); 1 town-level supervision item.
    assert kpis["collected"] == "5" and kpis["closed"] == "2" and kpis["closure_rate"] == "40.0%"
    assert kpis["open"] == "3" and kpis["overdue"] == "1" and kpis["supervision"] == "1"
    assert kpis["certificates"] == "1"
    assert list(states.data[0].x) == [1, 1, 1, 0]
    assert list(levels.data[0].y) == [0, 1, 0, 0]


def test_2018_at_city_level_counts_only_2018(app):
    tiles, _, _ = unit.figures_for(_view("putian", **YEAR_2018), "en", live=False)
    kpis = _kpis(tiles)
    assert kpis["collected"] == "1" and kpis["closed"] == "1" and kpis["closure_rate"] == "100.0 %"


def test_under_supervision_counts_what_the_overdue_list_shows_whatever_the_period(app):
    # inc-004's item opened this week and is open now: 督办中 is a state of now, so a 2018 view's
    # tile and chart count it, as its overdue list (every open item) lists it.
    view_2018 = _view("putian", **YEAR_2018)
    tiles, _, levels = unit.figures_for(view_2018, "en", live=False)
    _, overdue = unit.update_lists(view_2018, None, "en")
    assert [r["id"] for r in overdue] == ["inc-004"]
    assert _kpis(tiles)["supervision"] == "1" and sum(levels.data[0].y) == 1


def test_live_change_sends_patches_not_figures(app):
    tiles, states, levels = unit.figures_for(_view(TOWN), "zh", live=True)
    assert isinstance(states, Patch) and isinstance(levels, Patch)
    assert unit.figures_for(_view(TOWN, **YEAR_2018), "zh", live=True) == (no_update,) * 3
    patch = unit.map_for(_view("putian", period="7d"), "open", {"n": 1}, "zh", live=True)
    assert isinstance(patch, Patch)


def _live(fn, *args):
    """Call a callback as Dash does when the live-dirty store set it off."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{ids.LIVE_DIRTY}.data",
                                                               "value": {"n": 1}}]))
    try:
        return fn(*args)
    finally:
        context_value.reset(token)


def test_live_change_patches_only_a_drawn_view(app):
    # A drill's figures may still be on their way (or dropped by Dash for this newer request): a
    # view whose map is not drawn yet gets whole figures and its lists; a drawn one gets patches.
    view_ = _view("putian", period="7d")
    whole, legend = _live(unit.update_map, view_, "open", {"n": 1}, "zh", None)
    assert not isinstance(whole, Patch) and any(t.meta == "regions" for t in whole.data)
    assert legend and legend is not no_update
    _, states, _ = _live(unit.update_figures, view_, {"n": 1}, "zh", {"code": "licheng", "query": {}})
    assert not isinstance(states, Patch) and states.data
    ticker, _ = _live(unit.update_lists, view_, {"n": 1}, "zh", None)
    assert ticker is not no_update
    patch, legend = _live(unit.update_map, view_, "open", {"n": 1}, "zh", dict(view_))
    assert isinstance(patch, Patch) and legend is no_update  # the legend changes with a full redraw
    assert _live(unit.update_lists, view_, {"n": 1}, "zh", dict(view_)) == (no_update, no_update)


def test_map_of_the_city_and_of_a_grid(app):
    fig = unit.map_for(_view("putian", period="7d"), "open", None, "zh", live=False)
    regions = next(t for t in fig.data if t.meta == "regions")
    assert list(regions.locations) == ["chengxiang", "licheng"] and list(regions.z) == [0, 3]
    incidents = next(t for t in fig.data if t.meta == "incidents")
    assert sorted(incidents.ids) == ["inc-003", "inc-004", "inc-005"]
    grid_fig = unit.map_for(_view(ui_world.GRID, period="7d"), "open", None, "en", live=False)
    assert [t.meta for t in grid_fig.data].count("tracks") == 1
    grid_positions = next(t for t in grid_fig.data if t.meta == "positions")
    assert grid_positions.customdata[0][1] == "林芳"


def test_city_counts_staff_per_town_and_a_town_draws_each_person(app):
    fig = unit.map_for(_view("putian"), "open", None, "zh", live=False)
    # The city counts its staff per town (s001 last reported long ago: offline); no dots.
    assert "positions" not in [t.meta for t in fig.data]
    discs = next(t for t in fig.data if t.meta == "staff-all")
    assert list(discs.ids) == [TOWN] and "在岗 0 / 1" in discs.customdata[0][2]
    assert fig.data[STAFF_TRACES_AT] is discs
    # From town level down, one dot per person; no per-dot names there (no hover), only on a grid.
    town = unit.map_for(_view(TOWN), "open", None, "zh", live=False)
    positions = next(t for t in town.data if t.meta == "positions")
    assert list(positions.ids) == ["s001"] and positions.customdata is None


def test_the_searched_person_is_ringed_on_their_grid_map(app):
    fig = unit.map_for(_view(ui_world.GRID, staff="s001"), "open", None, "zh", live=False)
    ring = next(t for t in fig.data if t.meta == "highlight")
    assert list(ring.lat) == [25.41, 25.41] and ring.customdata[0][1] == "林芳"
    assert "林芳" in fig.layout.annotations[-1].text
    # Nobody by that id under this unit (or at all): no ring, the map as usual.
    for code, staff in (("chengxiang", "s001"), (ui_world.GRID, "nobody")):
        fig = unit.map_for(_view(code, staff=staff), "open", None, "zh", live=False)
        assert "highlight" not in [t.meta for t in fig.data]
        assert list(fig.layout.annotations) == []


def test_incidents_per_patrol_hour_on_the_city_map(app):
    from datetime import timedelta

    from dashboard.core.models import Position

    unit.data._PAST.clear()  # hours of an ended period are remembered per process
    start = ui_world.NOW - timedelta(hours=4)
    with unit.data.scope.session() as s:
        s.add_all([Position(staff_id="s001", ts=start + timedelta(minutes=m), lat=25.41, lon=119.01,
                            grid_code=ui_world.GRID) for m in (0, 60, 120)])
        s.commit()
    fig = unit.map_for(_view("putian", **{"from": ui_world.DAY, "to": ui_world.DAY}), "per_patrol_hour",
                       None, "en", live=False)
    regions = next(t for t in fig.data if t.meta == "regions")
    # Licheng: 5 incidents over 2 patrol hours; Chengxiang: nobody patrolled.
    assert regions.z[1] == pytest.approx(2.5) and regions.customdata[0][1] == "—"
    # Hours do not move with counts: a live change patches only the staff discs.
    live = unit.map_for(_view("putian"), "per_patrol_hour", {"n": 1}, "en", live=True)
    assert isinstance(live, Patch)
    assert [op["location"] for op in live.to_plotly_json()["operations"]][0][:2] == ["data", 1]
    assert ["data", 0, "z"] not in [op["location"] for op in live.to_plotly_json()["operations"]]
    assert unit.map_for(_view(TOWN), "per_patrol_hour", {"n": 1}, "en", live=True) is no_update


def test_lists_ticker_overdue_children_departments(app):
    ticker, overdue = unit.update_lists(_view("putian", period="7d"), None, "zh")
    assert len(ticker) == 5 and {r["unit"] for r in ticker} == {"荔城区"}
    assert overdue[0]["id"] == "inc-004" and overdue[0]["level_label"] == "乡镇街道"
    children = unit.update_children(_view("putian", period="7d"), None, "en")
    assert [(c["name"], c["collected"]) for c in children] == [("Chengxiang", 0), ("Licheng", 5)]
    board = unit.update_departments(_view("putian", period="7d"), "zh")
    assert board[0]["department"] == "market" and board[0]["dispatched"] == 4
    funnel = unit.update_funnel(_view("putian", period="7d"), "zh")
    assert list(funnel.data[0].x)[2:6] == [1, 1, 1, 0]


def test_grid_staff_with_status(app):
    rows = grid.update_staff(_view(ui_world.GRID), None, "zh")
    assert rows == [{"id": "s001", "name": "林芳", "role": "patrol", "role_label": "网格巡逻巡查员",
                     "status": "offline", "status_label": "离线",
                     "last_seen": f"{SEEN.month}月{SEEN.day}日 14:00"}]


def test_detail_panel_from_a_row_and_from_the_map(app):
    is_open, body = detail.from_row({"rowId": "inc-004", "colId": "item"}, "zh")
    assert is_open is True and body.to_plotly_json()["props"]["data-incident"] == "inc-004"
    assert detail.from_map({"points": [{"location": "licheng"}]}, "zh") == (no_update, no_update)
    opened, _ = detail.from_map({"points": [{"customdata": ["inc-003", "待派遣"], "curveNumber": 3}]}, "zh")
    assert opened is True


def test_navigation_keeps_period_and_line(app):
    current = _view("putian", period="7d", line="food")
    _body, sub = view.render_view(current, "zh")
    # The links a drill follows in the browser (assets/31_drill.js): the child's URL, the view it
    # names (what the page would render from that URL) and its regions document.
    licheng = sub["children"]["licheng"]
    assert licheng["href"] == "/unit/licheng?period=7d&line=food"
    assert licheng["view"] == {"code": "licheng", "kind": "unit", "query": {"period": "7d", "line": "food"}}
    assert licheng["regions"].startswith("/api/v1/units/licheng/boundaries.geojson?v=")
    _body, town_sub = view.render_view(_view("licheng", period="7d", line="food"), "zh")
    assert town_sub["children"][TOWN]["href"] == f"/unit/{TOWN}?period=7d&line=food"
    year = navigation.filters_changed("2018", None, None, "", current)
    assert year == "/city?from=2018-01-01&to=2018-12-31"
    assert navigation.filters_changed("7d", None, None, "food", current) is no_update
    assert navigation.filters_changed("custom", None, None, "", current) is no_update


def test_a_drill_between_unit_views_happens_in_place(app):
    _body, city = view.render_view(_view("putian"), "zh")
    body, sub, in_place = view.view_parts(_view("licheng"), "zh", city)
    # The body stays as it is (any change of it re-runs every callback inside it): only the
    # breadcrumb and the level are set; the map and the panels stay mounted.
    assert body is no_update and sub["unit"] == "licheng"
    assert set(in_place) == {ids.BREADCRUMB, ids.VIEW_LEVEL}
    assert in_place[ids.VIEW_LEVEL] == {"data-level": "district"}
    crumbs = in_place[ids.BREADCRUMB]["children"].items
    assert [c["label"] for c in crumbs] == ["莆田市", "荔城区"]
    # Into a grid the body stays too: it becomes the grid's by the kind's props (which panels show,
    # the ticker's title and columns), its map kept.
    _body, village = view.render_view(_view(ui_world.GRID.rsplit("-", 1)[0]), "zh")
    body, sub, in_place = view.view_parts(_view(ui_world.GRID), "zh", village)
    assert body is no_update and sub["unit"] == ui_world.GRID and sub["aggregate"] is False
    assert in_place[ids.VIEW_LEVEL] == {"className": "view grid-view", "data-level": "grid"}
    assert in_place[ids.VIEW_PANES] == {"className": "grid-grid"}
    assert in_place[ids.TICKER_TITLE] == {"children": "网格事件"}
    assert [c["field"] for c in in_place[ids.TICKER]["columnDefs"]] == ["time", "item", "severity_label",
                                                                       "state_label"]
    # In another language, or from a grid's view, the body is built anew.
    _body, grid_sub = view.render_view(_view(ui_world.GRID), "zh")
    for whole in (view.view_parts(_view("licheng"), "en", city),
                  view.view_parts(_view(ui_world.GRID.rsplit("-", 1)[0]), "zh", grid_sub)):
        assert whole[0] is not no_update and whole[2] == {}
    # The router leaves the page alone for the view a drill already put on screen, and only then.
    shown = city["children"]["licheng"]["view"]
    assert view_skeleton("licheng", {"view_shown": shown}, "putian") is no_update
    assert view_skeleton("licheng", {"view_shown": shown, "period": "7d"}, "putian") is not no_update
    assert view_skeleton("licheng", {"view_shown": None}, "putian") is not no_update


def test_search_finds_units_and_staff(app):
    units = shell_cb.search_hits("长寿", "zh")
    assert units[0]["href"] == "/unit/licheng-zhenhai-changshou"
    assert units[0]["place"] == "荔城区 › 镇海街道"
    staff = shell_cb.search_hits("林芳", "en", _view("putian", period="7d"))
    assert [h["href"] for h in staff] == [f"/unit/{ui_world.GRID}?period=7d&staff=s001"]  # once
    assert staff[0]["name"] == "林芳"
    assert staff[0]["place"].endswith("Licheng › Zhenhai › Changshou › Changshou grid 1")
    assert shell_cb.search_hits("林芳", "zh")[0]["href"] == f"/unit/{ui_world.GRID}?staff=s001"
    assert shell_cb.search_hits("  ", "zh") == [] and shell_cb.search_results("", "zh") == []
    assert shell_cb.go_to_first(1, "长寿", "zh") == "/unit/licheng-zhenhai-changshou"
    assert shell_cb.go_to_first(1, "nowhere-at-all", "zh") is no_update
    assert shell_cb.toggle_lang(1, "zh") == "en" and shell_cb.toggle_lang(2, "en") == "zh"


def test_search_results_are_links_with_their_place_or_say_nothing_matched(app):
    (person,) = shell_cb.search_results("林芳", "zh")
    assert person.role == "option"
    link = person.children
    assert link.href == f"/unit/{ui_world.GRID}?staff=s001"
    assert [span.children for span in link.children][0] == "林芳"
    assert "镇海街道 › 长寿社区" in link.children[1].children
    (none,) = shell_cb.search_results("不存在的名字", "en")
    assert (none.children, none.className) == ("No matches", "search-none")


def test_views_outside_the_jurisdiction_are_refused(app):
    g.principal = Principal(name="cx", role="viewer", unit_code="chengxiang", unit_level="district")
    body, sub = view.render_view(_view("licheng"), "zh")
    assert sub is None and body.children == "该单位不在您的管辖范围内"
    assert unit.update_lists(_view("licheng"), None, "zh") == ([], [])
    assert detail.from_row({"rowId": "inc-004"}, "zh")[1].children == "点击列表中的事件查看全过程"
    assert ids.VIEW == "view"


def test_callbacks_without_a_caller_show_nothing(app):
    del g.principal  # nobody logged in: dashboard.api finds no session and no token
    body, sub = view.render_view(_view("putian"), "zh")
    assert sub is None and body.children == "该单位不在您的管辖范围内"
    assert unit.update_lists(_view(TOWN), None, "zh") == ([], [])
    assert unit.figures_for(_view(TOWN), "zh", live=False)[0] == []
    assert grid.update_staff(_view(ui_world.GRID), None, "zh") == []
    assert shell_cb.search_hits("林芳", "zh") == []
    assert detail.from_row({"rowId": "inc-004"}, "zh")[1].children == "点击列表中的事件查看全过程"


def test_a_tap_drills_unless_it_lands_on_a_marker(app):
    view = _view("licheng")
    # A region's tap drills in the browser, in place (assets/31_drill.js, callbacks/navigation.py
    # child_links); the server's callback leaves it alone.
    assert navigation.map_drill({"points": [{"location": TOWN}]}, view) is no_update
    # A town's staff disc drills into its town; an incident marker does not drill.
    disc = {"points": [{"customdata": [TOWN, "unit", "镇海街道"]}]}
    assert navigation.map_drill(disc, view) == f"/unit/{TOWN}"
    assert navigation.map_drill({"points": [{"customdata": ["inc-1", "待派遣"]}]}, view) is no_update
