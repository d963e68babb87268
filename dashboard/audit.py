"""Append-only audit log with a hash chain: each entry's hash covers the previous hash and its fields.

Appends are serialised so that two writers never chain onto the same predecessor: on PostgreSQL by a
transaction-level advisory lock, on SQLite by taking the database write lock before reading the tail.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from dashboard.models import AuditEntry, Unit

GENESIS = "0" * 64
# An arbitrary constant naming "the audit chain" among PostgreSQL advisory locks.
_PG_LOCK_KEY = 0x61756469
CSV_COLUMNS = ("id", "at", "actor", "action", "target", "unit_code", "detail", "source_ip",
               "prev_hash", "hash")


def canonical(fields: dict) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _fields(at: datetime, actor: str, action: str, target: str, unit_code: str | None,
            detail: dict, source_ip: str | None) -> dict:
    return {"at": at.astimezone(UTC).isoformat(), "actor": actor, "action": action,
            "target": target, "unit_code": unit_code, "detail": detail, "source_ip": source_ip}


def entry_hash(prev_hash: str, fields: dict) -> str:
    """sha256 of the previous hash followed by the canonical JSON of the entry's fields."""
    return hashlib.sha256((prev_hash + canonical(fields)).encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    else:
        # A write statement, even one touching no row, takes SQLite's write lock for the transaction.
        session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))


def append(session: Session, actor: str, action: str, target: str = "", unit_code: str | None = None,
           detail: dict | None = None, source_ip: str | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction and return it."""
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now: must be timezone-aware")
    detail = json.loads(canonical(detail or {}))  # what the database will give back
    _lock_chain(session)
    prev = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    at = now.astimezone(UTC)
    fields = _fields(at, actor, action, target, unit_code, detail, source_ip)
    entry = AuditEntry(at=at, actor=actor, action=action, target=target, unit_code=unit_code,
                       detail=detail, source_ip=source_ip, prev_hash=prev,
                       hash=entry_hash(prev, fields))
    session.add(entry)
    session.flush()
    return entry


def verify(session: Session, batch: int = 1000) -> int | None:
    """Walk the chain in order; None if intact, else the id of the first entry that does not check."""
    prev = GENESIS
    last_id = 0
    while True:
        rows = session.execute(select(AuditEntry).where(AuditEntry.id > last_id)
                               .order_by(AuditEntry.id).limit(batch)).scalars().all()
        if not rows:
            return None
        for row in rows:
            fields = _fields(row.at, row.actor, row.action, row.target, row.unit_code,
                             row.detail, row.source_ip)
            if row.prev_hash != prev or row.hash != entry_hash(prev, fields):
                return row.id
            prev = row.hash
            last_id = row.id
        session.expunge_all()


def _subtree_filter(unit_code: str):
    codes = select(Unit.code).where(or_(Unit.code == unit_code, Unit.district_code == unit_code,
                                        Unit.town_code == unit_code, Unit.village_code == unit_code))
    return AuditEntry.unit_code.in_(codes)


def export_csv(session: Session, out: TextIO, unit_code: str | None, start: datetime,
               end: datetime) -> int:
    """Write the entries of a unit's subtree (all for the city) in [start, end) as CSV; returns rows."""
    query = select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < end)
    if unit_code and unit_code != "putian":
        query = query.where(_subtree_filter(unit_code))
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in session.execute(query.order_by(AuditEntry.id)).scalars():
        writer.writerow([row.id, row.at.isoformat(), row.actor, row.action, row.target,
                         row.unit_code or "", canonical(row.detail), row.source_ip or "",
                         row.prev_hash, row.hash])
        count += 1
    return count
