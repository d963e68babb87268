"""Time the read-side queries on a seeded database and print a Markdown table.

    .venv/bin/python -m bench.queries --database-url sqlite:///var/dashboard.sqlite3 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/dashboard

Each query runs once to warm caches, then --repeat times; the table shows the median and best wall
time and the median CPU time of this process in milliseconds (on a shared machine the CPU time of
SQLite's work is steadier than the wall time). The database must already hold the seeded world.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select

from dashboard.core.db import make_engine, session_factory
from dashboard.core.models import Incident
from dashboard.core.timeutil import Period
from dashboard.demo.places import CITY_CODE
from dashboard.queries import incidents as queries_incidents
from dashboard.queries import stats as queries_stats
from dashboard.queries import units as queries


def cases(period: Period) -> list[tuple[str, Callable]]:
    """The (label, fn(session)) pairs to time."""

    month = Period(period.start, min(period.end, period.start + timedelta(days=30)))

    def unit(session, code):
        return queries.unit(session, code)

    def breakdown(session, code):
        u = unit(session, code)
        return (queries_stats.by_line(session, u, period),
                queries_stats.by_item(session, u, period, None, limit=40))

    return [
        ("figures(city)", lambda s: queries.figures(s, CITY_CODE, period)),
        ("children_figures(city)", lambda s: queries.children_figures(s, CITY_CODE, period)),
        ("figures(licheng)", lambda s: queries.figures(s, "licheng", period)),
        ("children_figures(licheng)", lambda s: queries.children_figures(s, "licheng", period)),
        ("children_figures(licheng-zhenhai)",
         lambda s: queries.children_figures(s, "licheng-zhenhai", period)),
        ("figures_with_children(city) (GET /units/<city>)",
         lambda s: queries.figures_with_children(s, CITY_CODE, period)),
        ("figures(city, line=2nd busiest)",
         lambda s: queries.figures(s, CITY_CODE, period, _any_line(s))),
        ("trend(city, month)", lambda s: queries_stats.trend(s, unit(s, CITY_CODE), period, "month")),
        ("trend(city, day)", lambda s: queries_stats.trend(s, unit(s, CITY_CODE), period, "day")),
        ("by_line(city)", lambda s: queries_stats.by_line(s, unit(s, CITY_CODE), period)),
        ("by_item(city)", lambda s: queries_stats.by_item(s, unit(s, CITY_CODE), period)),
        ("breakdown(city): by_line + by_item(limit=40), as the screens call it",
         lambda s: breakdown(s, CITY_CODE)),
        ("breakdown(licheng)", lambda s: breakdown(s, "licheng")),
        ("department_board(city)",
         lambda s: queries_stats.department_board(s, unit(s, CITY_CODE), period)),
        ("department_board(city, line=2nd busiest)",
         lambda s: queries_stats.department_board(s, unit(s, CITY_CODE), period, _any_line(s))),
        ("department_board(licheng)",
         lambda s: queries_stats.department_board(s, unit(s, "licheng"), period)),
        ("department_board(city, first month only)",
         lambda s: queries_stats.department_board(s, unit(s, CITY_CODE), month)),
        ("funnel(city, open now)", lambda s: queries_stats.funnel(s, unit(s, CITY_CODE))),
        ("incidents(city) first page",
         lambda s: queries_incidents.incidents(s, unit(s, CITY_CODE), period=period)),
    ]


def _any_line(session) -> str | None:
    # The most common non-general line, so the filter has real work to do.
    return session.scalar(select(Incident.line_code).group_by(Incident.line_code)
                          .order_by(func.count().desc()).offset(1).limit(1))


def time_case(factory, fn: Callable, repeat: int) -> tuple[float, float, float]:
    """Median and best wall time and median CPU time of this process (all of SQLite's work, only
    the client's share on PostgreSQL) in ms over `repeat` runs, each in a fresh session."""
    with factory() as session:
        fn(session)
    walls, cpus = [], []
    for _ in range(repeat):
        with factory() as session:
            start, cpu = time.perf_counter(), time.process_time()
            fn(session)
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, time every case on every database, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--from", dest="start", default="2018-01-01")
    parser.add_argument("--to", dest="end", default="2018-12-31")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", action="append", default=[],
                        help="time only the cases whose label contains this text (repeatable)")
    args = parser.parse_args(argv)
    period = Period(date.fromisoformat(args.start), date.fromisoformat(args.end))
    results: dict[str, list[str]] = {}
    names = []
    for url in args.database_url:
        engine = make_engine(url)
        factory = session_factory(engine)
        with factory() as session:
            rows = queries.figures(session, CITY_CODE, period)["collected"]
        names.append(f"{engine.dialect.name} ({rows:,} rows in period)")
        for label, fn in cases(period):
            if args.only and not any(text in label for text in args.only):
                continue
            median, best, cpu = time_case(factory, fn, args.repeat)
            results.setdefault(label, []).append(f"{median:,.0f} / {best:,.0f} / {cpu:,.0f}")
        engine.dispose()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average while measuring: {load} ({os.cpu_count()} cores)\n")
    header = f"query ({args.start} .. {args.end}), ms: wall median / wall best / CPU median"
    print(f"| {header}, {args.repeat} runs | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for label, cells in results.items():
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
