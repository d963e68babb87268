"""fanout: read every feed with plain XREAD and push it to screens through Socket.IO rooms.

Incidents, supervision items and alerts are emitted at once to `unit:<code>` for every code in
the entry's `units` (one message-queue publish per entry). Positions are coalesced: the latest
position per person per room, pushed at most every FLUSH_S (4 a second) to
`positions:<code>`, and only to rooms that some web process reports a screen in (`live:rooms`),
because most of the 3,441 unit rooms are watched by nobody and the city's and districts' maps
count people instead of drawing them. While positions flow, every screen also gets a `pulse` once
a second (PULSE_S): a quiet city view is then still seen to be live. The read position is kept in
Redis, so a restart continues where it stopped; a lock lets a second fan-out wait as a standby
instead of doubling every push.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import redis

from dashboard.contract import keys, schema
from dashboard.core.config import Settings
from dashboard.core.services import redis_client
from dashboard.ops import worker
from dashboard.ops.fanout_stats import FanoutStats
from dashboard.realtime.replay import stream_state
from feeds.consumer import tolerant

log = logging.getLogger("feeds.fanout")

FLUSH_S = 0.25
READ_COUNT = 100  # per stream: 10 s of position batches at design load
# Positions are latest-value data: a backlog older than this (the fan-out was down or starved) is
# skipped by jumping to the stream's end; staff report again within 10 s.
POSITIONS_STALE_S = 30.0
HOUSEKEEPING_S = 1.0
LOCK_TTL_MS = 10_000
HEARTBEAT_TTL_S = 15
ROOMS_FRESH_S = 30  # web processes re-announce their rooms every 10 s
PULSE_S = 1.0
NAMES = schema.EVENT_NAMES
_REFRESH_LOCK = ("if redis.call('GET', KEYS[1]) == ARGV[1] then "
                 "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end")

Emit = Callable[[str, dict, list[str]], None]


def stream_ms(entry_id: str) -> int:
    """The XADD time of a stream id, in epoch milliseconds."""
    return int(entry_id.partition("-")[0])


class Fanout:
    """One fan-out loop: XREAD, route by `units`, coalesce positions, keep the cursor."""

    def __init__(self, r: redis.Redis, emit: Emit, clock: Callable[[], float] = time.time,
                 flush_s: float = FLUSH_S) -> None:
        # tolerant: an entry with bytes that are not UTF-8 is skipped as malformed, not fatal
        self.r, self.emit, self.clock, self.flush_s = tolerant(r), emit, clock, flush_s
        self.owner = uuid.uuid4().hex
        self.active = False
        self.cursor: dict[str, str] = {}
        self.pending: dict[str, dict[str, dict]] = {}
        self.pending_id: str | None = None
        self.pending_ms: list[int] = []
        self.rooms: set[str] = set()
        self.positions_seen: str | None = None  # the newest positions entry read, and pulsed
        self.positions_pulsed: str | None = None
        self.next_pulse = 0.0
        self.stats = FanoutStats()
        self.next_flush = 0.0
        self.next_housekeeping = 0.0

    def load_cursor(self) -> dict[str, str]:
        """Continue from the saved ids; a stream never read starts at its current end ($)."""
        saved = self.r.hgetall(keys.FANOUT_CURSOR)
        # Positions last: one XREAD then hands incidents and alerts over before the big batches.
        order = (*(s for s in schema.FEEDS if s != schema.POSITIONS), schema.POSITIONS)
        self.cursor = {s: saved.get(s) or stream_state(self.r, s).head for s in order}
        return self.cursor

    def acquire(self) -> bool:
        """Become the active fan-out unless another one holds the lock (after a Redis restart
        the lock may still name this process)."""
        lock = keys.FANOUT_LOCK
        if self.r.set(lock, self.owner, nx=True, px=LOCK_TTL_MS) or self.r.get(lock) == self.owner:
            self.load_cursor()  # before saying it is active: it sends everything after these ids
            self.active = True
            log.info("fan-out active from %s", self.cursor)
        return self.active

    def refresh_rooms(self, now: float) -> None:
        """The unit rooms some screen is watching."""
        self.rooms = set(self.r.zrangebyscore(keys.ROOMS, now - ROOMS_FRESH_S, "+inf"))

    def step(self, block_ms: int) -> int:
        """One XREAD (blocking up to block_ms) and the routing of what it returned."""
        response = self.r.xread(self.cursor, count=READ_COUNT, block=max(1, block_ms))
        items = response.items() if isinstance(response, dict) else (response or [])
        done = 0
        now = self.clock()
        for stream, entries in items:
            entries = entries[0] if entries and isinstance(entries[0], list) else entries
            if stream == schema.POSITIONS and entries and \
                    now - stream_ms(entries[-1][0]) / 1000 > POSITIONS_STALE_S:
                self.cursor[stream] = stream_state(self.r, stream).head
                self.stats.count("positions_skipped", len(entries))
                log.warning("positions %.0f s behind; skipped to the end of the stream",
                            now - stream_ms(entries[-1][0]) / 1000)
                continue
            for entry_id, fields in entries:
                try:
                    entry = schema.decode(stream, entry_id, fields)
                except schema.MalformedEntry:
                    self.stats.count("malformed")
                    continue
                if stream == schema.POSITIONS:
                    self._add_positions(entry)
                else:
                    self._emit_feed(entry, now)
            if entries:
                self.cursor[stream] = entries[-1][0]
                self.stats.count(f"events:{NAMES[stream]}", len(entries))
                done += len(entries)
        return done

    def _emit_feed(self, entry: schema.Entry, now: float) -> None:
        payload = {"stream": NAMES[entry.stream], "id": entry.id, "type": entry.type, "data": entry.data}
        self.emit("feed", payload, [keys.room(u) for u in entry.data["units"]])
        self.stats.count("pushes:feed")
        self.stats.observe("feed", now - stream_ms(entry.id) / 1000)

    def _add_positions(self, entry: schema.Entry) -> None:
        self.positions_seen = entry.id
        rooms, pending = self.rooms, self.pending
        routed = False
        for pos in entry.data.get("positions") or ():
            if not isinstance(pos, dict):
                continue
            # The decoded dict becomes the pushed item; screens need no routing list.
            units = pos.pop("units", None) or entry.data["units"]
            for unit in units:
                if unit in rooms:
                    pending.setdefault(unit, {})[pos.get("staff")] = pos
                    routed = True
        if routed:
            self.pending_id = entry.id
            self.pending_ms.append(stream_ms(entry.id))

    def flush_due(self, now: float) -> bool:
        """Whether positions wait and the last push was at least one window ago."""
        return bool(self.pending) and now >= self.next_flush

    def flush(self, now: float) -> int:
        """Push each room's coalesced positions; returns the number of pushes."""
        started = time.perf_counter()
        pushes = 0
        for unit, latest in self.pending.items():
            self.emit("positions", {"id": self.pending_id, "positions": list(latest.values())},
                      [keys.positions_room(unit)])
            pushes += 1
        for ms in self.pending_ms:
            self.stats.observe("positions", now - ms / 1000)
        self.stats.count("pushes:positions", pushes)
        self.stats.count("flushes")
        self.stats.count("flush_us", int((time.perf_counter() - started) * 1e6))
        self.pending, self.pending_id, self.pending_ms = {}, None, []
        self.next_flush = now + self.flush_s
        return pushes

    def pulse_due(self, now: float) -> bool:
        """Whether positions were read since the last pulse, a pulse's spacing ago."""
        return self.positions_seen != self.positions_pulsed and now >= self.next_pulse

    def pulse(self, now: float) -> None:
        """Tell every screen that positions flow (one message for all of them)."""
        self.emit("pulse", {"positions": self.positions_seen}, [keys.PULSE_ROOM])
        self.positions_pulsed = self.positions_seen
        self.stats.count("pushes:pulse")
        self.next_pulse = now + PULSE_S

    def housekeeping(self, now: float) -> None:
        """Once a second: keep the lock, save the cursor and counters, beat the heart."""
        if not self.r.eval(_REFRESH_LOCK, 1, keys.FANOUT_LOCK, self.owner, LOCK_TTL_MS):
            log.warning("fan-out lock lost; standing by")
            self.active = False
            return
        self.refresh_rooms(now)
        pipe = self.r.pipeline(transaction=False)
        pipe.hset(keys.FANOUT_CURSOR, mapping=self.cursor)
        pipe.set(keys.heartbeat("fanout"), datetime.fromtimestamp(now, UTC).isoformat(), ex=HEARTBEAT_TTL_S)
        self.stats.flush(pipe)
        pipe.execute()
        self.next_housekeeping = now + HOUSEKEEPING_S

    def run(self, stop: threading.Event) -> None:
        """Loop until stop is set; a standby retries the lock every second."""
        while not stop.is_set():
            try:
                self.turn(stop)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                # Redis restarting: wait, then continue from the saved cursor (screens drop the
                # up to one second of events that may come twice, by id).
                log.warning("Redis unavailable (%s); retrying", exc)
                self.active = False
                stop.wait(HOUSEKEEPING_S)
        self.stop()

    def turn(self, stop: threading.Event) -> None:
        """One pass of the loop: lock, housekeeping, one read, a flush when due."""
        if not self.active and not self.acquire():
            stop.wait(HOUSEKEEPING_S)
            return
        now = self.clock()
        if now >= self.next_housekeeping:
            self.housekeeping(now)
            if not self.active:
                return
        wait_s = min(self.next_housekeeping, self.next_flush if self.pending else 1e18,
                     self.next_pulse if self.positions_seen != self.positions_pulsed else 1e18) - now
        self.step(int(wait_s * 1000))
        now = self.clock()
        if self.flush_due(now):
            self.flush(now)
        if self.pulse_due(now):
            self.pulse(now)

    def stop(self) -> None:
        """Push what is pending, save the cursor and hand the lock back."""
        if not self.active:
            return
        now = self.clock()
        try:
            if self.pending:
                self.flush(now)
            self.housekeeping(now)
            self.r.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
                        "else return 0 end", 1, keys.FANOUT_LOCK, self.owner)
        except redis.RedisError as exc:
            log.warning("could not save the cursor on the way out (%s)", exc)
        self.active = False


