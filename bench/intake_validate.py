"""The intake API's validation of a position batch (dashboard/contract/payloads.py), alone: the
CPU the pydantic models cost `serve` per position, apart from HTTP, Redis and the catalogue.

    python -m bench.intake_validate [--batch 5000] [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from dashboard.contract.payloads import PositionBatch
from dashboard.core.timeutil import utcnow


def batch(n: int) -> dict:
    """A batch of n valid positions, as a phone gateway sends them."""
    now = utcnow()
    return {"positions": [{"staff": f"S{i:05d}", "ts": (now - timedelta(seconds=i % 60)).isoformat(),
                           "lat": 25.4 + i * 1e-6, "lon": 119.0 + i * 1e-6, "accuracy": 8.0,
                           "grid": None} for i in range(n)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_validate", description=__doc__)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    body, times = batch(args.batch), []
    for _ in range(args.runs + 2):
        start = time.perf_counter()
        PositionBatch.model_validate(body, context={"now": utcnow()})
        times.append(time.perf_counter() - start)
    times = times[2:]  # the first runs build pydantic's caches
    ms = statistics.median(times) * 1000
    print(f"{args.batch} positions: median {ms:.1f} ms per batch over {args.runs} runs, "
          f"{ms * 1000 / args.batch:.2f} µs per position")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
