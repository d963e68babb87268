"""A consumer-group worker: at-least-once delivery with reclaim and dead letters (after taskiq-redis).

Use::

    def handle(entries: list[Entry]) -> set[str] | None:
        ...commit the work...            # return ids to retry later (left pending), or None
    consumer = Consumer(redis_client, "persist", [schema.INCIDENTS], handle, name="ingest-1")
    consumer.run(stop_event)

What it guarantees:

- the group is created idempotently (``XGROUP CREATE ... MKSTREAM``; only BUSYGROUP is ignored,
  and a group lost with a Redis restart is created again);
- on start it re-reads its own pending entries (id ``0``) before new ones (``>``), so a consumer
  restarted under the same name finishes what it had been given;
- an entry is acknowledged only after ``handle`` returned, i.e. after the handler committed;
- entries idle longer than ``claim_idle_ms`` in any consumer (a dead one, or retries of our own)
  are taken over with XAUTOCLAIM every ``claim_every_s``: a dead consumer's work moves within 30 s;
- a malformed entry (a bad envelope, or the handler raises MalformedEntry), or one delivered
  ``max_deliveries`` times without success, is moved to ``feed:dead`` with its reason and
  acknowledged, so it never blocks the group;
- when a batch fails, its entries are retried one by one so one bad entry does not hold the rest;
- ``on_connect`` (optional) runs on start and after every reconnect, before any entry is read:
  the persister rebuilds the live state there, since a Redis restart may have lost it;
- ``live:heartbeat:<worker>`` is refreshed while the loop runs; ``live:worker:<worker>`` holds
  counters (processed, dead, claimed, failed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis

from dashboard.contract import keys, producer, schema
from dashboard.contract.schema import Entry, MalformedEntry
from dashboard.core.timeutil import utcnow

log = logging.getLogger(__name__)
Handler = Callable[[list[Entry]], Iterable[str] | None]


@dataclass(frozen=True)
class Knobs:
    """The tunables of a consumer, all visible in one place."""

    count: int = 500  # entries per read, per stream
    block_ms: int = 1000  # how long a read waits for new entries
    claim_idle_ms: int = 15_000  # an entry idle this long in another consumer is taken over
    claim_every_s: float = 5.0  # how often to look for such entries
    max_deliveries: int = 5  # then the entry goes to feed:dead
    heartbeat_ttl_s: int = 30
    start_id: str = "0"  # where a newly created group starts ("0": everything retained)
    reconnect_s: float = 1.0  # pause after losing Redis


class Consumer:
    """Reads a consumer group over one or more streams and hands batches to a handler."""

    def __init__(self, client: redis.Redis, group: str, streams: list[str], handler: Handler, *,
                 name: str, worker: str | None = None, knobs: Knobs | None = None,
                 on_connect: Callable[[], object] | None = None) -> None:
        self.redis = tolerant(client)
        self.group = group
        self.streams = list(streams)
        self.handler = handler
        self.name = name
        self.worker = worker or name
        self.knobs = knobs or Knobs()
        self.on_connect = on_connect  # called on start and after every reconnect (e.g. rebuild state)
        self.counters = {"processed": 0, "dead": 0, "claimed": 0, "failed": 0}
        self._last_claim = 0.0
        self._last_beat = 0.0
        self._errors: dict[str, str] = {}  # entry id -> last failure, for the dead-letter reason

    def ensure_groups(self) -> None:
        """Create the group on every stream unless it exists."""
        for stream in self.streams:
            try:
                self.redis.xgroup_create(stream, self.group, id=self.knobs.start_id, mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def run(self, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set: own pending first, then new entries and reclaims."""
        stop = stop or threading.Event()
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    self.ensure_groups()
                    if self.on_connect is not None:
                        self.on_connect()
                    self.recover()
                    recovered = True
                self.step()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                log.warning("%s: Redis unavailable (%s); retrying", self.name, exc)
                recovered = False
                stop.wait(self.knobs.reconnect_s)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log.warning("%s: consumer group lost (Redis restarted empty?); recreating", self.name)
                recovered = False

    def recover(self) -> int:
        """Process this consumer's own pending entries (left by a previous run of the same name)."""
        done = 0
        for stream in self.streams:
            start = "0"
            while True:
                reply = self.redis.xreadgroup(self.group, self.name, {stream: start},
                                              count=self.knobs.count)
                entries = reply[0][1] if reply else []
                if not entries:
                    break
                start = entries[-1][0]
                done += self._process(stream, entries, check_deliveries=True)
        return done

    def step(self) -> int:
        """One round: reclaim if due, read new entries (blocking up to block_ms), handle, ack."""
        self.beat()
        done = 0
        if time.monotonic() - self._last_claim >= self.knobs.claim_every_s:
            done += self.reclaim()
        reply = self.redis.xreadgroup(self.group, self.name, {s: ">" for s in self.streams},
                                      count=self.knobs.count, block=self.knobs.block_ms)
        for stream, entries in reply or []:
            done += self._process(stream, entries)
        return done

    def reclaim(self) -> int:
        """Take over entries idle longer than claim_idle_ms (XAUTOCLAIM) and process them."""
        self._last_claim = time.monotonic()
        done = 0
        for stream in self.streams:
            start = "0-0"
            while True:
                reply = self.redis.xautoclaim(stream, self.group, self.name,
                                              min_idle_time=self.knobs.claim_idle_ms,
                                              start_id=start, count=self.knobs.count)
                start, entries = reply[0], reply[1]
                trimmed = reply[2] if len(reply) > 2 else []
                if trimmed:  # trimmed from the stream before anyone processed them
                    self.redis.xack(stream, self.group, *trimmed)
                    self._count("dead", len(trimmed))
                    log.error("%s: %d pending entries of %s were trimmed unprocessed", self.name,
                              len(trimmed), stream)
                if entries:
                    self._count("claimed", len(entries))
                    done += self._process(stream, entries, check_deliveries=True)
                if start in ("0-0", b"0-0"):
                    break
        return done

    def beat(self, force: bool = False) -> None:
        """Refresh the heartbeat key (at most once a second unless forced)."""
        now = time.monotonic()
        if force or now - self._last_beat >= 1.0:
            self._last_beat = now
            self.redis.set(keys.heartbeat(self.worker), utcnow().isoformat(),
                           ex=self.knobs.heartbeat_ttl_s)

    def _process(self, stream: str, raw: list, check_deliveries: bool = False) -> int:
        raw = [(eid, fields) for eid, fields in raw if fields is not None]
        if not raw:
            return 0
        if check_deliveries:
            raw = self._drop_exhausted(stream, raw)
        entries, bad = [], []
        for eid, fields in raw:
            try:
                entries.append(schema.decode(stream, eid, fields))
            except MalformedEntry as exc:
                bad.append((eid, fields, f"malformed: {exc}"))
        for eid, fields, reason in bad:
            self._dead(stream, eid, fields, reason)
        if not entries:
            return 0
        try:
            held = set(self.handler(entries) or ())
        except (redis.ConnectionError, redis.TimeoutError):
            raise  # Redis is gone, not the entries: the run loop reconnects and re-reads
        except Exception as exc:  # noqa: BLE001 - any failure: retry entries one by one
            if len(entries) == 1 and isinstance(exc, MalformedEntry):
                self._dead(stream, entries[0].id, _fields(entries[0]), f"malformed: {exc}")
                return 0
            if len(entries) == 1:
                self._errors[entries[0].id] = f"{type(exc).__name__}: {exc}"
                self._count("failed", 1)
                log.exception("%s: entry %s of %s failed", self.name, entries[0].id, stream)
                return 0
            log.warning("%s: batch of %d failed (%s); retrying one by one", self.name,
                        len(entries), exc)
            return sum(self._process(stream, [(e.id, _fields(e))]) for e in entries)
        done = [e.id for e in entries if e.id not in held]
        if done:
            self.redis.xack(stream, self.group, *done)
            for eid in done:
                self._errors.pop(eid, None)
        self._count("processed", len(done))
        return len(done)

    def _drop_exhausted(self, stream: str, raw: list) -> list:
        """Dead-letter entries already delivered max_deliveries times; return the rest."""
        ids = [eid for eid, _ in raw]
        pending = self.redis.xpending_range(stream, self.group, min=ids[0], max=ids[-1],
                                            count=len(ids) + 100, consumername=self.name)
        times = {p["message_id"]: p["times_delivered"] for p in pending}
        keep = []
        for eid, fields in raw:
            if times.get(eid, 0) > self.knobs.max_deliveries:
                why = self._errors.pop(eid, "no success")
                self._dead(stream, eid, fields, f"delivered {times[eid] - 1} times: {why}")
            else:
                keep.append((eid, fields))
        return keep

    def _dead(self, stream: str, eid: str, fields: dict, reason: str) -> None:
        producer.dead_letter(self.redis, stream, eid, fields, reason, self.group)
        self.redis.xack(stream, self.group, eid)
        self._count("dead", 1)
        log.warning("%s: %s %s dead-lettered: %s", self.name, stream, eid, reason)

    def _count(self, name: str, n: int) -> None:
        if n:
            self.counters[name] += n
            self.redis.hincrby(keys.worker_counters(self.worker), name, n)


def tolerant(client: redis.Redis) -> redis.Redis:
    """The same server through a client whose replies keep bytes that are not UTF-8 (as surrogate
    escapes, written back unchanged) instead of raising: one such entry, which anyone can XADD,
    would otherwise stop every read of the group for good. schema.decode dead-letters it."""
    pool = client.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items()
              if not k.startswith(("orig_", "maint_", "himport"))}
    if not kwargs.get("decode_responses") or kwargs.get("encoding_errors") == "surrogateescape":
        return client
    kwargs["encoding_errors"] = "surrogateescape"
    return redis.Redis(connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs))


def _fields(entry: Entry) -> dict:
    return {"type": entry.type, "data": schema.dumps(entry.data)}
