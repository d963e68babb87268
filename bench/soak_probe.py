"""What the soak samples every few seconds: memory and CPU of each process, Redis memory and
streams, the consumer groups' and the fan-out's lag, rows persisted and push latency.

Each sample is one flat dict (a CSV row). Rows persisted come from bench.pipeline_probe.count_rows
(PostgreSQL's own insert counters, which cost nothing to read).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path

import psutil
import redis
from sqlalchemy import Engine

from bench.pipeline_probe import Latencies, count_rows, group_backlog, percentile, stream_ms
from dashboard.contract import schema
from dashboard.contract.keys import FANOUT_CURSOR

MB = 1024 * 1024
STREAM_NAMES = {schema.POSITIONS: "positions", schema.INCIDENTS: "incidents",
                schema.SUPERVISION: "supervision", schema.ALERTS: "alerts"}
_SENT = re.compile(r"positions (\d+)/s sent")


class ProcessMeter:
    """RSS and CPU share of named processes, each counted with all its children unless it is in
    `own_only` (Redis: its AOF-rewrite child is a fork sharing the parent's pages, which RSS would
    count twice)."""

    def __init__(self, pids: dict[str, int], own_only: frozenset[str] | set[str] = frozenset()) -> None:
        self.pids, self.own_only = dict(pids), set(own_only)
        self._cpu: dict[str, tuple[float, float]] = {}

    def _tree(self, name: str, pid: int) -> list[psutil.Process]:
        try:
            p = psutil.Process(pid)
            return [p] if name in self.own_only else [p, *p.children(recursive=True)]
        except psutil.Error:
            return []

    def read(self) -> dict[str, float]:
        """`rss_mb_<name>` and `cpu_<name>` (% of one core since the last read) for each process."""
        out: dict[str, float] = {}
        now = time.monotonic()
        for name, pid in self.pids.items():
            rss, cpu = 0, 0.0
            for p in self._tree(name, pid):
                try:
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    cpu += t.user + t.system
                except psutil.Error:
                    continue
            out[f"rss_mb_{name}"] = round(rss / MB, 1)
            before = self._cpu.get(name)
            out[f"cpu_{name}"] = (round(100 * (cpu - before[1]) / max(now - before[0], 1e-9), 1)
                                  if before else 0.0)
            self._cpu[name] = (now, cpu)
        return out


def redis_figures(r: redis.Redis) -> dict[str, float]:
    """Redis memory, stream lengths, group lag + pending, and the fan-out's cursor lag in seconds."""
    info = r.info("memory")
    out: dict[str, float] = {"redis_used_mb": round(info["used_memory"] / MB, 1),
                             "redis_rss_mb": round(info["used_memory_rss"] / MB, 1)}
    for stream, name in STREAM_NAMES.items():
        out[f"xlen_{name}"] = r.xlen(stream)
    lag, pending = group_backlog(r)
    for stream in (schema.POSITIONS, schema.INCIDENTS):
        name = STREAM_NAMES[stream]
        out[f"ingest_lag_{name}"] = lag.get(stream, 0)
        out[f"ingest_pending_{name}"] = pending.get(stream, 0)
    slag, spending = group_backlog(r, schema.GROUP_SUPERVISE)
    out["supervise_backlog"] = slag.get(schema.INCIDENTS, 0) + spending.get(schema.INCIDENTS, 0)
    cursor = r.hgetall(FANOUT_CURSOR)
    for stream in (schema.POSITIONS, schema.INCIDENTS):
        out[f"fanout_lag_s_{STREAM_NAMES[stream]}"] = fanout_lag_s(r, stream, cursor.get(stream))
    return out


def fanout_lag_s(r: redis.Redis, stream: str, cursor: str | None) -> float:
    """Age in seconds of the oldest entry the fan-out has not read yet (0: nothing unread).

    The fan-out saves its cursor once a second, so up to a second of lag is its resolution.
    """
    if not cursor:
        return 0.0
    unread = r.xrange(stream, min=f"({cursor}", count=1)
    if not unread:
        return 0.0
    seconds, micros = r.time()
    return round(max(0, seconds * 1000 + micros // 1000 - stream_ms(unread[0][0])) / 1000, 1)


def rows_inserted(engine: Engine, since: datetime) -> tuple[int, int]:
    """Positions and incidents inserted so far (counters: only differences mean anything)."""
    positions, incidents, _ = count_rows(engine, since)
    return positions, incidents


def last_sent_rate(log: Path) -> float:
    """The simulator's latest `positions N/s sent` status figure (0 before its first status)."""
    try:
        tail = log.read_bytes()[-4000:].decode(errors="replace")
    except OSError:
        return 0.0
    found = _SENT.findall(tail)
    return float(found[-1]) if found else 0.0


class SoakSampler:
    """Takes one row of every figure; rates are per second since the previous row."""

    def __init__(self, meter: ProcessMeter, r: redis.Redis, engine: Engine, since: datetime,
                 latencies: Latencies, sim_log: Path) -> None:
        self.meter, self.r, self.engine, self.since = meter, r, engine, since
        self.latencies, self.sim_log = latencies, sim_log
        self.began = time.monotonic()
        self._last: tuple[float, int, int] | None = None
        self.meter.read()  # the first CPU reading is a baseline

    def take(self) -> dict[str, float]:
        """One row: t_s first, then every figure."""
        now = time.monotonic()
        positions, incidents = rows_inserted(self.engine, self.since)
        row: dict[str, float] = {"t_s": round(now - self.began, 1), "load1": os.getloadavg()[0]}
        row.update(self.meter.read())
        row.update(redis_figures(self.r))
        if self._last is None:
            row["positions_per_s"] = row["incidents_per_s"] = 0.0
        else:
            dt = max(now - self._last[0], 1e-9)
            row["positions_per_s"] = round((positions - self._last[1]) / dt, 1)
            row["incidents_per_s"] = round((incidents - self._last[2]) / dt, 3)
        self._last = (now, positions, incidents)
        row["positions_sent_per_s"] = last_sent_rate(self.sim_log)
        pushed = self.latencies.positions[:]
        self.latencies.positions.clear()
        row["push_p50_ms"] = round(percentile(pushed, 50) or 0.0, 0)
        row["push_p99_ms"] = round(percentile(pushed, 99) or 0.0, 0)
        return row
