"""Cost of the audit entries the persister appends (feeds/persist_audit.py): 3 batches of 500
incident reports per backend, with and without them, twice. `python -m bench.audit_persist`
(a scratch SQLite file in var/, a PostgreSQL database created if missing; the Redis database given
is flushed afterwards)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid

import redis

import feeds.persister as persister_mod
from bench.intake_world import build_world, report_data
from bench.topology_setup import create_database
from dashboard.contract import schema
from dashboard.core.db import drop_all, make_engine, session_factory, upgrade
from feeds.persister import Persister

BATCHES, SIZE = 3, 500


def _batches() -> list[list[schema.Entry]]:
    base = int(time.time() * 1000)
    return [[schema.Entry(schema.INCIDENTS, f"{base + b}-{i}", schema.T_REPORTED,
                          report_data(str(uuid.uuid4()))) for i in range(SIZE)] for b in range(BATCHES)]


def run(name: str, url: str, client: redis.Redis) -> None:
    """Print reports/s with and without the audit entries on one backend."""
    engine = make_engine(url)
    drop_all(engine)
    upgrade(engine)
    Session = session_factory(engine, b"k" * 32)  # noqa: N806
    build_world(Session)
    persister, real = Persister(Session, client), persister_mod.audit_records
    try:
        for label, records in (("with audit", real), ("without", lambda *a: [])) * 2:
            persister_mod.audit_records = records
            batches = _batches()
            started = time.perf_counter()
            for batch in batches:
                persister(batch)
            took = time.perf_counter() - started
            print(f"{name:10s} {label:11s} {BATCHES * SIZE / took:7.0f} reports/s ({took:.2f} s)")
    finally:
        persister_mod.audit_records = real
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Both backends."""
    parser = argparse.ArgumentParser(prog="python -m bench.audit_persist",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"),
                        help="a scratch Redis database (flushed afterwards)")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/audit_bench")
    args = parser.parse_args(argv)
    client = redis.Redis.from_url(args.redis_url, decode_responses=True)
    try:
        run("sqlite", "sqlite:///var/bench-audit.sqlite3", client)
        run("postgresql", create_database(args.postgres_url), client)
    finally:
        client.flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
