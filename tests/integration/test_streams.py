"""The consumer group: dead letters, takeover of a dead consumer's entries, idempotent and
out-of-order application of incident steps."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import func, select

from bench.intake_world import build_world, now_iso, produce_dispatch, produce_report, report_data
from dashboard.contract import producer, schema
from dashboard.contract.schema import decode
from dashboard.core.models import Incident, IncidentEvent
from dashboard.queries.views import open_counts
from feeds import livestate
from feeds.consumer import Consumer, Knobs
from feeds.persister import Persister
from tests.integration.intake_support import drain, persist_consumer


@pytest.fixture
def small_world(Session, redis_client):
    build_world(Session)
    return Session


def rows(Session, model) -> int:
    with Session() as s:
        return s.scalar(select(func.count()).select_from(model))


def pending(client, stream=schema.INCIDENTS) -> int:
    return client.xpending(stream, schema.GROUP_PERSIST)["pending"]


def test_malformed_entries_go_to_dead_letters_and_the_group_moves_on(small_world, redis_client):
    consumer = persist_consumer(redis_client, small_world)
    bad = [
        ({"type": schema.T_REPORTED, "data": "{not json"}, "not JSON"),
        ({"type": "incident.exploded", "data": '{"units":["putian"]}'}, "unknown type"),
        ({"payload": "x"}, "fields must be exactly"),
        ({"type": schema.T_REPORTED, "data": '{"id":"x1"}'}, "units"),
        ({"type": schema.T_REPORTED, "data": '{"id":"x2","units":["putian"]}'}, "lacks"),
    ]
    ids = [redis_client.xadd(schema.INCIDENTS, fields) for fields, _ in bad]
    good = str(uuid.uuid4())
    produce_report(redis_client, good)
    drain(consumer)
    assert rows(small_world, Incident) == 1
    dead = redis_client.xrange(schema.DEAD)
    assert [d[1]["id"] for d in dead] == ids
    for (_, reason), (_, entry) in zip(bad, dead, strict=True):
        assert reason in entry["reason"]
        assert (entry["stream"], entry["group"]) == (schema.INCIDENTS, schema.GROUP_PERSIST)
    assert pending(redis_client) == 0


def test_an_entry_failing_every_delivery_is_dead_lettered(small_world, redis_client):
    produce_report(redis_client, "ok-1")
    poison = produce_report(redis_client, "poison-1")
    produce_report(redis_client, "ok-2")
    persister = Persister(small_world, redis_client)

    def handler(entries):
        if any(e.id == poison for e in entries):
            raise RuntimeError("disk on fire")
        return persister(entries)

    consumer = Consumer(redis_client, schema.GROUP_PERSIST, [schema.INCIDENTS], handler, name="c1",
                        knobs=Knobs(block_ms=10, claim_idle_ms=0, claim_every_s=0, max_deliveries=3))
    consumer.ensure_groups()
    for _ in range(6):
        consumer.step()
    with small_world() as s:
        assert set(s.scalars(select(Incident.id))) == {"ok-1", "ok-2"}
    dead = redis_client.xrange(schema.DEAD)
    assert len(dead) == 1 and dead[0][1]["id"] == poison
    assert "delivered 3 times" in dead[0][1]["reason"] and "disk on fire" in dead[0][1]["reason"]
    assert pending(redis_client) == 0


def test_a_live_consumer_takes_over_a_dead_ones_entries(small_world, redis_client):
    ids = [str(uuid.uuid4()) for _ in range(5)]
    for iid in ids:
        produce_report(redis_client, iid)
    persist_consumer(redis_client, small_world, name="dead-one")
    taken = redis_client.xreadgroup(schema.GROUP_PERSIST, "dead-one", {schema.INCIDENTS: ">"}, count=10)
    assert len(taken[0][1]) == 5  # read, then the process "dies" before acknowledging
    patient = persist_consumer(redis_client, small_world, name="patient", claim_idle_ms=60_000)
    assert drain(patient) == 0  # nothing new, and nothing idle long enough to take
    live = persist_consumer(redis_client, small_world, name="live-one", claim_idle_ms=50)
    time.sleep(0.1)  # let the entries become idle past claim_idle_ms
    live.step()
    assert rows(small_world, Incident) == 5
    assert pending(redis_client) == 0
    assert live.counters["claimed"] == 5


def test_a_restarted_consumer_reads_its_own_pending_first(small_world, redis_client):
    iid = str(uuid.uuid4())
    produce_report(redis_client, iid)
    persist_consumer(redis_client, small_world, name="same-name")
    redis_client.xreadgroup(schema.GROUP_PERSIST, "same-name", {schema.INCIDENTS: ">"}, count=10)
    again = persist_consumer(redis_client, small_world, name="same-name")
    assert again.recover() == 1
    assert rows(small_world, Incident) == 1 and pending(redis_client) == 0


def entry(client, entry_id):
    (eid, fields), = client.xrange(schema.INCIDENTS, entry_id, entry_id)
    return decode(schema.INCIDENTS, eid, fields)


def test_steps_apply_once_and_in_any_order(small_world, redis_client):
    iid = str(uuid.uuid4())
    report = entry(redis_client, produce_report(redis_client, iid))
    dispatch = entry(redis_client, produce_dispatch(redis_client, iid))
    units = report.data["units"]
    accept_data = {"incident": iid, "action": "accept", "from": "dispatched", "to": "accepted",
                   "at": now_iso(), "actor": "market", "department": "market", "note": "",
                   "key": f"{iid}:v3", "version": 3, "units": units}
    accept_id = producer.sequence(redis_client, iid, 2, schema.T_TRANSITION, accept_data,
                                  {"state": "accepted", "version": 3}).value
    accept = entry(redis_client, accept_id)
    persister = Persister(small_world, redis_client)
    # A step whose report another consumer has not committed yet is held back, not lost.
    assert persister([accept]) == {accept.id}
    assert rows(small_world, IncidentEvent) == 0
    assert persister([report]) == set()
    assert persister([accept]) == set()  # arrives before the older dispatch
    assert persister([dispatch]) == set()
    for _ in range(2):  # redelivery of everything changes nothing
        assert persister([report, dispatch, accept]) == set()
    with small_world() as s:
        row = s.get(Incident, iid)
        assert (row.state, row.stream_id, row.department_code) == ("accepted", accept.id, "market")
        assert row.dispatched_at is not None and row.accepted_at is not None
    assert rows(small_world, IncidentEvent) == 3
    counts = {k: v for k, v in open_counts(redis_client, "putian").items() if v}
    assert counts == {"accepted": 1}


def test_live_state_is_rebuilt_from_the_database(small_world, redis_client):
    consumer = persist_consumer(redis_client, small_world)
    for i in range(3):
        produce_report(redis_client, f"inc-{i}")
    produce_dispatch(redis_client, "inc-0")
    drain(consumer)
    before = open_counts(redis_client, "licheng")
    redis_client.delete(*redis_client.keys("live:counts:*"))
    with small_world() as s:
        livestate.reconcile(s, redis_client)
    assert {k: v for k, v in before.items() if v} == open_counts(redis_client, "licheng")
    assert open_counts(redis_client, "licheng") == {"reported": 2, "dispatched": 1}


def test_report_payload_matches_the_incident_columns():
    data = report_data("x")
    columns = {c.name for c in Incident.__table__.columns} - {"stream_id"}
    assert columns <= set(data)


def test_positions_are_trimmed_by_age_and_incidents_by_count(redis_client):
    for i in range(1, 1001):  # entries from 1970: far older than the retention window
        redis_client.xadd(schema.POSITIONS, {"type": "positions", "data": "{}"}, id=f"{i}-0")
    producer.add(redis_client, schema.POSITIONS, schema.T_POSITIONS, {"positions": [], "units": ["putian"]})
    assert redis_client.xlen(schema.POSITIONS) < 200  # whole old nodes dropped (trim is approximate)
    for _ in range(1000):
        producer.add(redis_client, schema.INCIDENTS, schema.T_REPORTED, {"units": ["putian"]}, maxlen=100)
    assert 100 <= redis_client.xlen(schema.INCIDENTS) < 300
