"""The /metrics body: stream and consumer-group state, fan-out counters and push latency, in the
Prometheus text exposition format (written by hand: every figure lives in Redis, shared by the
processes, so a per-process client registry would have nothing to hold)."""

from __future__ import annotations

import math

import redis
from sqlalchemy import select

from dashboard.contract import keys, schema
from dashboard.core.models import Unit
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow
from dashboard.core.units import LEVELS
from dashboard.ops.fanout_stats import EVENTS, read_counts, read_latency
from dashboard.ops.health import check_database, check_redis, heartbeat_ages


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)


class Exposition:
    """Collects metric families and writes them as text."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str,
               samples: list[tuple[dict[str, str], float]], suffix: str = "") -> None:
        """One metric family: HELP, TYPE and its samples."""
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.sample(name + suffix, labels, value)

    def sample(self, name: str, labels: dict[str, str], value: float) -> None:
        """One sample line."""
        inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")

    def text(self) -> str:
        """The exposition, newline-terminated."""
        return "\n".join(self.lines) + "\n"


def _groups(r: redis.Redis) -> list[tuple[str, dict]]:
    found = []
    for stream in schema.FEEDS:
        try:
            found.extend((stream, group) for group in r.xinfo_groups(stream))
        except redis.ResponseError:
            continue  # the stream does not exist yet
    return found


def _streams(out: Exposition, r: redis.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    for stream in (*schema.FEEDS, schema.DEAD):
        pipe.xlen(stream)
    lengths = pipe.execute()
    out.family("dashboard_stream_length", "gauge", "Entries retained in each Redis stream.",
               [({"stream": s}, n) for s, n in zip((*schema.FEEDS, schema.DEAD), lengths, strict=True)])
    try:
        dead_total = r.xinfo_stream(schema.DEAD).get("entries-added", lengths[-1])
    except redis.ResponseError:
        dead_total = 0
    out.family("dashboard_dead_letters_total", "counter",
               "Entries ever moved to the dead-letter stream.", [({}, dead_total)])
    groups = _groups(r)
    rows = [({"stream": s, "group": g["name"]}, g) for s, g in groups]
    out.family("dashboard_group_lag", "gauge", "Entries in the stream not yet delivered to the group.",
               [(lab, g.get("lag") or 0) for lab, g in rows])
    out.family("dashboard_group_pending", "gauge", "Entries delivered to the group but not acknowledged.",
               [(lab, g.get("pending") or 0) for lab, g in rows])
    out.family("dashboard_group_consumers", "gauge", "Consumers in the group.",
               [(lab, g.get("consumers") or 0) for lab, g in rows])
    out.family("dashboard_events_processed_total", "counter",
               "Entries the group has read and acknowledged (entries-read minus pending).",
               [(lab, max((g.get("entries-read") or 0) - (g.get("pending") or 0), 0)) for lab, g in rows])


def _fanout(out: Exposition, r: redis.Redis) -> None:
    counts = read_counts(r)
    out.family("dashboard_fanout_events_total", "counter", "Stream entries the fan-out has routed.",
               [({"stream": k.split(":", 1)[1]}, v) for k, v in sorted(counts.items())
                if k.startswith("events:")])
    out.family("dashboard_fanout_pushes_total", "counter", "Socket.IO emits by the fan-out.",
               [({"event": k.split(":", 1)[1]}, v) for k, v in sorted(counts.items())
                if k.startswith("pushes:")])
    out.family("dashboard_fanout_malformed_total", "counter", "Unreadable entries the fan-out skipped.",
               [({}, counts.get("malformed", 0))])
    out.family("dashboard_fanout_positions_skipped_total", "counter",
               "Position batches skipped because they were too old to show.",
               [({}, counts.get("positions_skipped", 0))])
    out.family("dashboard_fanout_flushes_total", "counter", "Coalesced position flushes (all rooms).",
               [({}, counts.get("flushes", 0))])
    out.family("dashboard_fanout_flush_seconds_total", "counter",
               "Time the fan-out spent emitting position flushes.", [({}, counts.get("flush_us", 0) / 1e6)])
    name = "dashboard_push_latency_seconds"
    out.lines.append(f"# HELP {name} Stream entry time (its id) to the fan-out's Socket.IO emit.")
    out.lines.append(f"# TYPE {name} histogram")
    for event in EVENTS:
        buckets, total, count = read_latency(r, event)
        for bound, n in buckets:
            out.sample(name + "_bucket", {"event": event, "le": _number(bound)}, n)
        out.sample(name + "_sum", {"event": event}, total)
        out.sample(name + "_count", {"event": event}, count)


def _workers(out: Exposition, r: redis.Redis) -> None:
    samples = []
    for key in sorted(r.scan_iter(match=keys.WORKER_PREFIX + "*", count=1000)):
        for counter, value in sorted(r.hgetall(key).items()):
            try:
                samples.append(({"worker": key[len(keys.WORKER_PREFIX):], "counter": counter}, int(value)))
            except ValueError:
                continue
    out.family("dashboard_worker_events_total", "counter",
               "Counters each stream consumer keeps (processed, dead, claimed, failed).", samples)


def _open_incidents(out: Exposition, r: redis.Redis, services: Services) -> None:
    with services.Session() as s:
        units = s.scalars(select(Unit.code).where(Unit.level.in_(LEVELS[:2])).order_by(Unit.sort_key)).all()
    pipe = r.pipeline(transaction=False)
    for unit in units:
        pipe.hgetall(keys.OPEN_COUNTS.format(unit))
    samples = [({"unit": unit, "state": state}, int(n))
               for unit, counts in zip(units, pipe.execute(), strict=True)
               for state, n in sorted(counts.items())]
    out.family("dashboard_open_incidents", "gauge",
               "Open incidents under the city and each district, by state (the persister's live state).",
               samples)


def render(services: Services) -> str:
    """Every metric, as Prometheus text."""
    out = Exposition()
    r = services.redis
    redis_ok = check_redis(r)["ok"]
    out.family("dashboard_up", "gauge", "Whether a dependency answers (1) or not (0).",
               [({"check": "redis"}, int(redis_ok)),
                ({"check": "database"}, int(check_database(services.engine)["ok"]))])
    if redis_ok:
        _streams(out, r)
        _fanout(out, r)
        _workers(out, r)
        _open_incidents(out, r, services)
        ages = heartbeat_ages(r, utcnow())
        out.family("dashboard_worker_heartbeat_age_seconds", "gauge",
                   "Seconds since each worker last wrote its heartbeat.",
                   [({"worker": w}, a) for w, a in ages.items() if a is not None])
    return out.text()
