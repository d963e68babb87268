"""Layouts, words and periods: every callback id exists in some layout, both languages read right."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from dash.development.base_component import Component
from plotly.io.json import to_json_plotly

from dashboard.core.i18n import TABLE, fmt_date, fmt_datetime, fmt_int, fmt_pct, t
from dashboard.core.timeutil import PeriodError
from layouts import ids
from layouts.components import view_href
from layouts.detail import detail_body
from layouts.period import is_live, period_query, resolve_period, trend_bucket
from layouts.shell import shell, view_kind, view_skeleton
from layouts.unit import kind_props, view_body

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
PATH = [{"code": "putian", "name": "莆田市", "name_en": "Putian", "level": "city"},
        {"code": "licheng", "name": "荔城区", "name_en": "Licheng", "level": "district"},
        {"code": "licheng-zhenhai", "name": "镇海街道", "name_en": "Zhenhai", "level": "town"},
        {"code": "licheng-zhenhai-changshou", "name": "长寿社区", "name_en": "Changshou", "level": "village"},
        {"code": "licheng-zhenhai-changshou-g01", "name": "长寿社区第1网格", "name_en": "Changshou Grid 1",
         "level": "grid"}]
LINES = [{"code": "food", "name": "食品药品网格化监管", "name_en": "Food and drug supervision"}]


def component_ids(root) -> set:
    """Every id in a component tree (string ids only; pattern ids are not used by the views)."""
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not isinstance(node, Component):
            continue
        if getattr(node, "id", None) is not None:
            found.add(node.id)
        for prop in ("children", "title"):
            child = getattr(node, prop, None)
            if isinstance(child, (Component, list, tuple)):
                stack.append(child)
    return found


def all_layout_ids() -> set:
    """Ids of the shell, a view skeleton and both view bodies (with Dash pages' own location)."""
    found = component_ids(shell()) | component_ids(view_skeleton("putian", {}, "putian"))
    for lang in ("zh", "en"):
        found |= component_ids(view_body(PATH[:2], {}, "today", ("2026-11-27", "2026-11-27"), LINES, lang))
        found |= component_ids(view_body(PATH, {}, "2018", ("2018-01-01", "2018-12-31"), LINES, lang))
    return found | {"_pages_location", "_pages_content", "_pages_store", "_pages_dummy"}


def screens_app():
    """A Dash app with the screens' callbacks only (other views test their own)."""
    from dash import Dash
    from flask import Flask

    from callbacks import detail, grid, live, navigation, shell_cb, unit, view
    from layouts.shell import register_pages

    app = Dash(__name__, server=Flask(__name__), use_pages=True, pages_folder="",
               suppress_callback_exceptions=True)
    register_pages()
    app.layout = shell
    for module in (shell_cb, view, navigation, unit, grid, detail, live):
        module.register(app)
    return app


def test_every_callback_id_exists_in_some_layout():
    app = screens_app()
    known = all_layout_ids()
    used = set()
    for key, callback in app.callback_map.items():
        for dep in callback["inputs"] + callback["state"]:
            used.add(dep["id"])
        for output in key.strip(".").split("..."):  # "..a.p...b.q.." for several outputs
            used.add(output.split("@")[0].rsplit(".", 1)[0])
    missing = {i for i in used if i not in known}
    assert not missing, f"callback ids missing from every layout: {missing}"
    assert {ids.MAP, ids.KPIS, ids.TICKER, ids.DETAIL, ids.LIVE_FEED} <= used


def find(root, ident):
    """The component of a tree with this id."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, Component):
            if getattr(node, "id", None) == ident:
                return node
            for prop in ("children", "title"):
                child = getattr(node, prop, None)
                if isinstance(child, (Component, list, tuple)):
                    stack.append(child)
    raise AssertionError(f"no {ident} in the tree")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_grid_view_is_a_unit_view_with_the_grid_kind_props(lang):
    # One body for both kinds: a drill from a village into a grid sets kind_props in place
    # (callbacks/view.py) and must then show what a grid's view built anew shows.
    period = ("2026-11-27", "2026-11-27")
    village = view_body(PATH[:4], {}, "today", period, LINES, lang)
    grid = view_body(PATH, {}, "today", period, LINES, lang)
    assert component_ids(village) == component_ids(grid)
    for kind, body in (("unit", village), ("grid", grid)):
        for ident, props in kind_props(kind, lang).items():
            for prop, value in props.items():
                assert getattr(find(body, ident), prop) == value, (kind, ident, prop)
    # What tells the kinds apart is all in kind_props: the grid's body is the village's with them.
    grid_props = kind_props("grid", lang)
    assert grid.className == "view grid-view" and find(grid, ids.VIEW_PANES).className == "grid-grid"
    assert grid_props[ids.TICKER_TITLE]["children"] == t("panel.incidents", lang)
    for ident, props in grid_props.items():
        for prop, value in props.items():
            setattr(find(village, ident), prop, value)
    setattr(village, "data-level", "grid")
    find(village, ids.BREADCRUMB).children = find(grid, ids.BREADCRUMB).children  # set in place too
    assert json.loads(to_json_plotly(village)) == json.loads(to_json_plotly(grid))


def test_breadcrumb_links_up_and_keeps_the_period():
    body = view_body(PATH, {"from": "2018-01-01", "to": "2018-12-31", "token": "x"}, "2018",
                     ("2018-01-01", "2018-12-31"), LINES, "zh")
    crumb = next(c for c in [body.children[0].children[0].children] if c is not None)
    items = crumb.items
    assert [i["label"] for i in items] == ["莆田市", "荔城区", "镇海街道", "长寿社区", "长寿社区第1网格"]
    assert items[0]["href"] == "/city?from=2018-01-01&to=2018-12-31"
    assert items[3]["href"] == "/unit/licheng-zhenhai-changshou?from=2018-01-01&to=2018-12-31"
    assert items[-1].get("active") is True


def test_view_kind_and_href():
    assert view_kind("chengxiang-longqiao-xingan-g03") == "grid"
    assert view_kind("chengxiang-longqiao-xingan") == "unit"
    href = view_href("/unit/licheng", {"period": "7d", "line": "food", "x": "1"})
    assert href == "/unit/licheng?period=7d&line=food"


def test_numbers_and_dates_in_both_languages():
    assert fmt_int(576647) == "576,647"
    assert fmt_pct(549565 / 576647, "zh") == "95.3%"
    assert fmt_pct(549565 / 576647, "en") == "95.3 %"
    assert fmt_pct(None) == "—"
    assert fmt_date(date(2018, 1, 5), "zh") == "2018年1月5日"
    assert fmt_date(date(2018, 1, 5), "en") == "5 Jan 2018"
    assert fmt_datetime("2018-03-05T06:07:00+00:00", "zh") == "2018年3月5日 14:07"
    assert t("kpi.closure_rate", "zh") == "办结率" and t("kpi.closure_rate", "en") == "Closure rate"
    assert all(zh and en for zh, en in TABLE.values())


def test_periods_resolve_and_round_trip():
    assert resolve_period({}, NOW)[1] == "today"
    period, choice = resolve_period({"period": "7d"}, NOW)
    assert choice == "7d" and period.days == 7 and is_live(period, NOW)
    period, choice = resolve_period(period_query("2018"), NOW)
    assert choice == "2018" and (period.start, period.end) == (date(2018, 1, 1), date(2018, 12, 31))
    assert not is_live(period, NOW) and trend_bucket(period) == "month"
    assert resolve_period({"period": "year"}, NOW)[0].start == date(2026, 1, 1)
    custom = period_query("custom", "2026-11-01T00:00:00", "2026-11-03")
    assert custom == {"from": "2026-11-01", "to": "2026-11-03"}
    assert resolve_period({"from": "2026-11-01", "to": "2026-11-03"}, NOW)[1] == "custom"
    with pytest.raises(PeriodError) as err:
        resolve_period({"period": "fortnight"}, NOW)
    assert err.value.field == "period"


def test_detail_shows_the_whole_timeline():
    incident = {"id": "inc-1", "state": "closed", "severity": 3, "business_item": "f1",
                "business_item_name": "无证经营", "business_item_name_en": "Unlicensed trading",
                "department": "market", "department_name": "市场监管局", "department_name_en": "Market",
                "reported_at": "2018-03-05T06:07:00+00:00", "description": "", "path": PATH,
                "supervision": [],
                "timeline": [{"action": "report", "to": "reported", "at": "2018-03-05T06:07:00+00:00"},
                             {"action": "dispatch", "to": "dispatched", "at": "2018-03-05T06:20:00+00:00"},
                             {"action": "close", "to": "closed", "at": "2018-03-06T01:00:00+00:00"}]}
    body = detail_body(incident, "en")
    timeline = body.children[-2]
    assert len(timeline.children) == 3
    assert body.children[0].children == "Unlicensed trading"
    assert "Close" in str(timeline.children[-1].children)
