"""Alerts the supervise worker raises: grouped bursts, supervision steps, silent staff, stalled feeds,
and an expired acknowledgement firing again only while its cause persists."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bench.supervision_world import (
    GRID,
    GRID2,
    OTHER_GRID,
    T0,
    FakeClock,
    add_incident,
    build_world,
    reported_payload,
)
from dashboard.actions.alert_actions import Request, perform
from dashboard.contract import keys, producer, schema
from dashboard.core.models import Alert, Incident
from dashboard.core.principal import Principal
from feeds.supervisor import Supervisor

DUTY = Principal(name="duty1", role="duty", unit_code="putian")  # a city desk


@pytest.fixture
def sup(Session, engine, services_for):
    with Session.begin() as s:
        build_world(s)
    return Supervisor(services_for(engine), clock=FakeClock())


def _alerts(sup) -> list[Alert]:
    with sup.services.Session() as s:
        return list(s.execute(select(Alert).order_by(Alert.id)).scalars())


def _alert_feed(sup) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in (schema.decode(schema.ALERTS, i, f)
                                       for i, f in sup.services.redis.xrange(schema.ALERTS))]


def _report(sup, incident_id: str, severity: int, grid: str = GRID, at=T0) -> schema.Entry:
    """An incident reported through the stream, as the intake API writes it; returns the entry."""
    with sup.services.Session.begin() as s:
        data = reported_payload(add_incident(s, incident_id, at, grid=grid, severity=severity))
    entry_id = producer.add(sup.services.redis, schema.INCIDENTS, schema.T_REPORTED, data)
    return schema.Entry(schema.INCIDENTS, entry_id, schema.T_REPORTED, data)


def test_a_burst_in_one_grid_is_one_alert_with_a_count(sup):
    entries = [_report(sup, f"B{i}", severity=4) for i in range(6)]
    for i, entry in enumerate(entries):
        sup.clock.set(minutes=i)
        sup.handle([entry])
    sup.handle(entries[:2])  # redelivered entries count nothing
    [alert] = _alerts(sup)
    assert (alert.kind, alert.count, alert.severity, alert.grid_code) == ("severe_incident", 6, 4, GRID)
    assert alert.first_at == T0 and alert.last_at == T0 + timedelta(minutes=5)
    assert [t for t, _ in _alert_feed(sup)] == ["alert.raised"] + ["alert.updated"] * 5
    assert _alert_feed(sup)[-1][1]["count"] == 6


def test_grouping_keeps_places_causes_and_windows_apart(sup):
    sup.handle([_report(sup, "A1", severity=3)])
    sup.handle([_report(sup, "A2", severity=3, grid=GRID2)])
    sup.handle([_report(sup, "A3", severity=2)])  # not high severity: no alert
    sup.clock.set(minutes=31)  # past the grouping window
    sup.handle([_report(sup, "A4", severity=3)])
    alerts = _alerts(sup)
    assert [(a.grid_code, a.count, a.incident_id) for a in alerts] == [
        (GRID, 1, "A1"), (GRID2, 1, "A2"), (GRID, 1, "A4")]
    assert alerts[0].title.startswith("高危事件")
    data = _alert_feed(sup)[0][1]
    assert data["units"] == ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou", GRID]
    assert data["lat"] == pytest.approx(25.43)


def test_new_and_escalated_supervision_items_raise_alerts_at_their_level(sup):
    with sup.services.Session.begin() as s:
        add_incident(s, "I1", T0)
    sup.scan(T0 + timedelta(minutes=30))
    sup.scan(T0 + timedelta(minutes=60))
    new, escalated = _alerts(sup)
    assert (new.kind, new.level, new.unit_code) == ("supervision_new", "village",
                                                    "licheng-zhenhai-changshou")
    assert (escalated.kind, escalated.level, escalated.unit_code, escalated.severity) == (
        "supervision_escalated", "town", "licheng-zhenhai", 3)
    sup.scan(T0 + timedelta(minutes=60))
    assert len(_alert_feed(sup)) == 2


def test_an_expired_ack_fires_again_while_the_cause_persists(sup):
    sup.handle([_report(sup, "C1", severity=4)])
    with sup.services.Session.begin() as s:
        alert = s.get(Alert, _alerts(sup)[0].id)
        perform(s, alert, Request(action="ack", note="已通知", expires_minutes=10), DUTY, None,
                T0 + timedelta(minutes=1))
    sup.scan(T0 + timedelta(minutes=10))
    assert _alerts(sup)[0].state == "acked"
    sup.scan(T0 + timedelta(minutes=11))
    [alert] = _alerts(sup)
    assert (alert.state, alert.ack_expires_at) == ("open", None)
    assert _alert_feed(sup)[-1][0] == "alert.reopened"
    sup.scan(T0 + timedelta(minutes=12))
    assert [t for t, _ in _alert_feed(sup)].count("alert.reopened") == 1


def test_an_expired_ack_does_not_fire_when_the_cause_is_gone(sup):
    sup.handle([_report(sup, "C1", severity=4)])
    with sup.services.Session.begin() as s:
        perform(s, s.get(Alert, _alerts(sup)[0].id), Request(action="ack", expires_minutes=10),
                DUTY, None, T0 + timedelta(minutes=1))
        incident = s.get(Incident, "C1")
        incident.state, incident.closed_at = "closed", T0 + timedelta(minutes=5)
    sup.scan(T0 + timedelta(minutes=11))
    [alert] = _alerts(sup)
    assert alert.state == "resolved"
    assert [t for t, _ in _alert_feed(sup)] == ["alert.raised", "alert.resolved"]


def _position(sup, staff: str, at) -> None:
    sup.services.redis.hset(keys.LATEST_POSITIONS, staff, json.dumps(
        {"lat": 25.43, "lon": 119.0, "ts": at.isoformat(), "grid": GRID, "role": "patrol"}))


def _feed_entry(sup, stream: str, at) -> None:
    """A stream entry stamped at a given moment (ids are milliseconds)."""
    ms = int(at.timestamp() * 1000)
    sup.services.redis.xadd(stream, schema.encode("positions" if stream == schema.POSITIONS
                                                  else schema.T_REPORTED, {"units": ["putian"]}),
                            id=f"{ms}-0")


def test_staff_silent_on_shift_are_grouped_per_grid_and_cleared_when_heard(sup):
    now = sup.clock.set(minutes=0)  # 10:00 local, two hours into the day shift
    _feed_entry(sup, schema.POSITIONS, now - timedelta(seconds=5))
    _feed_entry(sup, schema.INCIDENTS, now - timedelta(minutes=1))
    _position(sup, "S0000", now - timedelta(minutes=1))  # on shift, heard a minute ago
    _position(sup, "S0001", now - timedelta(minutes=20))  # on shift, silent 20 minutes
    # S0002 works nights (off now); S0003 (another grid) has sent nothing all shift.
    sup.scan()
    sup.scan()
    alerts = _alerts(sup)
    assert [(a.kind, a.grid_code, a.count, a.staff_id) for a in alerts] == [
        ("staff_silent", GRID, 1, "S0001"), ("staff_silent", OTHER_GRID, 1, "S0003")]
    assert "网格员失联" in alerts[0].title
    _position(sup, "S0001", now)
    _feed_entry(sup, schema.POSITIONS, now + timedelta(seconds=55))
    sup.clock.set(minutes=1)
    sup.scan()
    states = {a.grid_code: a.state for a in _alerts(sup)}
    assert states == {GRID: "resolved", OTHER_GRID: "open"}


def test_a_stalled_feed_raises_one_alert_and_silences_staff_alerts(sup):
    now = sup.clock.set(minutes=0)
    _feed_entry(sup, schema.POSITIONS, now - timedelta(minutes=10))
    _feed_entry(sup, schema.INCIDENTS, now - timedelta(minutes=10))
    sup.scan()
    sup.scan()
    [alert] = _alerts(sup)
    assert (alert.kind, alert.group_key, alert.unit_code, alert.level) == (
        "feed_stalled", "feed_stalled:feed:positions", "putian", "city")
    assert _alert_feed(sup)[0][1]["units"] == ["putian"]
    _feed_entry(sup, schema.POSITIONS, now)
    _position(sup, "S0000", now)
    _position(sup, "S0001", now)
    _position(sup, "S0003", now)
    sup.scan()
    assert [a.state for a in _alerts(sup)] == ["resolved"]


def test_a_feed_that_never_started_is_not_an_alarm(sup):
    sup.scan()
    assert _alerts(sup) == []


def test_most_people_silent_at_once_is_one_systemic_alert(sup):
    from bench.supervision_world import CHAIN
    from dashboard.core.models import Staff

    with sup.services.Session.begin() as s:
        for i in range(12):
            s.add(Staff(id=f"M{i:03d}", name=f"巡查员{i}", role="patrol", unit_code=GRID2,
                        grid_code=GRID2, shift="day", **CHAIN))
    now = sup.clock.set(minutes=0)
    _feed_entry(sup, schema.POSITIONS, now - timedelta(seconds=5))
    _position(sup, "S0000", now)
    sup.scan()
    sup.scan()
    [alert] = _alerts(sup)
    assert (alert.kind, alert.group_key, alert.count) == ("feed_stalled", "feed_stalled:silence", 1)
    assert "大面积失联" in alert.title
    for staff in ["S0001", "S0003"] + [f"M{i:03d}" for i in range(12)]:
        _position(sup, staff, now)
    sup.scan()
    assert [a.state for a in _alerts(sup)] == ["resolved"]


def test_concurrent_raisers_of_one_group_make_one_alert(sup):
    import threading

    from dashboard.actions.alerting import Place, raise_alert

    barrier = threading.Barrier(4)

    def raiser(k: int) -> None:
        barrier.wait()
        with sup.services.Session.begin() as s:
            raise_alert(s, kind="severe_incident", group_key="severe_incident:race", occurrence=f"o{k}",
                        cause=f"c{k}", place=Place(unit_code=GRID), severity=3, title="t",
                        title_en="t", now=T0)

    threads = [threading.Thread(target=raiser, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [alert] = _alerts(sup)
    assert alert.count == 4 and sorted(alert.detail["causes"]) == ["c0", "c1", "c2", "c3"]


def test_supervision_alerts_resolve_once_the_stage_completes(sup):
    with sup.services.Session.begin() as s:
        add_incident(s, "I1", T0)
    sup.scan(T0 + timedelta(minutes=60))
    with sup.services.Session.begin() as s:
        incident = s.get(Incident, "I1")
        incident.state, incident.stage_started_at = "dispatched", T0 + timedelta(minutes=61)
    sup.scan(T0 + timedelta(minutes=62))
    assert [(a.kind, a.state) for a in _alerts(sup)] == [("supervision_new", "resolved"),
                                                        ("supervision_escalated", "resolved")]
