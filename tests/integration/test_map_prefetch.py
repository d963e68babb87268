"""A child's map fetched before the tap (callbacks/map_prefetch.py) and the map callback that then
answers only when the figure has changed (callbacks/unit.py update_map), on the tiny world, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json

from dash import Patch, no_update
from flask import g

from callbacks import map_prefetch, unit, view
from dashboard.core.principal import Principal
from tests.integration import ui_world
from tests.integration.test_callbacks_screens import TOWN, _view, app  # noqa: F401 - the fixture

TOWN_VIEWER = Principal(name="town", role="viewer", unit_code=TOWN, unit_level="town", via="session")


def _fetch(server, path: str, principal: Principal | None = None):
    with server.test_request_context(path):
        if principal is not None:
            g.principal = principal
        return server.make_response(map_prefetch.map_document(path.split("/")[-1].split("?")[0]))


def test_each_child_link_names_its_map_and_the_document_is_the_maps_own(app):  # noqa: F811
    _body, sub = view.render_view(_view("putian", period="7d"), "zh")
    link = sub["children"]["licheng"]
    assert link["map"] == "/_dash-prefetch/map/licheng?period=7d"
    assert link["level"] == "district"
    response = _fetch(app, link["map"] + "&measure=open&lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    doc = json.loads(response.get_data())
    # What the map's own callback draws for that view: the same figure, so the drill needs no answer.
    figure, legend = unit.map_and_legend(link["view"], "open", None, "en", live=False)
    regions = next(t for t in doc["figure"]["data"] if t["meta"] == "regions")
    assert regions["locations"] == [r for r in next(t for t in figure.data if t.meta == "regions").locations]
    assert all(code.startswith("licheng-") for code in regions["locations"])
    assert doc["parts"] == unit.map_parts(figure)
    assert doc["key"] == unit.map_key(link["view"], "open", "en")
    assert len(doc["legend"]) == len(legend) > 0


def test_the_map_callback_sends_only_what_changed_since_the_drawn_document(app):  # noqa: F811
    licheng = _view("licheng", period="7d")
    figure, _ = unit.map_and_legend(licheng, "open", None, "zh", live=False)
    drawn = {"key": unit.map_key(licheng, "open", "zh"), "parts": unit.map_parts(figure)}
    assert unit.update_map(licheng, "open", None, "zh", None, drawn) == (no_update, no_update)
    # One layer changed since the document (here: the incidents'): that trace alone, as a patch.
    at = next(i for i, t in enumerate(figure.data) if t.meta == "incidents")
    older = [*drawn["parts"]]
    older[1 + at] = "0" * 16
    patch, legend = unit.update_map(licheng, "open", None, "zh", None, {**drawn, "parts": older})
    assert isinstance(patch, Patch) and legend is not no_update
    ops = patch.to_plotly_json()["operations"]
    assert [op["location"] for op in ops] == [["data", at]]
    assert ops[0]["params"]["value"]["meta"] == "incidents"
    # Another layout, an older document of another shape, another language or view: the whole map.
    layout_changed = [("0" * 16), *drawn["parts"][1:]]
    for other in ({**drawn, "parts": layout_changed}, {**drawn, "parts": drawn["parts"][:-1]},
                  {**drawn, "key": unit.map_key(licheng, "open", "en")},
                  {**drawn, "key": unit.map_key(_view("putian", period="7d"), "open", "zh")}, None):
        fresh, legend = unit.update_map(licheng, "open", None, "zh", None, other)
        assert hasattr(fresh, "data") and legend is not no_update, other


def test_positions_moving_do_not_make_the_map_out_of_date_but_incidents_do(app):  # noqa: F811
    fig = unit.map_for(_view(TOWN), "open", None, "zh", live=False)
    positions = next(t for t in fig.data if t.meta == "positions")
    before = unit.map_parts(fig)
    positions.lat = [lat + 0.001 for lat in positions.lat]
    assert unit.map_parts(fig) == before
    incidents = next(t for t in fig.data if t.meta == "incidents")
    incidents.ids = [*incidents.ids[1:]]
    after = unit.map_parts(fig)
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [
        1 + list(fig.data).index(incidents)]


def test_refusals_name_the_field(app):  # noqa: F811
    assert _fetch(app, "/_dash-prefetch/map/licheng?measure=speed&lang=zh").get_json() == {
        "error": "measure must be one of open, overdue, closure_rate, per_1000, per_patrol_hour, coverage",
        "field": "measure"}
    bad_lang = _fetch(app, "/_dash-prefetch/map/licheng?lang=fr")
    assert bad_lang.status_code == 400 and bad_lang.get_json()["field"] == "lang"
    bad_period = _fetch(app, "/_dash-prefetch/map/licheng?period=custom&from=2026-13-01")
    assert bad_period.status_code == 400 and bad_period.get_json()["field"] in ("from", "period")
    # Outside the caller's jurisdiction a unit does not exist, as everywhere else.
    for code in ("putian", "chengxiang", "atlantis"):
        refused = _fetch(app, f"/_dash-prefetch/map/{code}", TOWN_VIEWER)
        assert refused.status_code == 404, code
        assert refused.get_json() == {"error": f"unknown unit {code!r}", "field": "code"}
    assert _fetch(app, f"/_dash-prefetch/map/{ui_world.GRID}", TOWN_VIEWER).status_code == 200


def test_without_a_session_the_gate_answers_401(app):  # noqa: F811
    response = app.test_client().get("/_dash-prefetch/map/licheng")
    assert response.status_code == 401
    assert response.get_json()["field"] == "session"
