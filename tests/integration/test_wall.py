"""Wall mode: the URL's settings, the page frame, and the wall's callbacks called directly on the
tiny world (tests/integration/ui_world.py), on SQLite and PostgreSQL, as a city wall and as a
district wall."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g

from callbacks import wall as wall_cb
from dashboard.actions.alerting import Place, raise_alert
from dashboard.app import create_app
from dashboard.core.principal import Principal
from layouts import ids, wall
from tests.integration import ui_world

TOWN, VILLAGE, GRID = ui_world.T, ui_world.V, ui_world.GRID


@pytest.fixture
def app(Session, engine, services_for):  # noqa: N803 - the fixture is a session factory
    """The real Flask app on the tiny world; each test says who the caller is through `as_wall`."""
    with Session.begin() as s:
        ui_world.build(s)
    services = services_for(engine)
    server = create_app(services.settings, services)
    with server.test_request_context("/_dash-update-component"):
        yield server


def as_wall(code: str, level: str) -> None:
    """The callback's caller is the wall token of this unit (as dashboard.api resolves it)."""
    path = "/wall/city" if code == "putian" else f"/wall/unit/{code}"
    g.principal = Principal(name=f"wall-{code}", role="wall", unit_code=code, unit_level=level,
                            wall_path=path)


def critical(Session, grid: str = GRID, severity: int = 4, key: str = "a"):  # noqa: N803
    """Raise one alert on a grid of the tiny world; returns its id."""
    with Session.begin() as s:
        _, data = raise_alert(
            s, kind="severe_incident", group_key=f"severe_incident:{grid}:{key}", occurrence=key, cause=key,
            place=Place(unit_code=grid, district_code="licheng", town_code=TOWN, village_code=VILLAGE,
                        grid_code=grid, lat=25.41, lon=119.01),
            severity=severity, title=f"紧急事件：{key}", title_en=f"Critical incident: {key}",
            now=ui_world.NOW - timedelta(minutes=5))
    return data["id"]


# ---- the URL's settings ----

def test_conf_reads_tour_views_reload_stale_rotate_and_lang():
    conf = wall.wall_conf("licheng", {"tour": "30", "views": "licheng-zhenhai, chengxiang", "reload": "6",
                                      "stale": "5", "rotate": "4", "lang": "en"})
    assert conf == {"home": "licheng", "tour": 30.0, "views": ["licheng-zhenhai", "chengxiang"],
                    "reload": 6.0, "stale": 5.0, "rotate": 4.0, "lang": "en"}
    plain = wall.wall_conf("putian", {})
    assert plain["tour"] == 0 and plain["views"] is None and plain["reload"] == 24 and plain["lang"] is None
    assert plain["stale"] is None  # the browser's own per-feed thresholds
    assert plain["rotate"] == wall.ROTATE
    assert wall.wall_conf("putian", {"views": "licheng"})["tour"] == 60  # a list of views tours by default


@pytest.mark.parametrize(("query", "field"), [
    ({"tour": "soon"}, "tour"), ({"tour": "2"}, "tour"), ({"tour": "-5"}, "tour"),
    ({"reload": "9999"}, "reload"),
    ({"views": "licheng,<script>"}, "views"), ({"lang": "fr"}, "lang"), ({"stale": "0.5"}, "stale"),
    ({"rotate": "1"}, "rotate"), ({"rotate": "often"}, "rotate"),
])
def test_bad_wall_parameters_name_the_field(query, field):
    with pytest.raises(wall.WallQueryError) as err:
        wall.wall_conf("putian", query)
    assert err.value.field == field and field in str(err.value)


def test_page_frame_holds_the_view_slots_and_the_marks(app):
    page = wall.wall_unit_page("licheng", tour="20", lang="en")
    found = {}

    def walk(node):
        node_id = getattr(node, "id", None)
        if node_id:
            found[node_id] = node
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children] if children is not None else []:
            walk(child)

    walk(page)
    for needed in (wall.CONF, ids.VIEW, ids.VIEW_BODY, ids.LIVE_SUB, ids.LIVE_DIRTY, ids.MEASURE,
                   "wall-clock", "wall-conn", "wall-banner", wall.TITLE):
        assert needed in found, needed
    assert found[wall.CONF].data["tour"] == 20 and found[wall.CONF].data["home"] == "licheng"
    broken = wall.wall_city_page(tour="x", lang="en")
    assert "tour" in broken.children.children and "wall-conf" not in str(broken)


# ---- callbacks ----

def test_tour_is_the_unit_then_its_children(app):
    as_wall("putian", "city")
    assert sorted(wall_cb.tour_stops({"home": "putian"})) == ["chengxiang", "licheng", "putian"]
    assert wall_cb.tour_stops({"home": "putian"})[0] == "putian"
    assert wall_cb.tour_stops({"home": "licheng"}) == ["licheng", TOWN]


def test_tour_of_listed_views_drops_what_the_wall_may_not_see(app):
    as_wall("licheng", "district")
    assert wall_cb.tour_stops({"home": "licheng", "views": [VILLAGE, "chengxiang", "nowhere", TOWN]}) \
        == [VILLAGE, TOWN]
    assert wall_cb.tour_stops({"home": "chengxiang"}) == []  # another district's wall: nothing


def test_title_names_the_unit_under_its_parent(app):
    as_wall("putian", "city")
    assert wall_cb.wall_title({"code": TOWN, "query": {}}, {"lang": None}, "zh") == \
        "荔城区 · 镇海街道 · 网格化指挥大屏"
    assert wall_cb.wall_title({"code": "putian", "query": {}}, {"lang": "en"}, "zh") == \
        "Putian · Grid Command Wall"
    as_wall("chengxiang", "district")
    assert wall_cb.wall_title({"code": TOWN, "query": {}}, {}, "zh") == "网格化指挥大屏"  # refused: no name


def test_banner_lists_open_critical_alerts_in_the_walls_unit_only(app, Session):  # noqa: N803
    first = critical(Session, key="fire")
    critical(Session, key="minor", severity=3)
    as_wall("licheng", "district")
    rows = wall_cb.open_critical({"home": "licheng"}, 0, "zh")
    assert [r["id"] for r in rows] == [first]
    assert rows[0]["place"] == "荔城区 › 镇海街道 › 长寿社区 › 长寿社区第1网格"
    assert rows[0]["lat"] == 25.41 and GRID in rows[0]["units"]
    assert wall_cb.open_critical({"home": "licheng"}, 0, "en")[0]["place"] == \
        "Licheng › Zhenhai › Changshou › Changshou grid 1"
    # A wall of another district sees nothing of it, whatever unit its browser asks for.
    as_wall("chengxiang", "district")
    assert wall_cb.open_critical({"home": "licheng"}, 0, "zh") == []
    assert wall_cb.open_critical({"home": "chengxiang"}, 0, "zh") == []


def test_acknowledged_alert_leaves_the_banner(app, Session):  # noqa: N803
    from dashboard.core.models import Alert

    alert_id = critical(Session, key="flood")
    as_wall("putian", "city")
    assert [r["id"] for r in wall_cb.open_critical({"home": "putian"}, 0, "zh")] == [alert_id]
    with Session.begin() as s:
        s.get(Alert, alert_id).state = "acked"
    assert wall_cb.open_critical({"home": "putian"}, 1, "zh") == []


def test_url_language_wins_over_the_stored_one():
    assert wall_cb.effective_lang({"lang": "en"}, "zh") == "en"
    assert wall_cb.effective_lang({"lang": None}, "en") == "en"
    assert wall_cb.effective_lang(None, None) == "zh"
