"""Ingest throughput: positions and incident steps persisted per second, SQLite and PostgreSQL.

    .venv/bin/python -m bench.ingest --write

For each database: an empty schema with a small world (bench/intake_world.py), the
feeds pre-filled through the same producer the API uses, then one persist-group consumer (the
code `ingest` runs, with its SQLite BEGIN IMMEDIATE engine) drains them; the figure is entries'
rows committed per second of wall time, live state included. ``--write`` puts the table into the
"Ingest" section of docs/benchmarks.md (creating the file with a line about the machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import redis

from bench.intake_world import G1, G1_POINT, build_world, produce_dispatch, produce_report
from bench.topology_setup import create_database
from dashboard.contract import producer, schema
from dashboard.core.db import drop_all, session_factory, upgrade
from dashboard.demo.places import CITY_CODE
from feeds.consumer import Consumer, Knobs
from feeds.persister import Persister, writer_engine

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
STAFF = 5722


def fill_positions(client: redis.Redis, batches: int, size: int) -> int:
    """Batches of positions as the API appends them, spread over the city's 5,722 people."""
    start = datetime.now(UTC) - timedelta(minutes=30)
    n = 0
    for b in range(batches):
        rows = []
        for i in range(size):
            k = b * size + i
            ts = start + timedelta(milliseconds=k * 3)
            rows.append({"staff": f"S{k % STAFF:04d}", "ts": ts.isoformat(timespec="milliseconds"),
                         "lat": G1_POINT[0], "lon": G1_POINT[1], "grid": G1, "role": "patrol",
                         "units": [CITY_CODE, "licheng", "licheng-zhenhai",
                                   "licheng-zhenhai-changshou", G1]})
        producer.add(client, schema.POSITIONS, schema.T_POSITIONS, {"positions": rows, "units": [CITY_CODE]})
        n += size
    return n


def drain(client: redis.Redis, Session, count: int) -> float:  # noqa: N803
    """Seconds one consumer takes to persist everything in the feeds."""
    consumer = Consumer(client, schema.GROUP_PERSIST, [schema.INCIDENTS, schema.POSITIONS],
                        Persister(Session, client), name="bench", knobs=Knobs(count=count, block_ms=10))
    consumer.ensure_groups()
    began = time.perf_counter()
    while consumer.step():
        pass
    return time.perf_counter() - began


def measure(url: str, client: redis.Redis, args) -> dict:
    """Positions/s and incident entries/s for one database URL."""
    engine = writer_engine(url)
    drop_all(engine)
    upgrade(engine)
    Session = session_factory(engine)  # noqa: N806
    build_world(Session)
    client.flushdb()
    n_pos = fill_positions(client, args.position_batches, args.batch)
    pos_s = drain(client, Session, count=20)
    client.flushdb()
    ids = [str(uuid.uuid4()) for _ in range(args.incidents)]
    for iid in ids:
        produce_report(client, iid)
    for iid in ids:
        produce_dispatch(client, iid)
    inc_s = drain(client, Session, count=500)
    engine.dispose()
    return {"db": engine.dialect.name, "positions": n_pos, "pos_rate": n_pos / pos_s,
            "entries": 2 * len(ids), "inc_rate": 2 * len(ids) / inc_s}


def table(results: list[dict], command: str) -> str:
    """The Markdown of the Ingest section."""
    lines = ["## Ingest", "", f"Command: `{command}` ({datetime.now(UTC):%Y-%m-%d}).", "",
             "One persist-group consumer draining pre-filled feeds (positions in API batches; "
             "incident entries = one report plus one dispatch step per incident), live state "
             "included. Design load is 11,400 positions/s (20x Putian) and about 93 incident "
             "entries/s (100x Putian's rate with 10x bursts). The machine is shared with other work "
             "while measuring: repeated runs vary by about a third.", "",
             "| database | positions | positions/s | incident entries | incident entries/s |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['db']} | {r['positions']:,} | {r['pos_rate']:,.0f} | {r['entries']:,} | "
                     f"{r['inc_rate']:,.0f} |")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace the Ingest section of docs/benchmarks.md (create the file if missing)."""
    if not DOC.exists():
        cpu = platform.processor() or platform.machine()
        DOC.write_text(f"# Benchmarks\n\nMachine: {psutil.cpu_count()} cores ({cpu}), "
                       f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python "
                       f"{platform.python_version()}, {platform.system()}.\n\n")
    doc = DOC.read_text()
    start = doc.find("## Ingest")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + 1)
        doc = doc[:start] + text + (doc[end + 1:] if end >= 0 else "")
    DOC.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/intake_bench")
    parser.add_argument("--position-batches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500, help="positions per API batch")
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--write", action="store_true", help="write the Ingest section")
    args = parser.parse_args(argv)
    client = redis.Redis.from_url(args.redis_url, decode_responses=True)
    pg = create_database(args.postgres_url)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(f"sqlite:///{tmp}/bench.sqlite3", client, args), measure(pg, client, args)]
    client.flushdb()
    text = table(results, "python -m bench.ingest " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
