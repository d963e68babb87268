"""Checkpoints of the audit chain kept outside its table: its length and head, signed with the
audit key, pushed to a Redis list and written to the log (at least every minute by the supervise
worker, and when it stops).

A keyed chain stops whoever lacks the key from recomputing it, but deleting the newest rows leaves
a shorter chain that still checks, and a holder of the key could rewrite and recompute everything.
A checkpoint taken before either happened no longer matches: ``verify`` says which one broke and
how. What changed after the newest checkpoint (at most a minute's entries) is not covered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core import audit
from dashboard.core.models import AuditEntry

log = logging.getLogger(__name__)
REDIS_KEY = "audit:checkpoints"
KEEP = 20_160  # two weeks of minutes
EVERY_S = 60.0
_LINE = re.compile(r"audit checkpoint (\{.*\})")
# Why a checkpoint no longer matches the table (texts in dashboard.auth.words, "audit.cp.*").
FORGED, REWRITTEN, SHORTENED, HEAD_MISSING = "forged", "rewritten", "shortened", "head_missing"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's length and newest entry at one moment, with a MAC under the audit key."""

    length: int
    head_id: int
    head_hash: str
    at: str
    mac: str = ""

    def signed(self, key: bytes) -> Checkpoint:
        """This checkpoint with its MAC."""
        return Checkpoint(self.length, self.head_id, self.head_hash, self.at, self._mac(key))

    def _mac(self, key: bytes) -> str:
        body = f"{self.length}|{self.head_id}|{self.head_hash}|{self.at}".encode()
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    def authentic(self, key: bytes) -> bool:
        """Whether the MAC is the audit key's."""
        return hmac.compare_digest(self.mac, self._mac(key))

    def line(self) -> str:
        """The log line form (``parse`` reads it back)."""
        return "audit checkpoint " + json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """A checkpoint from its JSON or a log line holding it; ValueError if neither."""
        found = _LINE.search(text)
        try:
            data = json.loads(found.group(1) if found else text)
            return cls(int(data["length"]), int(data["head_id"]), str(data["head_hash"]),
                       str(data["at"]), str(data.get("mac", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not an audit checkpoint: {text[:80]!r}") from exc


@dataclass(frozen=True)
class Verdict:
    """The chain checked against itself and its checkpoints."""

    entries: int
    first_bad: int | None
    checkpoints: int
    broken: Checkpoint | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        """Nothing failed."""
        return self.first_bad is None and self.broken is None

    def as_json(self) -> dict:
        """The verdict as the API answers it."""
        return {"intact": self.intact, "first_bad": self.first_bad, "entries": self.entries,
                "checkpoints": self.checkpoints, "reason": self.reason,
                "checkpoint": asdict(self.broken) if self.broken else None}


def take(Session: sessionmaker) -> Checkpoint | None:  # noqa: N803 - a session factory
    """The chain's length and head now (None while it is empty), read under the chain's lock."""
    with Session.begin() as session:
        audit.lock_chain(session)
        length = session.scalar(select(func.count()).select_from(AuditEntry))
        head = session.execute(select(AuditEntry.id, AuditEntry.hash)
                               .order_by(AuditEntry.id.desc()).limit(1)).first()
        key = audit.chain_key(session)
    if not length or head is None:
        return None
    return Checkpoint(length, head.id, head.hash, datetime.now(UTC).isoformat()).signed(key)


def checkpoint(Session: sessionmaker, client) -> Checkpoint | None:  # noqa: N803
    """Take a checkpoint, push it to Redis and write it to the log; returns it."""
    cp = take(Session)
    if cp is None:
        return None
    log.info(cp.line())
    pipe = client.pipeline()
    pipe.lpush(REDIS_KEY, json.dumps(asdict(cp)))
    pipe.ltrim(REDIS_KEY, 0, KEEP - 1)
    pipe.execute()
    return cp


def stored(client) -> list[Checkpoint]:
    """The checkpoints kept in Redis, oldest first (an unreadable one counts as forged)."""
    out = []
    for raw in reversed(client.lrange(REDIS_KEY, 0, -1)):
        try:
            out.append(Checkpoint.parse(raw))
        except ValueError:
            out.append(Checkpoint(0, 0, "", "", "unreadable"))
    return out


def verify(session: Session, checkpoints: Iterable[Checkpoint]) -> Verdict:
    """Walk the chain once: the first entry that does not check, and the oldest checkpoint the
    table no longer matches with the reason (forged, rewritten, shortened, head_missing)."""
    key = audit.chain_key(session)
    cps = list(checkpoints)
    problems: list[tuple[Checkpoint, str]] = [(cp, FORGED) for cp in cps if not cp.authentic(key)]
    by_head: dict[int, list[Checkpoint]] = {}
    for cp in cps:
        if cp.authentic(key):
            by_head.setdefault(cp.head_id, []).append(cp)
    first_bad, entries, seen = None, 0, set()
    for position, entry_id, entry_hash, ok in audit.walk(session):
        entries = position
        if not ok and first_bad is None:
            first_bad = entry_id
        for cp in by_head.get(entry_id, ()):
            seen.add(cp)
            if cp.length != position or cp.head_hash != entry_hash:
                problems.append((cp, REWRITTEN))
    for cps_at in by_head.values():
        for cp in cps_at:
            if cp not in seen:
                problems.append((cp, SHORTENED if cp.length > entries else HEAD_MISSING))
    problems.sort(key=lambda p: (p[0].length, p[0].at))
    broken, reason = problems[0] if problems else (None, None)
    return Verdict(entries, first_bad, len(cps), broken, reason)


class Checkpointer:
    """Takes a checkpoint when one is due (every ``every_s``) and a last one on ``close``; a
    failure is logged and retried at the next tick (the worker it runs in keeps going)."""

    def __init__(self, Session: sessionmaker, client, every_s: float = EVERY_S) -> None:  # noqa: N803
        self.Session, self.client, self.every_s = Session, client, every_s
        self.last = float("-inf")

    def tick(self, now: float) -> Checkpoint | None:
        """A checkpoint if one is due at monotonic time ``now``."""
        if now - self.last < self.every_s:
            return None
        return self.close(now)

    def close(self, now: float) -> Checkpoint | None:
        """A checkpoint now, whether due or not (shutdown)."""
        try:
            cp = checkpoint(self.Session, self.client)
        except Exception:  # noqa: BLE001 - Redis or the database down: the next tick retries
            log.exception("audit checkpoint failed")
            return None
        self.last = now
        return cp
