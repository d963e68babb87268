"""The read API through Flask's test client on both databases: figures, lists, errors, scoping."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dashboard.app import create_app
from dashboard.core.models import OPEN_STATES
from dashboard.core.principal import issue_token
from tests.integration.test_queries import GRIDS, YEAR, build_mini_world, expected

YEAR_ARGS = {"from": "2018-01-01", "to": "2018-12-31"}


@pytest.fixture
def api(engine, Session, services_for):
    """A Flask test client on the mini world with a city viewer and a town duty officer."""
    with Session.begin() as s:
        specs = build_mini_world(s)
        city = issue_token(s, "city-viewer", "viewer", "putian")
        town = issue_token(s, "zhenhai-duty", "duty", "licheng-zhenhai")
    services = services_for(engine)
    app = create_app(services.settings, services)
    client = app.test_client()

    def get(path, token=city, **params):
        return client.get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})

    return SimpleNamespace(get=get, client=client, specs=specs, city=city, town=town)


def test_unit_answers_figures_children_boundary(api):
    body = api.get("/api/v1/units/putian", **YEAR_ARGS).get_json()
    want = expected(api.specs, "putian", YEAR)
    assert {k: body["figures"][k] for k in want} == want
    assert body["figures"]["closure_rate"] == want["closed"] / want["collected"]
    assert (body["code"], body["level"], body["parent"]) == ("putian", "city", None)
    assert body["name"] == "莆田市" and body["name_en"] == "Putian"
    assert [c["code"] for c in body["children"]] == ["licheng", "chengxiang"]
    for key in ("collected", "closed", "open", "overdue"):
        assert sum(c["figures"][key] for c in body["children"]) == body["figures"][key]
    assert body["boundary"]["type"] == "Polygon"
    assert body["centroid"] == [119.05, 25.45]
    assert body["period"] == YEAR_ARGS


def test_grid_unit_has_path_and_no_children(api):
    body = api.get(f"/api/v1/units/{GRIDS[0]}", **YEAR_ARGS).get_json()
    assert [p["level"] for p in body["path"]] == ["city", "district", "town", "village", "grid"]
    assert body["children"] == [] and body["parent"] == GRIDS[0].rsplit("-", 1)[0]
    assert body["figures"]["collected"] == expected(api.specs, GRIDS[0], YEAR)["collected"]


def test_line_filter(api):
    body = api.get("/api/v1/units/licheng", line="weiwangge", **YEAR_ARGS).get_json()
    assert body["figures"]["collected"] == expected(api.specs, "licheng", YEAR, "weiwangge")["collected"]
    assert body["line"] == "weiwangge"


@pytest.mark.parametrize(("params", "status", "field"), [
    ({"from": "2018-13-01"}, 400, "from"),
    ({"from": "yesterday"}, 400, "from"),
    ({"from": "2018-02-01", "to": "2018-01-01"}, 400, "to"),
    ({"to": "2018/01/01"}, 400, "to"),
    ({"line": "no-such-line"}, 400, "line"),
])
def test_unit_bad_parameters(api, params, status, field):
    response = api.get("/api/v1/units/putian", **params)
    assert response.status_code == status
    assert response.get_json()["field"] == field and response.get_json()["error"]


def test_unknown_unit_is_404(api):
    response = api.get("/api/v1/units/atlantis")
    assert response.status_code == 404
    assert response.get_json() == {"error": "unknown unit 'atlantis'", "field": "code"}


def test_reads_need_a_caller(api):
    assert api.client.get("/api/v1/units/putian").status_code == 401
    response = api.get("/api/v1/departments", token="pt_not-a-token")
    assert response.status_code == 401 and response.get_json()["field"] == "Authorization"


def test_town_officer_sees_only_its_town(api):
    own = api.get("/api/v1/units/licheng-zhenhai", token=api.town, **YEAR_ARGS)
    assert own.status_code == 200
    assert api.get(f"/api/v1/units/{GRIDS[0]}", token=api.town).status_code == 200
    for code in ("putian", "licheng", "licheng-gongchen", GRIDS[2]):
        refused = api.get(f"/api/v1/units/{code}", token=api.town)  # as if it did not exist
        assert refused.status_code == 404, code
        assert refused.get_json() == {"error": f"unknown unit {code!r}", "field": "code"}
    listed = api.get("/api/v1/incidents", token=api.town, limit=500, **YEAR_ARGS).get_json()
    mine = {x.id for x in api.specs if x.under("licheng-zhenhai") and x.local.year == 2018}
    assert {row["id"] for row in listed["items"]} == mine and listed["unit"] == "licheng-zhenhai"
    other = api.get("/api/v1/incidents", token=api.town, unit="licheng-gongchen")
    assert other.status_code == 404 and other.get_json()["field"] == "unit"
    foreign = next(x for x in api.specs if not x.under("licheng-zhenhai"))
    assert api.get(f"/api/v1/incidents/{foreign.id}", token=api.town).status_code == 404
    assert api.get(f"/api/v1/incidents/{foreign.id}").status_code == 200
    local = next(x for x in api.specs if x.under("licheng-zhenhai"))
    assert api.get(f"/api/v1/incidents/{local.id}", token=api.town).status_code == 200
    found = api.get("/api/v1/search", token=api.town, q="社区").get_json()
    assert found["units"] and all(u["code"].startswith("licheng-zhenhai") for u in found["units"])
    assert api.get("/api/v1/search", token=api.town, q="社区", within="chengxiang").status_code == 404


def test_incident_list_pages_newest_first(api):
    seen, before = [], None
    while True:
        params = {**YEAR_ARGS, "limit": 10, **({"before": before} if before else {})}
        body = api.get("/api/v1/incidents", **params).get_json()
        seen += body["items"]
        before = body["next"]
        if before is None:
            break
    in_year = sorted((x for x in api.specs if x.local.year == 2018), key=lambda x: x.local,
                     reverse=True)
    assert [row["id"] for row in seen] == [x.id for x in in_year]
    opened = api.get("/api/v1/incidents", state="open", limit=500, **YEAR_ARGS).get_json()["items"]
    assert {row["state"] for row in opened} <= set(OPEN_STATES)
    assert len(opened) == sum(x.state in OPEN_STATES for x in in_year)


@pytest.mark.parametrize(("params", "field"), [
    ({"state": "lost"}, "state"), ({"limit": "many"}, "limit"), ({"limit": "0"}, "limit"),
    ({"before": "nope"}, "before"), ({"unit": "atlantis"}, "unit"), ({"line": "x"}, "line"),
    ({"from": "2018-02-30"}, "from"),
])
def test_incident_list_bad_parameters(api, params, field):
    response = api.get("/api/v1/incidents", **params)
    assert response.status_code in (400, 404)
    assert response.get_json()["field"] == field


def test_incident_detail_with_timeline(api):
    spec = next(x for x in api.specs if x.state == "closed")
    body = api.get(f"/api/v1/incidents/{spec.id}").get_json()
    assert body["id"] == spec.id and body["state"] == "closed"
    assert [step["action"] for step in body["timeline"]] == [
        "report", "dispatch", "accept", "resolve", "close"]
    missing = api.get("/api/v1/incidents/does-not-exist")
    assert missing.status_code == 404 and missing.get_json()["field"] == "id"


def test_catalogue_and_search(api):
    items = api.get("/api/v1/business-items").get_json()["items"]
    assert {i["code"] for i in items} == {"food-license", "noise"}
    depts = api.get("/api/v1/departments").get_json()["departments"]
    assert {d["code"] for d in depts} == {"env", "market"}
    lines = api.get("/api/v1/business-lines").get_json()["lines"]
    assert {line["code"] for line in lines} == {"general", "weiwangge"}
    found = api.get("/api/v1/search", q="Changshou").get_json()
    assert found["units"][0]["code"] == "licheng-zhenhai-changshou"
    people = api.get("/api/v1/search", q="陈美玲").get_json()["staff"]
    assert [p["name"] for p in people] == ["陈美玲"]
    for params in ({}, {"q": "  "}, {"q": "x" * 65}):
        refused = api.get("/api/v1/search", **params)
        assert refused.status_code == 400 and refused.get_json()["field"] == "q"


@pytest.fixture
def world_api(world, services_for):
    """A test client on the seeded world with a city leader and a 镇海街道 duty officer; the two
    tokens are removed afterwards so the world stays as it was."""
    from sqlalchemy import delete

    from dashboard.core.db import session_factory
    from dashboard.core.models import ApiToken

    factory = session_factory(world)
    names = ("read-api-test-city", "read-api-test-zhenhai")
    with factory.begin() as s:
        s.execute(delete(ApiToken).where(ApiToken.name.in_(names)))
        city = issue_token(s, names[0], "leader", "putian")
        town = issue_token(s, names[1], "duty", "licheng-zhenhai")
    services = services_for(world)
    client = create_app(services.settings, services).test_client()

    def get(path, token=city, **params):
        return client.get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})

    yield SimpleNamespace(get=get, town=town, Session=factory)
    with factory.begin() as s:
        s.execute(delete(ApiToken).where(ApiToken.name.in_(names)))


def test_world_city_2018_through_the_api(world_api):
    body = world_api.get("/api/v1/units/putian", **YEAR_ARGS).get_json()
    assert body["figures"]["collected"] == 576_647  # DESIGN.md §1, the published 2018 figures
    assert body["figures"]["closed"] == 549_565
    assert round(body["figures"]["closure_rate"], 3) == 0.953
    assert len(body["children"]) == 7
    for key in ("collected", "closed", "open", "overdue"):
        assert sum(c["figures"][key] for c in body["children"]) == body["figures"][key]
    assert body["boundary"]["type"] in ("Polygon", "MultiPolygon")
    grid = world_api.get("/api/v1/units/chengxiang-longqiao-xingan-g03").get_json()
    assert [p["name"] for p in grid["path"]][:4] == ["莆田市", "城厢区", "龙桥街道", "兴安社区"]


def test_world_town_officer_is_scoped(world_api):
    from sqlalchemy import select

    from dashboard.core.models import Incident

    assert world_api.get("/api/v1/units/licheng-zhenhai-changshou", token=world_api.town).status_code == 200
    assert world_api.get("/api/v1/units/hanjiang-hanxi", token=world_api.town).status_code == 404
    with world_api.Session() as s:
        foreign = s.scalar(select(Incident.id).where(Incident.town_code == "hanjiang-hanxi").limit(1))
        own = s.scalar(select(Incident.id).where(Incident.town_code == "licheng-zhenhai").limit(1))
    assert world_api.get(f"/api/v1/incidents/{foreign}", token=world_api.town).status_code == 404
    detail = world_api.get(f"/api/v1/incidents/{own}", token=world_api.town).get_json()
    assert detail["town"] == "licheng-zhenhai" and detail["timeline"]
    listed = world_api.get("/api/v1/incidents", token=world_api.town, state="open",
                           **{"from": "2018-01-01"}).get_json()
    assert listed["items"] and {row["town"] for row in listed["items"]} == {"licheng-zhenhai"}
    found = world_api.get("/api/v1/search", token=world_api.town, q="长寿").get_json()
    assert "licheng-zhenhai-changshou" in [u["code"] for u in found["units"]]
    assert world_api.get("/api/v1/search", token=world_api.town, q="涵西").get_json()["units"] == []


def test_world_catalogue(world_api):
    assert len(world_api.get("/api/v1/business-items").get_json()["items"]) == 118
    departments = world_api.get("/api/v1/departments").get_json()["departments"]
    assert len(departments) == 34 and sum(d["enforcement"] for d in departments) == 23


def test_no_period_means_today(api, Session):
    from dashboard.core.models import Incident
    from dashboard.core.timeutil import local_today, utcnow

    with Session.begin() as s:
        template = s.get(Incident, api.specs[0].id)
        now = utcnow()
        s.add(Incident(**{**{c.key: getattr(template, c.key) for c in Incident.__table__.columns},
                          "id": "inc-today", "reported_at": now, "stage_started_at": now,
                          "updated_at": now, "state": "reported", "overdue": False}))
    body = api.get("/api/v1/units/putian").get_json()
    today = local_today().isoformat()
    assert body["period"] == {"from": today, "to": today}
    assert body["figures"]["collected"] == 1 and body["figures"]["open"] == 1
    listed = api.get("/api/v1/incidents").get_json()
    assert [row["id"] for row in listed["items"]] == ["inc-today"]
    assert api.get("/api/v1/incidents", state="", unit="", limit="").status_code == 200
