"""Transactional outbox: stream events committed with their state change, appended to Redis after.

A unit of work stages its events (``stage``) in the same transaction as the rows they describe, so
a crash or a Redis outage after the commit cannot lose them. ``flush`` appends every unpublished
row, oldest first, and marks it published; the API flushes right after its commit and the
``supervise`` worker sweeps on every pass whatever is left.

Exactly once: each row has a random ``key``. One Lua script per batch checks ``live:outbox:<key>``
and only if it is absent appends the entry and sets the key to the new stream id, atomically. A
publisher that dies between the append and the database mark (or two publishers racing on a row)
finds the key on retry and takes the stream id recorded there instead of appending again. Keys
live two days (a row appended but left unmarked longer than that would be sent again); published
rows are pruned after one. Entry and key are written by one script, so a Redis restart keeps or
loses both (with ``appendfsync always``, docs/deploy.md, it keeps every acknowledged one).
The entries keep exactly the two fields ``type`` and ``data`` of docs/contracts.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from dashboard.contract import keys, schema
from dashboard.core.models import OutboxEvent
from dashboard.core.timeutil import utcnow

log = logging.getLogger(__name__)
MARK_TTL_S = 2 * 24 * 3600
KEEP_PUBLISHED = timedelta(days=1)
BATCH = 500

# KEYS: mark, stream pairs per row; ARGV: mark TTL, then maxlen, type, data per row.
_PUBLISH_LUA = """
local ids = {}
for i = 1, #KEYS, 2 do
  local j = 2 + (i - 1) / 2 * 3
  local id = redis.call('GET', KEYS[i])
  if not id then
    id = redis.call('XADD', KEYS[i + 1], 'MAXLEN', '~', ARGV[j], '*',
                    'type', ARGV[j + 1], 'data', ARGV[j + 2])
    redis.call('SET', KEYS[i], id, 'EX', ARGV[1])
  end
  ids[#ids + 1] = id
end
return ids
"""


def stage(session: Session, stream: str, type_: str, data: dict,
          now: datetime | None = None) -> OutboxEvent:
    """Record an event to publish once this transaction commits; returns the row (its ``key``)."""
    if stream not in schema.MAXLEN or stream in schema.RETENTION_MS:
        raise ValueError(f"stream {stream!r} is not one the outbox publishes (count-trimmed feeds)")
    row = OutboxEvent(key=uuid.uuid4().hex, stream=stream, type=type_,
                      data=schema.encode(type_, data)["data"], created_at=now or utcnow())
    session.add(row)
    return row


def stage_all(session: Session, events: Iterable[tuple[str, str, dict]]) -> list[OutboxEvent]:
    """Stage (stream, type, data) events in order."""
    now = utcnow()
    return [stage(session, stream, type_, data, now) for stream, type_, data in events]


def append(client: redis.Redis, rows: list[OutboxEvent]) -> list[str]:
    """Append rows to their streams unless their key says they already were; their stream ids."""
    if not rows:
        return []
    names, args = [], [str(MARK_TTL_S)]
    for row in rows:
        names += [keys.OUTBOX_MARK.format(row.key), row.stream]
        args += [str(schema.MAXLEN[row.stream]), row.type, row.data]
    ids = client.register_script(_PUBLISH_LUA)(keys=names, args=args)
    return [i.decode() if isinstance(i, bytes) else i for i in ids]


def flush(Session: sessionmaker[Session], client: redis.Redis,  # noqa: N803 - a session factory
          batch: int = BATCH) -> dict[str, str]:
    """Publish every unpublished row, oldest first, and mark it; row key → stream id."""
    published: dict[str, str] = {}
    while True:
        with Session() as session:
            rows = list(session.execute(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                                        .order_by(OutboxEvent.id).limit(batch)).scalars())
            session.expunge_all()
        if not rows:
            return published
        ids = append(client, rows)
        now = utcnow()
        with Session.begin() as session:
            for row, stream_id in zip(rows, ids, strict=True):
                session.execute(update(OutboxEvent).where(OutboxEvent.id == row.id)
                                .values(published_at=now, stream_id=stream_id))
                published[row.key] = stream_id
        if len(rows) < batch:
            return published


def try_flush(Session: sessionmaker[Session], client: redis.Redis) -> dict[str, str]:  # noqa: N803
    """``flush``, but a Redis outage only leaves the rows for the worker's sweep (logged)."""
    try:
        return flush(Session, client)
    except redis.RedisError as exc:
        log.warning("outbox: publish deferred to the sweep: %s", exc)
        return {}


def prune(Session: sessionmaker[Session], now: datetime | None = None) -> int:  # noqa: N803
    """Delete rows published more than a day ago; how many went."""
    cutoff = (now or utcnow()) - KEEP_PUBLISHED
    with Session.begin() as session:
        return session.execute(delete(OutboxEvent).where(OutboxEvent.published_at < cutoff)).rowcount


def stream_id(Session: sessionmaker[Session], key: str) -> str | None:  # noqa: N803
    """The stream id a row was published under (None while it waits)."""
    with Session() as session:
        return session.execute(select(OutboxEvent.stream_id).where(OutboxEvent.key == key)).scalar()


def pending(session: Session) -> int:
    """How many rows wait to be published."""
    return session.execute(select(func.count()).select_from(OutboxEvent)
                           .where(OutboxEvent.published_at.is_(None))).scalar_one()
