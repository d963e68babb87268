"""Stage deadlines: overdue at exactly the limit, one level up per further limit, closed when the
stage completes, nothing doubled by a rerun or a redelivered entry (real Redis, both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bench.supervision_world import T0, FakeClock, add_incident, build_world, transition_payload
from dashboard.contract import producer, schema
from dashboard.core.models import Incident, SupervisionEscalation, SupervisionItem
from feeds.consumer import Consumer, Knobs
from feeds.supervisor import Supervisor


@pytest.fixture
def sup(Session, engine, services_for):
    with Session.begin() as s:
        build_world(s)
    clock = FakeClock()
    return Supervisor(services_for(engine), clock=clock)


def _items(sup) -> list[SupervisionItem]:
    with sup.services.Session() as s:
        return list(s.execute(select(SupervisionItem).order_by(SupervisionItem.id)).scalars())


def _feed(sup, stream=schema.SUPERVISION) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in (schema.decode(stream, i, f)
                                       for i, f in sup.services.redis.xrange(stream))]


def _incident(sup, incident_id="I1", **kw):
    with sup.services.Session.begin() as s:
        return add_incident(s, incident_id, T0, **kw)


def _consume(sup) -> int:
    consumer = Consumer(sup.services.redis, schema.GROUP_SUPERVISE, [schema.INCIDENTS], sup.handle,
                        name="test", knobs=Knobs(block_ms=10, claim_every_s=3600))
    consumer.ensure_groups()
    return consumer.step()


def _persist_step(sup, incident_id: str, state: str, at) -> None:
    """What the persister does with a transition: the row's state and stage start move on."""
    with sup.services.Session.begin() as s:
        row = s.get(Incident, incident_id)
        row.state, row.stage_started_at, row.updated_at = state, at, at


def test_overdue_at_exactly_the_limit(sup):
    _incident(sup)
    sup.scan(T0 + timedelta(minutes=30) - timedelta(microseconds=1))
    assert _items(sup) == []
    sup.scan(T0 + timedelta(minutes=30))
    [item] = _items(sup)
    assert (item.stage, item.level, item.unit_code) == ("dispatch", "village", "licheng-zhenhai-changshou")
    assert item.opened_at == T0 + timedelta(minutes=30)
    assert item.due_at == T0 + timedelta(minutes=60)
    with sup.services.Session() as s:
        assert s.get(Incident, "I1").overdue is True
    [(type_, data)] = _feed(sup)
    assert type_ == "supervision.opened"
    assert data["incident"] == "I1" and data["level"] == "village"
    assert data["units"] == ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
                             "licheng-zhenhai-changshou-g01"]


def test_each_escalation_at_its_time_to_the_right_unit(sup):
    _incident(sup)
    steps = [(30, "village", "licheng-zhenhai-changshou"), (60, "town", "licheng-zhenhai"),
             (90, "district", "licheng"), (120, "city", "putian")]
    for minutes, level, unit in steps:
        sup.scan(T0 + timedelta(minutes=minutes) - timedelta(seconds=1))
        assert len(_feed(sup)) == steps.index((minutes, level, unit))
        sup.scan(T0 + timedelta(minutes=minutes))
        [item] = _items(sup)
        assert (item.level, item.unit_code, item.escalations) == (level, unit, steps.index(
            (minutes, level, unit)))
    sup.scan(T0 + timedelta(days=2))  # past the city nothing climbs further
    assert [t for t, _ in _feed(sup)] == ["supervision.opened"] + ["supervision.escalated"] * 3
    with sup.services.Session() as s:
        rows = s.execute(select(SupervisionEscalation).order_by(SupervisionEscalation.id)).scalars().all()
        assert [(r.from_level, r.to_level, r.unit_code, r.at) for r in rows] == [
            ("village", "town", "licheng-zhenhai", T0 + timedelta(minutes=60)),
            ("town", "district", "licheng", T0 + timedelta(minutes=90)),
            ("district", "city", "putian", T0 + timedelta(minutes=120))]


