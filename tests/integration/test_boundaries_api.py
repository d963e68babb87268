"""The regions document of a unit's map: one immutable, cacheable URL per unit, scoped to the
caller's jurisdiction (dashboard/geo/boundaries.py, GET /api/v1/units/<code>/boundaries.geojson)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from dashboard.app import create_app
from dashboard.core.models import Unit
from dashboard.core.principal import issue_token
from dashboard.geo import boundaries
from tests.integration.test_queries import GRIDS, build_mini_world


@pytest.fixture
def api(engine, Session, services_for):
    """A Flask test client on the mini world with a city viewer and a town duty officer."""
    with Session.begin() as s:
        build_mini_world(s)
        city = issue_token(s, "city-viewer", "viewer", "putian")
        town = issue_token(s, "zhenhai-duty", "duty", "licheng-zhenhai")
    services = services_for(engine)
    app = create_app(services.settings, services)
    client = app.test_client()

    def get(path, token=city, headers=None):
        return client.get(path, headers={"Authorization": f"Bearer {token}", **(headers or {})})

    return SimpleNamespace(get=get, city=city, town=town, Session=Session)


def test_the_screens_url_is_immutable_and_holds_the_childrens_boundaries(api):
    with api.Session() as s:
        city = s.get(Unit, "putian")
        url = boundaries.url(s, city)
        want = {c.code for c in s.query(Unit).filter(Unit.parent_code == "putian")}
    response = api.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "private" in cache
    doc = response.get_json(force=True)
    assert doc["type"] == "FeatureCollection"
    assert {f["id"] for f in doc["features"]} == want
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in doc["features"])
    # A browser revalidating (without the version) gets 304 for the same document.
    again = api.get(url.split("?")[0], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_world_built_again_in_the_same_database_is_drawn_anew(api):
    # A new seed (or the suite's next world in the same scratch database) keeps the codes and
    # changes the shapes: the document and its version follow, never the last world's.
    with api.Session() as s:
        before_url = boundaries.url(s, s.get(Unit, "putian"))
    moved = json.dumps({"type": "Polygon", "coordinates": [[[118.0, 25.0], [118.2, 25.0],
                                                             [118.2, 25.2], [118.0, 25.0]]]})
    with api.Session.begin() as s:
        s.execute(update(Unit).values(boundary=moved))
    with api.Session() as s:
        after_url = boundaries.url(s, s.get(Unit, "putian"))
    assert after_url != before_url
    doc = api.get(after_url).get_json(force=True)
    assert doc["features"] and all(f["geometry"] == json.loads(moved) for f in doc["features"])


def test_without_the_current_version_the_answer_is_not_kept(api):
    response = api.get("/api/v1/units/putian/boundaries.geojson?v=0000000000000000")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert "no-cache" in response.headers["Cache-Control"]


def test_a_grid_draws_itself(api):
    doc = api.get(f"/api/v1/units/{GRIDS[0]}/boundaries.geojson").get_json(force=True)
    assert [f["id"] for f in doc["features"]] == [GRIDS[0]]


def test_refused_outside_the_callers_jurisdiction(api):
    inside = api.get("/api/v1/units/licheng-zhenhai/boundaries.geojson", token=api.town)
    assert inside.status_code == 200
    # Outside it a unit is refused as if it did not exist (the read API's one answer), no geometry.
    for code in ("putian", "licheng", "chengxiang"):
        response = api.get(f"/api/v1/units/{code}/boundaries.geojson", token=api.town)
        assert response.status_code == 404, code
        assert response.get_json() == {"error": f"unknown unit {code!r}", "field": "code"}
        assert "Cache-Control" not in response.headers or "immutable" not in response.headers["Cache-Control"]


def test_unknown_unit_and_no_caller(api):
    missing = api.get("/api/v1/units/atlantis/boundaries.geojson")
    assert missing.status_code == 404 and missing.get_json()["field"] == "code"
    anonymous = api.get("/api/v1/units/putian/boundaries.geojson", token="not-a-token")
    assert anonymous.status_code == 401
