"""Run the fuzz suite (tests/fuzz) deeper than CI does and tabulate the cases tried.

    .venv/bin/python -m bench.fuzz_report --examples 200 --stream-examples 200

Runs pytest on tests/fuzz with FUZZ_EXAMPLES / FUZZ_STREAM_EXAMPLES raised and FUZZ_RANDOM=1
(fresh cases, not CI's derandomized ones), on SQLite and PostgreSQL, with the test database prefix
and Redis database taken from the environment (DASHBOARD_TEST_DB_PREFIX, DASHBOARD_TEST_REDIS_URL).
Prints pytest's outcome (failing tests named; the whole output goes to var/fuzz-report.log), the
wall time and a Markdown table: cases per endpoint and stream, both backends together.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

LOG = "var/fuzz-report.log"  # pytest's whole output of the last run, for the failures' details


def run(examples: int, stream_examples: int, extra: list[str]) -> tuple[int, float, Counter, str]:
    """Run the suite once; its exit code, wall seconds, tally and pytest's last line."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "tally.jsonl"
        env = dict(os.environ, FUZZ_EXAMPLES=str(examples), FUZZ_STREAM_EXAMPLES=str(stream_examples),
                   FUZZ_RANDOM="1", FUZZ_REPORT=str(report))
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "tests/fuzz",
                               *extra], env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        tally: Counter = Counter()
        if report.exists():
            for line in report.read_text(encoding="utf-8").splitlines():
                tally.update(json.loads(line))
    Path("var").mkdir(exist_ok=True)
    Path(LOG).write_text(done.stdout + done.stderr, encoding="utf-8")
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    failed = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
    return done.returncode, wall, tally, "\n".join(failed + lines[-1:]) if lines else done.stderr[-500:]


def table(tally: Counter) -> str:
    """The tally as a Markdown table."""
    rows = ["| what | cases |", "| --- | ---: |"]
    rows += [f"| {what} | {n:,} |" for what, n in sorted(tally.items())]
    rows.append(f"| **in all** | **{sum(tally.values()):,}** |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="per endpoint and mode (CI: 25)")
    parser.add_argument("--stream-examples", type=int, default=200, help="per stream property (CI: 40)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (e.g. -k sqlite)")
    args = parser.parse_args(argv)
    code, wall, tally, outcome = run(args.examples, args.stream_examples, args.pytest_args)
    print(f"pytest: {outcome}")
    print(f"wall time: {wall:.0f} s (FUZZ_EXAMPLES={args.examples}, "
          f"FUZZ_STREAM_EXAMPLES={args.stream_examples}, FUZZ_RANDOM=1)")
    print(table(tally))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