def socketio_emitter(redis_url: str) -> Emit:
    """An emit function that publishes through the Socket.IO Redis message queue (write-only)."""
    from flask_socketio import SocketIO

    from dashboard.core.extensions import socketio_channel

    sio = SocketIO(message_queue=redis_url, channel=socketio_channel(redis_url))
    manager = sio.server.manager

    def emit(event: str, payload: dict, rooms: list[str]) -> None:
        if event != "positions":
            sio.emit(event, payload, to=rooms, namespace="/")
            return
        # python-socketio walks every value of a payload looking for bytes before it publishes:
        # more than half the fan-out's CPU at design load. Position batches are plain JSON, so
        # publish the very message PubSubManager.emit would (python-socketio is pinned), minus
        # the walk.
        manager._publish({"method": "emit", "event": event, "data": [payload], "binary": False,
                          "namespace": "/", "room": rooms, "skip_sid": None, "callback": None,
                          "host_id": manager.host_id})

    return emit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the fanout verb."""
    parser.add_argument("--flush-ms", type=int, default=int(FLUSH_S * 1000),
                        help="coalescing window for positions per room (default 250 = 4 pushes/s)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the fan-out until SIGINT or SIGTERM."""
    if args.flush_ms < 50:
        print("--flush-ms: must be at least 50", file=sys.stderr, flush=True)
        return 2
    stop = worker.start("fanout", settings)
    fanout = Fanout(redis_client(settings.redis_url), socketio_emitter(settings.redis_url),
                    flush_s=args.flush_ms / 1000)
    print(f"fanout: {settings.redis_url.rsplit('@', 1)[-1]} -> Socket.IO rooms", flush=True)
    fanout.run(stop)
    return 0
