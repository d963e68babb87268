"""The duty desk API: scoped lists, acknowledgements and other duty actions, audited and idempotent."""

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
from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core import audit
from dashboard.core.models import Alert, AlertAck, AuditEntry
from feeds.supervisor import Supervisor


@pytest.fixture
def desk(engine, Session, services_for):
    """Two alerts (one per town), a Flask client and tokens for officers at several levels."""
    with Session.begin() as s:
        build_world(s)
        tokens = {
            "city": token(s, "city-duty", "duty", "putian"),
            "zhenhai": token(s, "zhenhai-duty", "duty", "licheng-zhenhai"),
            "longqiao": token(s, "longqiao-duty", "duty", "chengxiang-longqiao"),
            "viewer": token(s, "zhenhai-viewer", "viewer", "licheng-zhenhai"),
            "changshou": token(s, "changshou-duty", "duty", "licheng-zhenhai-changshou"),
            "licheng": token(s, "licheng-duty", "duty", "licheng"),
            "admin": token(s, "root-admin", "admin", "putian"),
        }
        entries = [schema.Entry(schema.INCIDENTS, f"1-{i}", schema.T_REPORTED, reported_payload(
            add_incident(s, f"X{i}", T0, grid=grid, severity=sev)))
            for i, (grid, sev) in enumerate(((GRID, 3), (OTHER_GRID, 4)))]
    services = services_for(engine)
    clock = FakeClock()
    sup = Supervisor(services, clock=clock)
    sup.handle(entries)
    app = create_app(services.settings, services)
    app.extensions["dashboard.clock"] = clock
    client = app.test_client()
    ids = {a.grid_code: a.id for a in _alerts(Session)}

    def call(method, path, who="zhenhai", **kw):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)

    return SimpleNamespace(call=call, ids=ids, Session=Session, redis=services.redis, sup=sup,
                           clock=clock)


def _alerts(Session) -> list[Alert]:
    with Session() as s:
        return list(s.execute(select(Alert).order_by(Alert.id)).scalars())


def _feed_types(desk) -> list[str]:
    return [f["type"] for _, f in desk.redis.xrange(schema.ALERTS)]


