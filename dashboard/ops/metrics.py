"""The /metrics families: stream and consumer-group state, fan-out counters and push latency, worker
counters and heartbeats, open incidents. Every figure lives in Redis (or the database), shared by
the processes that wrote it, so one prometheus_client collector reads them at scrape time and
prometheus_client writes the exposition."""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import select

from dashboard.contract import keys, schema
from dashboard.core.models import Unit
from dashboard.core.services import Services
from dashboard.core.timeutil import utcnow
from dashboard.core.units import LEVELS
from dashboard.ops.fanout_stats import EVENTS, read_counts, read_latency
from dashboard.ops.health import check_database, check_redis, heartbeat_ages

GAUGE, COUNTER = GaugeMetricFamily, CounterMetricFamily


def _family(kind, name: str, help_text: str, labels: tuple[str, ...], samples) -> Metric:
    """One family of a kind with its samples: (label values, value) pairs."""
    family = kind(name, help_text, labels=list(labels))
    for values, value in samples:
        family.add_metric(list(values), value)
    return family


def _streams(r: redis.Redis) -> Iterator[Metric]:
    names = (*schema.FEEDS, schema.DEAD)
    pipe = r.pipeline(transaction=False)
    for stream in names:
        pipe.xlen(stream)
    lengths = pipe.execute()
    yield _family(GAUGE, "dashboard_stream_length", "Entries retained in each Redis stream.",
                  ("stream",), [((s,), n) for s, n in zip(names, lengths, strict=True)])
    try:
        dead_total = r.xinfo_stream(schema.DEAD).get("entries-added", lengths[-1])
    except redis.ResponseError:
        dead_total = 0  # the stream does not exist yet
    yield _family(COUNTER, "dashboard_dead_letters", "Entries ever moved to the dead-letter stream.",
                  (), [((), dead_total)])
    groups = []
    for stream in schema.FEEDS:
        try:
            groups += [((stream, g["name"]), g) for g in r.xinfo_groups(stream)]
        except redis.ResponseError:
            continue  # the stream does not exist yet
    labels = ("stream", "group")
    yield _family(GAUGE, "dashboard_group_lag", "Entries in the stream not yet delivered to the group.",
                  labels, [(lab, g.get("lag") or 0) for lab, g in groups])
    yield _family(GAUGE, "dashboard_group_pending",
                  "Entries delivered to the group but not acknowledged.",
                  labels, [(lab, g.get("pending") or 0) for lab, g in groups])
    yield _family(GAUGE, "dashboard_group_consumers", "Consumers in the group.",
                  labels, [(lab, g.get("consumers") or 0) for lab, g in groups])
    yield _family(COUNTER, "dashboard_events_processed",
                  "Entries the group has read and acknowledged (entries-read minus pending).", labels,
                  [(lab, max((g.get("entries-read") or 0) - (g.get("pending") or 0), 0))
                   for lab, g in groups])


def _fanout(r: redis.Redis) -> Iterator[Metric]:
    counts = read_counts(r)
    for name, prefix, label, help_text in (
            ("dashboard_fanout_events", "events:", "stream", "Stream entries the fan-out has routed."),
            ("dashboard_fanout_pushes", "pushes:", "event", "Socket.IO emits by the fan-out.")):
        yield _family(COUNTER, name, help_text, (label,),
                      [((k[len(prefix):],), v) for k, v in sorted(counts.items()) if k.startswith(prefix)])
    for name, key, help_text in (
            ("dashboard_fanout_malformed", "malformed", "Unreadable entries the fan-out skipped."),
            ("dashboard_fanout_positions_skipped", "positions_skipped",
             "Position batches skipped because they were too old to show."),
            ("dashboard_fanout_flushes", "flushes", "Coalesced position flushes (all rooms).")):
        yield _family(COUNTER, name, help_text, (), [((), counts.get(key, 0))])
    flush_s = counts.get("flush_us", 0) / 1e6
    yield _family(COUNTER, "dashboard_fanout_flush_seconds",
                  "Time the fan-out spent emitting position flushes.", (), [((), flush_s)])
    latency = HistogramMetricFamily("dashboard_push_latency_seconds",
                                    "Stream entry time (its id) to the fan-out's Socket.IO emit.",
                                    labels=["event"])
    for event in EVENTS:
        buckets, total, _count = read_latency(r, event)
        latency.add_metric([event], [(_bound(b), n) for b, n in buckets], total)
    yield latency


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(float(value))


def _workers(r: redis.Redis) -> Iterator[Metric]:
    samples = []
    for key in sorted(r.scan_iter(match=keys.WORKER_PREFIX + "*", count=1000)):
        for counter, value in sorted(r.hgetall(key).items()):
            if value.lstrip("-").isdigit():
                samples.append(((key[len(keys.WORKER_PREFIX):], counter), int(value)))
    yield _family(COUNTER, "dashboard_worker_events",
                  "Counters each stream consumer keeps (processed, dead, claimed, failed).",
                  ("worker", "counter"), samples)
    ages = heartbeat_ages(r, utcnow())
    yield _family(GAUGE, "dashboard_worker_heartbeat_age_seconds",
                  "Seconds since each worker last wrote its heartbeat.", ("worker",),
                  [((w,), a) for w, a in ages.items() if a is not None])


def _open_incidents(r: redis.Redis, services: Services) -> Iterator[Metric]:
    with services.Session() as s:
        units = s.scalars(select(Unit.code).where(Unit.level.in_(LEVELS[:2])).order_by(Unit.sort_key)).all()
    pipe = r.pipeline(transaction=False)
    for unit in units:
        pipe.hgetall(keys.OPEN_COUNTS.format(unit))
    yield _family(GAUGE, "dashboard_open_incidents",
                  "Open incidents under the city and each district, by state (the persister's live state).",
                  ("unit", "state"), [((unit, state), int(n))
                                      for unit, counts in zip(units, pipe.execute(), strict=True)
                                      for state, n in sorted(counts.items())])


class PipelineCollector(Collector):
    """Reads every family from Redis and the database when /metrics is scraped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        r = self.services.redis
        redis_ok = check_redis(r)["ok"]
        yield _family(GAUGE, "dashboard_up", "Whether a dependency answers (1) or not (0).", ("check",),
                      [(("redis",), int(redis_ok)),
                       (("database",), int(check_database(self.services.engine)["ok"]))])
        if redis_ok:
            yield from _streams(r)
            yield from _fanout(r)
            yield from _workers(r)
            yield from _open_incidents(r, self.services)


def registry(services: Services) -> CollectorRegistry:
    """A registry holding only the pipeline's collector (no per-process default metrics: every web
    process answers the same figures)."""
    found = CollectorRegistry(auto_describe=False)
    found.register(PipelineCollector(services))
    return found
