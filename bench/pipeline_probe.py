"""What the pipeline benchmark measures: rows persisted, consumer lag, and push latency.

Latency is measured the way a screen would feel it: a python-socketio client subscribed to the
city room records, for every pushed event, now minus the time encoded in its stream id (Redis
stamps ids with its own clock, on this same machine).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import redis
from sqlalchemy import Engine, func, select, text

from dashboard.contract import schema
from dashboard.core.models import Incident, IncidentEvent, Position


@dataclass
class Sample:
    """One reading of the pipeline's counters."""

    t: float  # seconds since the stage began
    positions: int  # rows persisted (a counter: only differences between samples mean anything)
    incidents: int
    events: int
    lag: dict[str, int]  # stream -> entries not yet delivered to the persist group
    pending: dict[str, int]  # stream -> delivered but not acknowledged


def count_rows(engine: Engine, since: datetime) -> tuple[int, int, int]:
    """Positions, incidents and incident steps stored: only differences between two calls count.

    On PostgreSQL these are the server's own insert counters (`pg_stat_user_tables.n_tup_ins`,
    free to read; a busy backend reports them about once a second) instead of a count over a
    table growing by millions of rows, which would take CPU from what is measured. Elsewhere
    they are rows stamped at or after `since`.
    """
    with engine.connect() as conn:
        if engine.url.get_backend_name() == "postgresql":
            got = dict(conn.execute(text(
                "SELECT relname, n_tup_ins FROM pg_stat_user_tables "
                "WHERE relname IN ('positions', 'incidents', 'incident_events')")).all())
            return (int(got.get("positions", 0)), int(got.get("incidents", 0)),
                    int(got.get("incident_events", 0)))
        return (conn.scalar(select(func.count()).select_from(Position).where(Position.ts >= since)) or 0,
                conn.scalar(select(func.count()).select_from(Incident)
                            .where(Incident.reported_at >= since)) or 0,
                conn.scalar(select(func.count()).select_from(IncidentEvent)
                            .where(IncidentEvent.at >= since)) or 0)


def group_backlog(r: redis.Redis, group: str = schema.GROUP_PERSIST) -> tuple[dict, dict]:
    """Per stream: the group's lag (undelivered entries) and pending (unacknowledged) counts."""
    lag, pending = {}, {}
    for stream in (schema.POSITIONS, schema.INCIDENTS):
        try:
            groups = r.xinfo_groups(stream)
        except redis.ResponseError:  # no stream yet
            continue
        for g in groups:
            if g["name"] == group:
                # lag is None when Redis cannot tell (after deletions); count it as unknown (-1).
                lag[stream] = -1 if g.get("lag") is None else int(g["lag"])
                pending[stream] = int(g["pending"])
    return lag, pending


class Sampler:
    """Reads rows and lag every `every` seconds in a thread."""

    def __init__(self, engine: Engine, r: redis.Redis, since: datetime, every: float = 2.0) -> None:
        self.engine, self.r, self.since, self.every = engine, r, since, every
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> Sampler:
        """Start sampling now."""
        self._began = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        """Stop and return the samples."""
        self._stop.set()
        self._thread.join(30)
        return self.samples

    def take(self) -> Sample:
        """One sample now."""
        t = time.monotonic() - self._began
        positions, incidents, events = count_rows(self.engine, self.since)
        lag, pending = group_backlog(self.r)
        sample = Sample(t, positions, incidents, events, lag, pending)
        self.samples.append(sample)
        return sample

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.take()
            self._stop.wait(self.every)


@dataclass
class Latencies:
    """Push latencies in milliseconds, by kind of event, from one socket client."""

    positions: list[float] = field(default_factory=list)
    feed: list[float] = field(default_factory=list)
    recording: bool = False

    def clear(self) -> None:
        """Forget what was recorded (between stages)."""
        self.positions.clear()
        self.feed.clear()


def stream_ms(stream_id: str) -> int:
    """The Redis server time (ms since the epoch) encoded in a stream id."""
    return int(str(stream_id).split("-", 1)[0])


def connect_screen(url: str, token: str, unit: str, latencies: Latencies):
    """A Socket.IO client subscribed to one unit's room, recording latency of every push."""
    import socketio

    client = socketio.Client(reconnection=True, logger=False, engineio_logger=False)

    def on_connect() -> None:
        client.emit("subscribe", {"unit": unit, "last": {"incidents": None, "supervision": None,
                                                        "alerts": None}})

    def on_positions(data: dict) -> None:
        if latencies.recording and isinstance(data, dict) and data.get("id"):
            latencies.positions.append(time.time() * 1000 - stream_ms(data["id"]))

    def on_feed(data: dict) -> None:
        if latencies.recording and isinstance(data, dict) and data.get("id"):
            latencies.feed.append(time.time() * 1000 - stream_ms(data["id"]))

    client.on("connect", on_connect)
    client.on("positions", on_positions)
    client.on("feed", on_feed)
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
    return client


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by nearest rank, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]