def test_list_is_scoped_and_most_severe_first(desk):
    city = desk.call("GET", "/api/v1/alerts", who="city").get_json()
    assert [(a["unit"], a["severity"]) for a in city["alerts"]] == [(OTHER_GRID, 4), (GRID, 3)]
    town = desk.call("GET", "/api/v1/alerts").get_json()
    assert [a["id"] for a in town["alerts"]] == [desk.ids[GRID]] and town["total"] == 1
    by_unit = desk.call("GET", "/api/v1/alerts", who="city", query_string={"unit": "chengxiang"})
    assert [a["unit"] for a in by_unit.get_json()["alerts"]] == [OTHER_GRID]
    refused = desk.call("GET", "/api/v1/alerts", query_string={"unit": "chengxiang"})
    assert refused.status_code == 404 and refused.get_json()["field"] == "unit"
    bad = desk.call("GET", "/api/v1/alerts", query_string={"state": "sleeping"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "state"
    assert desk.call("GET", "/api/v1/alerts", query_string={"state": "resolved"}).get_json()["alerts"] == []


def test_ack_in_jurisdiction_is_recorded_audited_and_pushed(desk):
    alert_id = desk.ids[GRID]
    body = {"note": "已电话通知社区", "on_behalf_of": "李主任", "channel": "phone",
            "expires_minutes": 20, "request_id": "r-1"}
    resp = desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", json=body)
    assert resp.status_code == 202, resp.get_json()
    answer = resp.get_json()
    assert answer["alert"]["state"] == "acked" and answer["repeat"] is False
    expires = T0 + timedelta(minutes=20)
    assert answer["alert"]["ack_expires_at"] == expires.isoformat(timespec="milliseconds")
    with desk.Session() as s:
        [ack] = s.execute(select(AlertAck)).scalars().all()
        assert (ack.user, ack.on_behalf_of, ack.channel, ack.note) == (
            "zhenhai-duty", "李主任", "phone", "已电话通知社区")
        [entry] = s.execute(select(AuditEntry)).scalars().all()
        assert (entry.actor, entry.action, entry.target) == ("zhenhai-duty", "alert.ack",
                                                             f"alert:{alert_id}")
        assert entry.detail["on_behalf_of"] == "李主任"
        assert audit.verify(s) is None
    last = desk.redis.xrevrange(schema.ALERTS, count=1)[0]
    assert last[0] == answer["stream_id"]
    data = schema.decode(schema.ALERTS, *last).data
    assert (data["state"], data["ack"]["user"], data["ack"]["channel"]) == ("acked", "zhenhai-duty", "phone")
    # The same request again changes nothing and says so.
    again = desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", json=body)
    assert again.status_code == 200 and again.get_json()["repeat"] is True
    with desk.Session() as s:
        assert s.execute(select(func.count()).select_from(AlertAck)).scalar() == 1
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar() == 1
    assert _feed_types(desk).count("alert.acked") == 1


def test_ack_outside_jurisdiction_or_role_is_refused(desk):
    other = desk.ids[OTHER_GRID]
    resp = desk.call("POST", f"/api/v1/alerts/{other}/ack", json={"note": "x"})
    assert resp.status_code == 404
    resp = desk.call("POST", f"/api/v1/alerts/{desk.ids[GRID]}/ack", who="longqiao", json={})
    assert resp.status_code == 404
    resp = desk.call("POST", f"/api/v1/alerts/{desk.ids[GRID]}/ack", who="viewer", json={})
    assert resp.status_code == 403
    with desk.Session() as s:
        assert s.execute(select(func.count()).select_from(AlertAck)).scalar() == 0
    assert {a.state for a in _alerts(desk.Session)} == {"open"}


@pytest.mark.parametrize(("body", "field"), [
    ({"channel": "pigeon"}, "channel"),
    ({"on_behalf_of": "王五"}, "channel"),
    ({"expires_minutes": 0}, "expires_minutes"),
    ({"expires_minutes": "10"}, "expires_minutes"),
    ({"note": 5}, "note"),
])
def test_bad_ack_bodies_name_the_field(desk, body, field):
    resp = desk.call("POST", f"/api/v1/alerts/{desk.ids[GRID]}/ack", json=body)
    assert resp.status_code == 422 and resp.get_json()["field"] == field


def test_assign_escalate_resolve_are_audited_in_order(desk):
    alert_id = desk.ids[GRID]
    assert desk.call("POST", f"/api/v1/alerts/{alert_id}/assign", json={}).get_json()["field"] == "to"
    assert desk.call("POST", f"/api/v1/alerts/{alert_id}/assign",
                     json={"to": "S0000", "note": "请现场核实"}).status_code == 202
    # The town desk escalates: the alert goes to the desk above it, and the answer says which.
    resp = desk.call("POST", f"/api/v1/alerts/{alert_id}/escalate", json={"note": "需区里协调"})
    assert resp.get_json()["alert"]["level"] == "district"
    assert resp.get_json()["message_zh"] == "已升级至 荔城区 区级值班台"
    # Above the town desk now: it may only add a note; the district desk resolves it.
    assert desk.call("POST", f"/api/v1/alerts/{alert_id}/resolve", json={}).status_code == 403
    assert desk.call("POST", f"/api/v1/alerts/{alert_id}/resolve", who="licheng",
                     json={"note": "已处置"}).status_code == 202
    late = desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", who="licheng", json={})
    assert late.status_code == 409
    assert desk.call("POST", f"/api/v1/alerts/{alert_id}/frobnicate", json={}).status_code == 404
    [alert] = [a for a in _alerts(desk.Session) if a.id == alert_id]
    assert (alert.state, alert.assigned_to, alert.level) == ("resolved", "S0000", "district")
    with desk.Session() as s:
        actions = s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
        assert actions == ["alert.assign", "alert.escalate", "alert.resolve"]
        assert audit.verify(s) is None
    assert _feed_types(desk)[-3:] == ["alert.assigned", "alert.escalated", "alert.resolved"]


def test_an_acked_alert_reopens_through_the_worker_after_expiry(desk):
    alert_id = desk.ids[GRID]
    desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", json={"expires_minutes": 5})
    desk.sup.scan(T0 + timedelta(minutes=5))
    listed = desk.call("GET", "/api/v1/alerts").get_json()["alerts"]
    assert [(a["id"], a["state"]) for a in listed] == [(alert_id, "open")]
    # (The other town's critical alert meanwhile climbs by its escalation policy's timer.)
    mine = [schema.decode(schema.ALERTS, *e) for e in desk.redis.xrange(schema.ALERTS)]
    assert [e.type for e in mine if e.data["id"] == alert_id][-1] == "alert.reopened"
