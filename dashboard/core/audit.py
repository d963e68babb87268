"""Append-only audit log with a keyed hash chain: each entry's hash is an HMAC-SHA256, under a key
that is not in the database, of the previous hash and the entry's fields.

The key is derived from the secret key (Settings.audit_key) and travels with the session factory
(``session.info["audit_key"]``); a session without one uses the key of this process's environment.
Whoever can write the table but lacks the key cannot recompute a chain that checks; what a holder
of the key could still do (cut the tail, recompute everything) the checkpoints kept outside the
table reveal (dashboard.core.audit_anchor).

Appends are serialised so that two writers never chain onto the same predecessor: on PostgreSQL by a
transaction-level advisory lock, on SQLite by taking the database write lock before reading the tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from dashboard.core.models import AuditEntry

GENESIS = "0" * 64
# An arbitrary constant naming "the audit chain" among PostgreSQL advisory locks.
_PG_LOCK_KEY = 0x61756469


def canonical(fields: dict) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _fields(at: datetime, actor: str, action: str, target: str, unit_code: str | None,
            detail: dict, source_ip: str | None) -> dict:
    return {"at": at.astimezone(UTC).isoformat(), "actor": actor, "action": action,
            "target": target, "unit_code": unit_code, "detail": detail, "source_ip": source_ip}


@cache
def _environment_key() -> bytes:
    from dashboard.core.config import load_settings

    return load_settings().audit_key()


def chain_key(session: Session) -> bytes:
    """The key this session's chain entries are computed with."""
    return session.info.get("audit_key") or _environment_key()


def entry_hash(key: bytes, prev_hash: str, fields: dict) -> str:
    """HMAC-SHA256 of the previous hash followed by the canonical JSON of the entry's fields."""
    return hmac.new(key, (prev_hash + canonical(fields)).encode(), hashlib.sha256).hexdigest()


def lock_chain(session: Session) -> None:
    """Hold the chain's append lock until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    else:
        # A write statement, even one touching no row, takes SQLite's write lock for the transaction.
        session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))


@dataclass(frozen=True)
class Record:
    """One entry to append: who did what to which target, where, and when."""

    actor: str
    action: str
    target: str = ""
    unit_code: str | None = None
    detail: dict | None = None
    source_ip: str | None = None
    at: datetime | None = None


def _rows(session: Session, records: list[Record]) -> list[dict]:
    """The chained rows of these records after the current tail (the caller holds the lock)."""
    key = chain_key(session)
    prev = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    rows = []
    for r in records:
        at = r.at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ValueError("now: must be timezone-aware")
        at = at.astimezone(UTC)
        detail = json.loads(canonical(r.detail or {}))  # what the database will give back
        fields = _fields(at, r.actor, r.action, r.target, r.unit_code, detail, r.source_ip)
        prev_hash, prev = prev, entry_hash(key, prev, fields)
        rows.append({"at": at, "actor": r.actor, "action": r.action, "target": r.target,
                     "unit_code": r.unit_code, "detail": detail, "source_ip": r.source_ip,
                     "prev_hash": prev_hash, "hash": prev})
    return rows


def append_many(session: Session, records: list[Record]) -> int:
    """Append entries in order to the chain inside the caller's transaction: one lock, one read of
    the tail and one multi-row INSERT, whatever the count (the persister's batches); returns it."""
    if not records:
        return 0
    lock_chain(session)
    session.execute(insert(AuditEntry), _rows(session, records))
    return len(records)


def append(session: Session, actor: str, action: str, target: str = "", unit_code: str | None = None,
           detail: dict | None = None, source_ip: str | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction and return it."""
    lock_chain(session)
    record = Record(actor, action, target, unit_code, detail, source_ip, now)
    entry = AuditEntry(**_rows(session, [record])[0])
    session.add(entry)
    session.flush()
    return entry


def walk(session: Session, batch: int = 1000):
    """Every entry in chain order with its position (1-based) and whether it checks against its
    predecessor; the walk continues past a bad entry, chaining on from the stored hash."""
    key = chain_key(session)
    prev, last_id, position = GENESIS, 0, 0
    while True:
        rows = session.execute(select(AuditEntry).where(AuditEntry.id > last_id)
                               .order_by(AuditEntry.id).limit(batch)).scalars().all()
        if not rows:
            return
        for row in rows:
            position += 1
            fields = _fields(row.at, row.actor, row.action, row.target, row.unit_code,
                             row.detail, row.source_ip)
            ok = row.prev_hash == prev and row.hash == entry_hash(key, prev, fields)
            yield position, row.id, row.hash, ok
            prev, last_id = row.hash, row.id
        session.expunge_all()


def verify(session: Session, batch: int = 1000) -> int | None:
    """Walk the chain in order; None if intact, else the id of the first entry that does not check.
    This checks the table alone: dashboard.core.audit_anchor.verify adds the checkpoints."""
    for _position, entry_id, _hash, ok in walk(session, batch):
        if not ok:
            return entry_id
    return None
