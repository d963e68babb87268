# ruff: noqa: F811 - the tests take the shared `desk` world as a fixture argument
"""Escalation policies, the escalation timer, the queue's order, honest repeats and snoozes, through
the API and the supervise worker's scan with a fake clock (SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from sqlalchemy import func, select

from bench.supervision_world import GRID, OTHER_GRID, T0
from dashboard.cli import escalation as cli_escalation
from dashboard.contract import schema
from dashboard.core import audit
from dashboard.core.models import Alert, AlertAck, AuditEntry
from tests.integration.test_alerts_api import _feed_types, desk  # noqa: F401 - the shared world


def _count(Session, model) -> int:  # noqa: N803 - a session factory
    with Session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def _alert(desk, alert_id: int) -> Alert:
    with desk.Session() as s:
        return s.get(Alert, alert_id)


def _last_event(desk) -> tuple[str, dict]:
    entry = desk.redis.xrevrange(schema.ALERTS, count=1)[0]
    decoded = schema.decode(schema.ALERTS, *entry)
    return decoded.type, decoded.data


def test_policies_are_seeded_and_an_admin_changes_them_audited(desk):
    listed = desk.call("GET", "/api/v1/escalation-policies").get_json()["policies"]
    by_key = {(p["kind"], p["severity"]): p for p in listed}
    assert len(by_key) == 5 * 4
    # Severity 4 moves fastest at every level.
    for kind in ("severe_incident", "staff_silent"):
        fast, slow = by_key[(kind, 4)], by_key[(kind, 1)]
        assert all(fast[lv] < slow[lv] for lv in ("village", "town", "district"))
    assert desk.call("GET", "/api/v1/escalation-policies", who="viewer").status_code == 403
    path = "/api/v1/escalation-policies/severe_incident/3"
    assert desk.call("PUT", path, json={"village": 2}).status_code == 403  # a duty officer
    for body, field in (({"village": 0}, "village"), ({"town": "5"}, "town"), ({"city": 5}, "city"),
                        ({}, "village")):
        resp = desk.call("PUT", path, who="admin", json=body)
        assert resp.status_code == 422 and resp.get_json()["field"] == field, body
    bad_kind = desk.call("PUT", "/api/v1/escalation-policies/weather/3", who="admin", json={"town": 5})
    assert bad_kind.get_json()["field"] == "kind"
    for severity in ("9", "-1", "x"):
        bad = desk.call("PUT", f"/api/v1/escalation-policies/severe_incident/{severity}", who="admin",
                        json={"town": 5})
        assert bad.status_code == 422 and bad.get_json()["field"] == "severity"
    resp = desk.call("PUT", path, who="admin", json={"village": 2, "town": 4})
    assert resp.status_code == 200
    assert (resp.get_json()["policy"]["village"], resp.get_json()["policy"]["town"]) == (2, 4)
    with desk.Session() as s:
        [entry] = s.execute(select(AuditEntry).where(AuditEntry.action == "escalation.policy")).scalars()
        assert (entry.actor, entry.target) == ("root-admin", "policy:severe_incident:3")
        assert entry.detail["before"]["village"] == by_key[("severe_incident", 3)]["village"]
        assert entry.detail["after"]["village"] == 2
        assert audit.verify(s) is None


def test_the_cli_lists_and_sets_policies_audited(desk, capsys):
    args = argparse.Namespace(escalation_command="set", kind="staff_silent", severity=2, village=7,
                              town=None, district=None)
    assert cli_escalation.run(desk.Session, args) == 0
    assert cli_escalation.run(desk.Session, argparse.Namespace(escalation_command="list")) == 0
    out = capsys.readouterr().out
    assert "staff_silent\t2\t7\t120\t240\tcli" in out
    args.village = 0
    assert cli_escalation.run(desk.Session, args) == 2
    assert "--village" in capsys.readouterr().err
    with desk.Session() as s:
        actors = s.execute(select(AuditEntry.actor).where(AuditEntry.action == "escalation.policy")).all()
    assert actors == [("cli",)]


def test_an_unacknowledged_alert_climbs_by_timer_as_the_worker(desk):
    alert_id = desk.ids[GRID]  # severity 3, raised at T0 at the village level
    desk.call("PUT", "/api/v1/escalation-policies/severe_incident/3", who="admin",
              json={"village": 10, "town": 20, "district": 30})
    desk.sup.scan(T0 + timedelta(minutes=9, seconds=59))
    assert _alert(desk, alert_id).level == "village"
    desk.sup.scan(T0 + timedelta(minutes=10))
    alert = _alert(desk, alert_id)
    assert (alert.level, alert.state) == ("town", "open")
    type_, data = _last_event(desk)
    assert type_ == "alert.escalated" and data["by"] == "system"
    assert (data["id"], data["to_level"], data["to_unit"], data["to_unit_name"]) == \
        (alert_id, "town", "licheng-zhenhai", "镇海街道")
    assert "licheng-zhenhai" in data["units"]  # routed to the town desk's room
    # A rerun of the same scan changes nothing.
    escalated = desk.redis.xlen(schema.ALERTS)
    desk.sup.scan(T0 + timedelta(minutes=10))
    assert desk.redis.xlen(schema.ALERTS) == escalated
    # The town desk's 20 minutes run from the escalation, not from the raise.
    desk.sup.scan(T0 + timedelta(minutes=29))
    assert _alert(desk, alert_id).level == "town"
    desk.sup.scan(T0 + timedelta(minutes=30))
    assert _alert(desk, alert_id).level == "district"
    with desk.Session() as s:
        rows = s.execute(select(AlertAck).where(AlertAck.alert_id == alert_id)
                         .order_by(AlertAck.id)).scalars().all()
        assert [(r.action, r.user, r.detail["to_level"], r.detail["to_unit_name"]) for r in rows] == [
            ("escalate", "system", "town", "镇海街道"), ("escalate", "system", "district", "荔城区")]
        actions = s.execute(select(AuditEntry.actor, AuditEntry.action)
                            .where(AuditEntry.target == f"alert:{alert_id}")).all()
        assert actions == [("system", "alert.escalate")] * 2
    # An acknowledged alert waits for no timer.
    desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", who="licheng", json={"expires_minutes": 600})
    desk.sup.scan(T0 + timedelta(hours=5))
    assert (_alert(desk, alert_id).level, _alert(desk, alert_id).state) == ("district", "acked")


def test_a_hand_escalation_goes_above_the_desk_that_pressed_and_names_it(desk):
    alert_id = desk.ids[GRID]
    resp = desk.call("POST", f"/api/v1/alerts/{alert_id}/escalate", who="changshou", json={})
    answer = resp.get_json()
    assert resp.status_code == 202 and answer["alert"]["level"] == "town"
    assert answer["message_zh"] == "已升级至 镇海街道 镇街级值班台"
    assert answer["message"] == "Escalated to the town desk of licheng-zhenhai"  # the world's English names
    assert answer["action"]["detail"]["to_unit"] == "licheng-zhenhai"
    # The town desk presses next: the district desk gets it, not the town desk again.
    answer = desk.call("POST", f"/api/v1/alerts/{alert_id}/escalate", json={}).get_json()
    assert (answer["alert"]["level"], answer["message_zh"]) == ("district", "已升级至 荔城区 区级值班台")
    type_, data = _last_event(desk)
    assert (type_, data["to_unit"], data["state"]) == ("alert.escalated", "licheng", "open")


def test_the_list_is_ordered_by_severity_then_level_then_age(desk):
    with desk.Session.begin() as s:
        base = s.get(Alert, desk.ids[GRID])
        for n, (severity, level, minutes) in enumerate(((3, "town", 5), (3, "village", -5), (4, "village", 9),
                                                        (3, "town", -1), (2, "city", 0))):
            s.add(Alert(kind="severe_incident", group_key=f"order:{n}", unit_code=GRID,
                        district_code=base.district_code, town_code=base.town_code,
                        village_code=base.village_code, grid_code=GRID, severity=severity,
                        title=f"order {n}", detail={}, count=1, first_at=T0 + timedelta(minutes=minutes),
                        last_at=T0 + timedelta(minutes=minutes), state="open", level=level))
    listed = desk.call("GET", "/api/v1/alerts", who="city").get_json()["alerts"]
    got = [(a["severity"], a["level"], a["title"][-7:]) for a in listed if a["unit"] != OTHER_GRID]
    assert [(sev, lv) for sev, lv, _ in got] == [
        (4, "village"), (3, "town"), (3, "town"), (3, "village"), (3, "village"), (2, "city")]
    # Among equals, the oldest first: order 3 (T0-1) before order 0 (T0+5); order 1 (T0-5) before
    # the world's alert (T0).
    world = next(a["title"][-7:] for a in listed if a["id"] == desk.ids[GRID])
    assert [t for _, _, t in got][1:5] == ["order 3", "order 0", "order 1", world]


def test_acknowledging_an_acknowledged_alert_says_who_and_writes_nothing(desk):
    alert_id = desk.ids[GRID]
    first = desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", json={"request_id": "a-1"})
    assert first.status_code == 202
    audits, acks, events = _count(desk.Session, AuditEntry), _count(desk.Session, AlertAck), \
        _feed_types(desk)
    desk.clock.set(minutes=3)
    again = desk.call("POST", f"/api/v1/alerts/{alert_id}/ack", who="city", json={"request_id": "a-2"})
    body = again.get_json()
    assert again.status_code == 200 and body["repeat"] is True
    assert body["message_zh"] == "已由 zhenhai-duty 于 2026-03-02 10:00 确认"
    assert body["message"] == "Already acknowledged by zhenhai-duty at 2026-03-02 10:00"
    assert (_count(desk.Session, AuditEntry), _count(desk.Session, AlertAck)) == (audits, acks)
    assert _feed_types(desk) == events


def test_a_snoozed_alert_leaves_the_queue_and_returns_at_expiry(desk):
    alert_id = desk.ids[GRID]
    no_reason = desk.call("POST", f"/api/v1/alerts/{alert_id}/snooze", json={"expires_minutes": 10})
    assert no_reason.status_code == 422 and no_reason.get_json()["field"] == "note"
    resp = desk.call("POST", f"/api/v1/alerts/{alert_id}/snooze",
                     json={"note": "等待供电公司回复", "expires_minutes": 10})
    assert resp.status_code == 202 and resp.get_json()["alert"]["state"] == "snoozed"
    type_, data = _last_event(desk)  # a well-formed entry every screen's consumer accepts
    assert (type_, data["state"], data["snoozed_until"]) == (
        "alert.snoozed", "snoozed", (T0 + timedelta(minutes=10)).isoformat(timespec="milliseconds"))
    assert desk.call("GET", "/api/v1/alerts").get_json()["alerts"] == []
    assert [a["id"] for a in desk.call("GET", "/api/v1/alerts", query_string={"state": "snoozed"})
            .get_json()["alerts"]] == [alert_id]
    with desk.Session() as s:
        [ack] = s.execute(select(AlertAck).where(AlertAck.action == "snooze")).scalars()
        assert (ack.note, ack.expires_at) == ("等待供电公司回复", T0 + timedelta(minutes=10))
    # Snoozed, it does not climb by timer either (severity 3 waits 15 minutes at the village).
    desk.sup.scan(T0 + timedelta(minutes=9))
    assert _alert(desk, alert_id).state == "snoozed"
    desk.sup.scan(T0 + timedelta(minutes=10))
    assert [(a["id"], a["state"], a["level"]) for a in desk.call("GET", "/api/v1/alerts")
            .get_json()["alerts"]] == [(alert_id, "open", "village")]
    assert _feed_types(desk)[-1] == "alert.reopened"


def test_a_repeat_or_an_escalation_ends_a_snooze_at_once(desk):
    from bench.supervision_world import add_incident, reported_payload

    alert_id = desk.ids[GRID]
    desk.call("POST", f"/api/v1/alerts/{alert_id}/snooze", json={"note": "稍后处理", "expires_minutes": 60})
    with desk.Session.begin() as s:
        entry = schema.Entry(schema.INCIDENTS, "2-0", schema.T_REPORTED,
                             reported_payload(add_incident(s, "X9", T0, grid=GRID, severity=3)))
    desk.sup.handle([entry])
    assert (_alert(desk, alert_id).state, _alert(desk, alert_id).count) == ("open", 2)
    desk.call("POST", f"/api/v1/alerts/{alert_id}/snooze", json={"note": "稍后处理", "expires_minutes": 60})
    resp = desk.call("POST", f"/api/v1/alerts/{alert_id}/escalate", who="changshou", json={})
    assert resp.get_json()["alert"]["state"] == "open"
