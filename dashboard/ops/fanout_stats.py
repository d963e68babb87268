"""Fan-out counters and push-latency histograms, kept in Redis so /metrics in any web process
can read what the fan-out process measured.

Latency is stream-id time (when XADD accepted the entry) to the moment the fan-out handed the
push to the Socket.IO message queue.
"""

from __future__ import annotations

from collections import Counter

import redis

from dashboard.contract import keys

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
EVENTS = ("feed", "positions")


class FanoutStats:
    """Counts and latency observations gathered in memory, added to Redis once a second."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.buckets: dict[str, list[int]] = {e: [0] * (len(BUCKETS) + 1) for e in EVENTS}
        self.sums: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()

    def count(self, name: str, n: int = 1) -> None:
        """Add to a counter."""
        self.counts[name] += n

    def observe(self, event: str, seconds: float) -> None:
        """Record one push latency for an event kind."""
        seconds = max(seconds, 0.0)
        index = next((i for i, bound in enumerate(BUCKETS) if seconds <= bound), len(BUCKETS))
        self.buckets[event][index] += 1
        self.sums[event] += seconds
        self.totals[event] += 1

    def flush(self, pipe: redis.client.Pipeline) -> None:
        """Queue the increments on a pipeline and start over."""
        for name, n in self.counts.items():
            pipe.hincrby(keys.FANOUT_COUNTS, name, n)
        for event in EVENTS:
            if not self.totals[event]:
                continue
            key = keys.PUSH_LATENCY.format(event)
            for i, n in enumerate(self.buckets[event]):
                if n:
                    pipe.hincrby(key, f"b{i}", n)
            pipe.hincrby(key, "count", self.totals[event])
            pipe.hincrbyfloat(key, "sum", self.sums[event])
        self.__init__()


def read_latency(r: redis.Redis, event: str) -> tuple[list[tuple[float, int]], float, int]:
    """Cumulative (upper bound, count) pairs ending with +Inf, the sum and the count."""
    raw = r.hgetall(keys.PUSH_LATENCY.format(event))
    cumulative, running = [], 0
    for i, bound in enumerate((*BUCKETS, float("inf"))):
        running += int(raw.get(f"b{i}", 0))
        cumulative.append((bound, running))
    return cumulative, float(raw.get("sum", 0.0)), int(raw.get("count", 0))


def read_counts(r: redis.Redis) -> dict[str, int]:
    """The fan-out's counters."""
    return {k: int(v) for k, v in r.hgetall(keys.FANOUT_COUNTS).items()}
