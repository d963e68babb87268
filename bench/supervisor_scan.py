"""How long one supervision scan takes with a large open backlog (SQLite or PostgreSQL).

    .venv/bin/python -m bench.supervisor_scan --url sqlite:////tmp/sup_bench.sqlite3 --open 30000
    .venv/bin/python -m bench.supervisor_scan --url postgresql+psycopg://postgres@127.0.0.1/sup_bench

Builds the small test world, inserts ``--open`` open incidents whose stages began over the last
``--days`` days (most of them long overdue, as a neglected backlog would be), runs the first scan
(which opens and escalates everything due), then times steady-state scans and a scan after a
day-rate trickle of new overdue incidents. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from sqlalchemy import func, insert, select

from bench.supervision_world import CHAIN, GRID, T0, build_world
from dashboard.core.db import drop_all, make_engine, session_factory, upgrade
from dashboard.core.models import Incident, SupervisionItem
from feeds.supervision_deadlines import scan

STATES = ("reported", "dispatched", "accepted", "resolved")


def _rows(n: int, days: float, now, rng: random.Random, prefix: str) -> list[dict]:
    rows = []
    for i in range(n):
        at = now - timedelta(minutes=rng.uniform(0, days * 24 * 60))
        rows.append(dict(id=f"{prefix}{i}", reported_at=at, lat=25.43, lon=119.0, grid_code=GRID,
                         **CHAIN, business_item_code="BI001", line_code="general",
                         department_code="citymgmt", source="patrol", severity=2, description="",
                         state=rng.choice(STATES), stage_started_at=at, updated_at=at,
                         reopen_count=0, bounce_count=0, overdue=False))
    return rows


def _timed(Session, now, reconcile: bool = True) -> tuple[float, int]:  # noqa: N803
    started = time.perf_counter()
    with Session.begin() as s:
        out = scan(s, now, reconcile=reconcile)
    return (time.perf_counter() - started) * 1000, len(out)


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:////tmp/sup_bench.sqlite3")
    parser.add_argument("--open", type=int, default=30_000, help="open incidents in the backlog")
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(args.url)
    drop_all(engine)
    upgrade(engine)
    Session = session_factory(engine)  # noqa: N806 - a factory
    rng = random.Random(7)
    now = T0 + timedelta(days=args.days)
    with Session.begin() as s:
        build_world(s)
        s.execute(insert(Incident), _rows(args.open, args.days, now, rng, "B"))
    print(f"backlog {args.open} open incidents on {engine.dialect.name}")
    passes, total_ms, total_events = 0, 0.0, 0
    while True:  # catching up a neglected backlog takes a few batched passes
        ms, events = _timed(Session, now)
        if not events:
            break
        passes, total_ms, total_events = passes + 1, total_ms + ms, total_events + events
    with Session() as s:
        items = s.execute(select(func.count()).select_from(SupervisionItem)).scalar()
    print(f"catch-up: {passes} passes, {total_ms:.0f} ms, {total_events} events, {items} items")
    for reconcile, label in ((False, "every 10 s"), (True, "with the once-a-minute reconcile")):
        steady = sorted(_timed(Session, now + timedelta(seconds=10 * (k + 1)), reconcile)[0]
                        for k in range(args.repeat))
        print(f"steady scan, nothing new ({label}): median {steady[len(steady) // 2]:.0f} ms")
    # A day at Putian's rate is 1,600 incidents: ~11 arrive in a 10-second scan interval at 100x.
    later = now + timedelta(minutes=5)
    with Session.begin() as s:
        s.execute(insert(Incident), _rows(20, 1 / 24 / 12, later - timedelta(minutes=31), rng, "N"))
    ms, events = _timed(Session, later, reconcile=False)
    print(f"scan with 20 newly overdue: {ms:.0f} ms, {events} events")
    engine.dispose()


if __name__ == "__main__":
    main()