def test_a_late_scan_catches_up_with_the_times_it_should_have_acted(sup):
    _incident(sup)
    sup.scan(T0 + timedelta(minutes=95))
    [item] = _items(sup)
    assert (item.level, item.escalations, item.due_at) == ("district", 2, T0 + timedelta(minutes=120))
    with sup.services.Session() as s:
        ats = s.execute(select(SupervisionEscalation.at).order_by(SupervisionEscalation.id)).scalars()
        assert list(ats) == [T0 + timedelta(minutes=60), T0 + timedelta(minutes=90)]


def test_item_closes_when_the_stage_completes_and_the_next_stage_counts_afresh(sup):
    row = _incident(sup)
    sup.scan(T0 + timedelta(minutes=45))
    at = T0 + timedelta(minutes=50)
    producer.add(sup.services.redis, schema.INCIDENTS, schema.T_TRANSITION,
                 transition_payload(row, "dispatch", "dispatched", at, 2))
    assert _consume(sup) == 1
    [item] = _items(sup)
    assert (item.state, item.closed_at) == ("closed", at)
    assert [t for t, _ in _feed(sup)] == ["supervision.opened", "supervision.closed"]
    _persist_step(sup, "I1", "dispatched", at)
    sup.scan(T0 + timedelta(minutes=70))  # the closed item does not climb at its old due time
    assert len(_feed(sup)) == 2
    sup.scan(at + timedelta(minutes=60))  # accept limit is 60 min from the dispatch
    items = _items(sup)
    assert [(i.stage, i.state, i.opened_at) for i in items] == [
        ("dispatch", "closed", T0 + timedelta(minutes=30)),
        ("accept", "open", at + timedelta(minutes=60))]
    with sup.services.Session() as s:
        assert s.get(Incident, "I1").overdue is True  # it ran late, which the rates remember


def test_a_missed_transition_is_reconciled_from_the_database(sup):
    _incident(sup)
    sup.scan(T0 + timedelta(minutes=40))
    _persist_step(sup, "I1", "dispatched", T0 + timedelta(minutes=41))
    sup.scan(T0 + timedelta(minutes=42))
    [item] = _items(sup)
    assert (item.state, item.closed_at) == ("closed", T0 + timedelta(minutes=41))


def test_rerun_and_redelivery_change_nothing(sup):
    row = _incident(sup)
    _incident(sup, "I2", severity=2)
    for _ in range(2):
        sup.scan(T0 + timedelta(minutes=60))
    assert len(_items(sup)) == 2
    assert len(_feed(sup)) == 4  # two opened, two escalated, once each
    at = T0 + timedelta(minutes=61)
    entry_id = producer.add(sup.services.redis, schema.INCIDENTS, schema.T_TRANSITION,
                            transition_payload(row, "dispatch", "dispatched", at, 2))
    entry = schema.decode(schema.INCIDENTS, entry_id, sup.services.redis.xrange(schema.INCIDENTS)[0][1])
    sup.handle([entry])
    sup.handle([entry])  # a redelivered entry
    assert [t for t, _ in _feed(sup)].count("supervision.closed") == 1
    # The persister has not caught up yet: the row still says reported. The scan must not reopen.
    sup.scan(T0 + timedelta(minutes=62))
    with sup.services.Session() as s:
        assert s.execute(select(func.count()).select_from(SupervisionItem)).scalar() == 2
        assert s.execute(select(func.count()).select_from(SupervisionEscalation)).scalar() == 2
    assert [t for t, _ in _feed(sup)].count("supervision.opened") == 2


def test_a_reopened_incident_gets_a_new_item_for_the_new_stage_instance(sup):
    _incident(sup, state="dispatched")
    sup.scan(T0 + timedelta(minutes=60))
    _persist_step(sup, "I1", "accepted", T0 + timedelta(minutes=70))
    _persist_step(sup, "I1", "resolved", T0 + timedelta(minutes=80))
    _persist_step(sup, "I1", "dispatched", T0 + timedelta(minutes=90))  # the check failed
    sup.scan(T0 + timedelta(minutes=150))
    items = _items(sup)
    assert [(i.stage, i.state, i.opened_at) for i in items] == [
        ("accept", "closed", T0 + timedelta(minutes=60)),
        ("accept", "open", T0 + timedelta(minutes=150))]
