"""An alert's story and its roster through the API, on SQLite and PostgreSQL: every event with who
and when, the same jurisdiction and 404 as the actions, and assignment only to the alert's roster."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bench.supervision_world import (
    GRID,
    OTHER_GRID,
    T0,
    FakeClock,
    add_incident,
    build_world,
    reported_payload,
    token,
)
from dashboard.actions.instructions import instruct
from dashboard.app import create_app
from dashboard.auth.accounts import create_user
from dashboard.contract import schema
from dashboard.core.models import Alert, AlertAck, AuditEntry, IncidentEvent
from dashboard.core.principal import Principal
from feeds.supervisor import Supervisor


@pytest.fixture
def world(engine, Session, services_for):  # noqa: N803 - the fixture is a session factory
    """Two alerts from two incidents (one per district), desks with accounts, tokens, a clock."""
    with Session.begin() as s:
        build_world(s)
        create_user(s, "zhenhai-desk", "secret-password-1", "duty", "licheng-zhenhai",
                    display_name="镇海街道值班台")
        create_user(s, "longqiao-desk", "secret-password-1", "duty", "chengxiang-longqiao")
        tokens = {"zhenhai": token(s, "zhenhai-duty", "duty", "licheng-zhenhai"),
                  "longqiao": token(s, "longqiao-duty", "duty", "chengxiang-longqiao"),
                  "viewer": token(s, "zhenhai-viewer", "viewer", "licheng-zhenhai"),
                  "feed": token(s, "phone", "device", GRID)}
        rows = [add_incident(s, f"X{i}", T0, grid=grid, severity=4)
                for i, grid in enumerate((GRID, OTHER_GRID))]
        entries = [schema.Entry(schema.INCIDENTS, f"1-{i}", schema.T_REPORTED, reported_payload(r))
                   for i, r in enumerate(rows)]
        # The incident's first step, as the persister records it.
        s.add(IncidentEvent(incident_id="X0", action="report", from_state=None, to_state="reported",
                            at=T0, actor="S0000", note="巡查发现", event_key="X0:v1"))
    services = services_for(engine)
    clock = FakeClock()
    Supervisor(services, clock=clock).handle(entries)
    app = create_app(services.settings, services)
    app.extensions["dashboard.clock"] = clock
    client = app.test_client()
    with Session() as s:
        ids = {a.grid_code: a.id for a in s.execute(select(Alert)).scalars()}

    def call(method, path, who="zhenhai", **kw):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)

    return SimpleNamespace(call=call, ids=ids, Session=Session, clock=clock)


def test_the_story_lists_every_event_with_who_and_local_time(world):
    alert_id = world.ids[GRID]
    steps = (("ack", {"note": "已电话通知", "on_behalf_of": "李主任", "channel": "phone"}),
             ("assign", {"to": "S0001"}), ("escalate", {"note": "需区协调"}))
    for minute, (action, body) in enumerate(steps, start=2):
        world.clock.set(minutes=minute)
        reply = world.call("POST", f"/api/v1/alerts/{alert_id}/{action}", json=body)
        assert reply.status_code == 202, reply.get_json()
    with world.Session.begin() as s:
        leader = Principal(name="leader-1", role="leader", unit_code="putian", unit_level="city")
        instruct(s, leader, "alert", str(alert_id), "请尽快处置", None, T0 + timedelta(minutes=5))

    reply = world.call("GET", f"/api/v1/alerts/{alert_id}/story")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["alert"]["id"] == alert_id
    events = body["events"]
    assert [e["kind"] for e in events] == ["incident.report", "alert.created", "alert.ack", "alert.assign",
                                           "alert.escalate", "instruction"]
    report, created, ack, assign, escalate, instruction = events
    # 2026-03-02 02:00 UTC is 10:00 in Putian.
    assert created["local"] == "2026-03-02 10:00:00" and created["at"].startswith("2026-03-02T02:00:00")
    assert (report["who"], report["note"]) == ("网格员0", "巡查发现")
    assert (ack["who_id"], ack["on_behalf_of"], ack["channel"], ack["note"], ack["local"]) == \
        ("zhenhai-duty", "李主任", "phone", "已电话通知", "2026-03-02 10:02:00")
    assert (assign["to"], assign["to_name"]) == ("S0001", "网格员1")
    # The town desk pressed: the alert went to the desk above it.
    assert (escalate["from_level"], escalate["to_level"]) == ("village", "district")
    assert (instruction["who_id"], instruction["text"]) == ("leader-1", "请尽快处置")


def test_repeats_show_their_count_and_last_time(world):
    alert_id = world.ids[GRID]
    with world.Session.begin() as s:
        alert = s.get(Alert, alert_id)
        alert.count, alert.last_at = 3, T0 + timedelta(minutes=9)
    events = world.call("GET", f"/api/v1/alerts/{alert_id}/story").get_json()["events"]
    [repeat] = [e for e in events if e["kind"] == "alert.repeated"]
    assert (repeat["count"], repeat["local"]) == (3, "2026-03-02 10:09:00")


def test_a_foreign_or_missing_alert_has_no_story(world):
    foreign = world.call("GET", f"/api/v1/alerts/{world.ids[OTHER_GRID]}/story")
    missing = world.call("GET", "/api/v1/alerts/999999/story")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json()["field"] == missing.get_json()["field"] == "id"
    assert world.call("GET", f"/api/v1/alerts/{world.ids[GRID]}/story", who="feed").status_code == 403
    assert world.call("GET", f"/api/v1/alerts/{world.ids[GRID]}/story", who="viewer").status_code == 200


def test_the_roster_offers_the_units_staff_and_desks_up_the_chain(world):
    reply = world.call("GET", f"/api/v1/alerts/{world.ids[GRID]}/assignees")
    roster = {a["id"]: a for a in reply.get_json()["assignees"]}
    # The grid's own staff (not the other grid's, nor the other district's) and the town's desk.
    assert set(roster) == {"S0000", "S0001", "zhenhai-desk"}
    assert (roster["S0000"]["name"], roster["S0000"]["role"], roster["S0000"]["place"]) == \
        ("网格员0", "patrol", "长寿社区第01网格")
    assert (roster["zhenhai-desk"]["name"], roster["zhenhai-desk"]["level"]) == ("镇海街道值班台", "town")
    assert world.call("GET", f"/api/v1/alerts/{world.ids[OTHER_GRID]}/assignees").status_code == 404


@pytest.mark.parametrize("to", ["网格员张三", "S0003", "longqiao-desk", "S9999"])
def test_assigning_off_the_roster_is_refused_naming_to(world, to):
    alert_id = world.ids[GRID]
    reply = world.call("POST", f"/api/v1/alerts/{alert_id}/assign", json={"to": to})
    assert reply.status_code == 422 and reply.get_json()["field"] == "to", reply.get_json()
    with world.Session() as s:
        assert s.get(Alert, alert_id).assigned_to is None
        assert s.execute(select(func.count()).select_from(AlertAck)).scalar() == 0
        assert s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.target == f"alert:{alert_id}")).scalar() == 0


def test_assigning_a_desk_stores_its_account_and_names_it_in_the_event(world):
    alert_id = world.ids[GRID]
    reply = world.call("POST", f"/api/v1/alerts/{alert_id}/assign", json={"to": "zhenhai-desk"})
    assert reply.status_code == 202
    with world.Session() as s:
        assert s.get(Alert, alert_id).assigned_to == "zhenhai-desk"
    assert reply.get_json()["alert"]["assigned_to"] == "zhenhai-desk"
