"""The audit chain resists the four rewrites of issue 14: an edited row, a deleted row, a deleted
tail and a rewritten chain recomputed to check; verify names the entry or the checkpoint broken."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bench.intake_world import build_world
from dashboard.app import create_app
from dashboard.core import audit, audit_anchor
from dashboard.core.models import AuditEntry
from dashboard.core.principal import issue_token

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _add(Session, first: int, n: int) -> None:  # noqa: N803
    for i in range(first, first + n):
        with Session.begin() as s:
            audit.append(s, actor=f"duty{i}", action="alert.ack", target=f"alert:{i}",
                         detail={"note": f"已处理 {i}"}, source_ip="10.0.0.1", now=T0 + timedelta(minutes=i))


@pytest.fixture
def chain(Session, redis_client):  # noqa: N803
    """Six entries with a checkpoint after the third and one after the sixth."""
    _add(Session, 0, 3)
    audit_anchor.checkpoint(Session, redis_client)
    _add(Session, 3, 3)
    audit_anchor.checkpoint(Session, redis_client)
    with Session() as s:
        ids = list(s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    return Session, redis_client, ids


def _verdict(Session, client) -> audit_anchor.Verdict:  # noqa: N803
    with Session() as s:
        return audit_anchor.verify(s, audit_anchor.stored(client))


def test_an_intact_chain_with_its_checkpoints_verifies(chain):
    Session, client, ids = chain
    verdict = _verdict(Session, client)
    assert verdict.intact and verdict.entries == 6 and verdict.checkpoints == 2


def test_an_edited_row_is_found(chain):
    Session, client, ids = chain
    with Session.begin() as s:
        s.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = :i"), {"i": ids[1]})
    verdict = _verdict(Session, client)
    assert not verdict.intact and verdict.first_bad == ids[1]


def test_a_deleted_row_is_found(chain):
    Session, client, ids = chain
    with Session.begin() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[2]})
    verdict = _verdict(Session, client)
    assert verdict.first_bad == ids[3]
    # The first checkpoint's head was that row.
    assert (verdict.reason, verdict.broken.length) == ("head_missing", 3)


def test_a_deleted_tail_breaks_the_newest_checkpoint(chain):
    Session, client, ids = chain
    with Session.begin() as s:
        s.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": ids[4]})
    verdict = _verdict(Session, client)
    assert verdict.first_bad is None  # what is left still chains: only the checkpoint tells
    assert not verdict.intact
    assert (verdict.reason, verdict.broken.length, verdict.broken.head_id) == ("shortened", 6, ids[5])


def _recompute(Session, digest) -> None:  # noqa: N803
    """Rewrite the second entry and recompute every later hash with ``digest(prev, fields)``."""
    with Session.begin() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        rows[1].actor = "cover-up"
        prev = rows[0].hash
        for row in rows[1:]:
            fields = audit._fields(row.at, row.actor, row.action, row.target, row.unit_code, row.detail,
                                   row.source_ip)
            row.prev_hash, row.hash = prev, digest(prev, fields)
            prev = row.hash


def test_a_chain_recomputed_without_the_key_is_found(chain):
    Session, client, ids = chain
    # What the old plain SHA-256 chain allowed anyone with write access to the table to do.
    _recompute(Session, lambda prev, f: hashlib.sha256((prev + audit.canonical(f)).encode()).hexdigest())
    assert _verdict(Session, client).first_bad == ids[1]


def test_a_chain_recomputed_with_the_key_breaks_the_checkpoints(chain):
    Session, client, ids = chain
    with Session() as s:
        key = audit.chain_key(s)
    _recompute(Session, lambda prev, f: audit.entry_hash(key, prev, f))
    verdict = _verdict(Session, client)
    assert verdict.first_bad is None  # the table alone checks now
    assert (verdict.reason, verdict.broken.length, verdict.broken.head_id) == ("rewritten", 3, ids[2])


def test_a_checkpoint_written_without_the_key_is_reported_forged(chain):
    Session, client, ids = chain
    with Session.begin() as s:
        s.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": ids[4]})
    client.delete(audit_anchor.REDIS_KEY)  # cover the tracks: a checkpoint matching the shorter chain
    with Session() as s:
        head = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    client.lpush(audit_anchor.REDIS_KEY, json.dumps({"length": 4, "head_id": ids[3], "head_hash": head,
                                                     "at": T0.isoformat(), "mac": "0" * 64}))
    assert _verdict(Session, client).reason == "forged"


def test_verify_endpoint_names_the_broken_checkpoint(chain, engine, services_for):
    Session, client, ids = chain
    build_world(Session)
    with Session.begin() as s:
        admin = issue_token(s, "auditor", "admin", "putian")
        s.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": ids[5]})
    services = services_for(engine)
    http = create_app(services.settings, services).test_client()
    body = http.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert body["intact"] is False and body["first_bad"] is None and body["entries"] == 5
    assert body["reason"] == "shortened" and body["checkpoint"]["length"] == 6


def test_the_supervise_worker_checkpoints_every_minute_and_at_shutdown(Session, redis_client):  # noqa: N803
    _add(Session, 0, 2)
    anchor = audit_anchor.Checkpointer(Session, redis_client)
    assert anchor.tick(1000.0).length == 2
    _add(Session, 2, 1)
    assert anchor.tick(1030.0) is None  # not due within the minute
    assert anchor.tick(1061.0).length == 3
    _add(Session, 3, 1)
    assert anchor.close(1062.0).length == 4
    assert [cp.length for cp in audit_anchor.stored(redis_client)] == [2, 3, 4]
