"""Hostile entries on the streams the consumer groups read: each ends in feed:dead with a reason,
the groups move on (nothing left pending), and valid entries sent alongside are stored once."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bench.intake_world import build_world, now_iso, produce_report
from dashboard.contract import producer, schema
from dashboard.core.models import Incident, IncidentEvent, Position
from feeds.consumer import Consumer, Knobs, tolerant
from feeds.supervisor import Supervisor
from tests.fuzz.conftest import STREAM_EXAMPLES, fuzz_settings, tally
from tests.fuzz.stream_cases import hostile_entry, position
from tests.integration.intake_support import persist_consumer

pytestmark = pytest.mark.fuzz
_TICKS = itertools.count(1)  # milliseconds back in time, one per valid position
# Retry at once and give up after two deliveries, so a run settles in a few rounds.
QUICK = {"block_ms": 5, "claim_idle_ms": 0, "claim_every_s": 0.0, "max_deliveries": 2}


def settle(consumers: list[Consumer], rounds: int = 30) -> None:
    """Step every consumer until none has anything pending or new."""
    for _ in range(rounds):
        busy = sum(c.step() for c in consumers)
        left = sum(c.redis.xpending(s, c.group)["pending"] for c in consumers for s in c.streams)
        if not busy and not left:
            return
    raise AssertionError(f"consumers did not settle in {rounds} rounds")


def dead_reasons(client, group: str) -> dict[str, str]:
    """Entry id -> reason of every dead letter a group wrote."""
    return {f["id"]: f["reason"] for _, f in tolerant(client).xrange(schema.DEAD) if f["group"] == group}


def count(Session, stmt) -> int:  # noqa: N803
    with Session() as s:
        return s.scalar(stmt)


@pytest.fixture
def pipeline(Session, engine, redis_client, services_for):
    """The small world with the persist and supervise groups, both retrying at once."""
    build_world(Session)
    services = services_for(engine)
    persist = persist_consumer(redis_client, Session, name="fuzz-persist", **QUICK)
    supervise = Consumer(redis_client, schema.GROUP_SUPERVISE, [schema.INCIDENTS],
                         Supervisor(services).handle, name="fuzz-supervise", knobs=Knobs(**QUICK))
    supervise.ensure_groups()
    base = str(uuid.uuid4())  # a stored incident the hostile steps aim at
    produce_report(redis_client, base)
    settle([persist, supervise])
    return persist, supervise, base


@pytest.mark.parametrize("stream", [schema.INCIDENTS, schema.POSITIONS])
def test_hostile_entries_are_dead_lettered_and_valid_ones_stored_once(pipeline, Session, redis_client,
                                                                       stream):
    persist, supervise, base = pipeline

    @fuzz_settings(STREAM_EXAMPLES)
    @given(hostile=st.lists(hostile_entry(stream, base), min_size=1, max_size=4))
    def send(hostile):
        sent, valid = [], []
        for fields in hostile:  # valid entries before, between and after the hostile ones
            valid.append(_valid(redis_client, stream, uuid.uuid4()))
            sent.append(redis_client.xadd(stream, fields))
        valid.append(_valid(redis_client, stream, uuid.uuid4()))
        tally(f"stream {stream} hostile", len(hostile))
        tally(f"stream {stream} valid alongside", len(valid))
        settle([persist, supervise])
        reasons = dead_reasons(redis_client, schema.GROUP_PERSIST)
        for entry_id, fields in zip(sent, hostile, strict=True):
            assert reasons.get(entry_id, "").strip(), f"not dead-lettered: {fields}"
        for what in valid:
            assert _stored(Session, stream, what) == STORED_ONCE[stream], what

    send()
    assert redis_client.xpending(stream, schema.GROUP_PERSIST)["pending"] == 0
    if stream == schema.INCIDENTS:
        assert redis_client.xpending(stream, schema.GROUP_SUPERVISE)["pending"] == 0


def _valid(client, stream: str, uid: uuid.UUID) -> str:
    """Send one valid entry; what identifies its stored row."""
    if stream == schema.INCIDENTS:
        produce_report(client, str(uid))
        return str(uid)
    # Positions are unique per person and time: one millisecond further back per entry.
    staff_ts = position(staff="S0003", ts=now_iso(-timedelta(milliseconds=next(_TICKS))))
    producer.add(client, schema.POSITIONS, schema.T_POSITIONS, {"positions": [staff_ts], "units": ["putian"]})
    return json.dumps([staff_ts["staff"], staff_ts["ts"]])


STORED_ONCE = {schema.INCIDENTS: (1, 1), schema.POSITIONS: 1}


def _stored(Session, stream: str, what: str):  # noqa: N803
    """Incidents: (incident rows, report events) of the id; positions: rows of (staff, ts)."""
    if stream == schema.INCIDENTS:
        return (count(Session, select(func.count()).select_from(Incident).where(Incident.id == what)),
                count(Session, select(func.count()).select_from(IncidentEvent)
                      .where(IncidentEvent.incident_id == what, IncidentEvent.action == "report")))
    staff, ts = json.loads(what)
    return count(Session, select(func.count()).select_from(Position).where(
        Position.staff_id == staff, Position.ts == datetime.fromisoformat(ts)))
