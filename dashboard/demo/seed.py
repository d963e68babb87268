"""The `seed` verb: the demo world (geography, centers, catalogue, people, history) in one go.

`seed_world(engine)` is what tests and `make run` use; everything goes in one transaction, so a
failed seed leaves the database as it was.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime

from sqlalchemy import Connection, Engine, case, func, select, text
from tqdm import tqdm

from dashboard.core.config import Settings
from dashboard.core.db import drop_all, engine_for, is_initialised, upgrade
from dashboard.core.models import Incident
from dashboard.core.timeutil import Period, utcnow
from dashboard.demo.catalogue import DEPARTMENTS, department_rows, item_rows, line_rows
from dashboard.demo.people import staff_columns
from dashboard.demo.seed_history import history_scale, seed_history
from dashboard.demo.seed_load import insert_columns, insert_dicts, prepare_session
from dashboard.demo.seed_world import centre_rows, grid_infos, unit_rows, world_arrays
from dashboard.demo.world import build_world_units
from dashboard.geo.io import load_geojson_units

SEED_VERSION = "1"
STEPS = 15
COUNTED = ("units", "command_centers", "departments", "business_lines", "business_items", "staff",
           "incidents", "incident_events", "supervision_items", "supervision_escalations", "alerts",
           "certificates")


def world_is_seeded(engine: Engine) -> bool:
    """Whether the database already holds a seeded world."""
    if not is_initialised(engine):
        return False
    with engine.connect() as conn:
        # Any city: an imported geography's city has its own code.
        return conn.execute(text("SELECT 1 FROM units WHERE level = 'city'")).first() is not None


def load_units(geo_file: str | None) -> list:
    """The geography: an imported GeoJSON file, or the built-in Putian world."""

    return load_geojson_units(geo_file) if geo_file else build_world_units()


def seed_world(engine: Engine, progress: bool = True, geo_file: str | None = None,
               now: datetime | None = None, scale: float | None = None) -> dict[str, int]:
    """Seed the full demo world into an empty, migrated database; returns row counts."""
    return seed_units(engine, load_units(geo_file), progress=progress, now=now, scale=scale)


def seed_units(engine: Engine, units: list, progress: bool = True, now: datetime | None = None,
               timings: dict[str, float] | None = None, scale: float | None = None) -> dict[str, int]:
    """Seed the world on a given list of UnitSpecs (parents before children).

    `scale` is the history's volume relative to Putian's published one; by default it follows the
    number of grids (1.0 for the built-in world, exactly the published 2018 totals).
    `timings`, when given, receives the wall time in seconds of each phase (for benchmarks).
    """
    moment = now or utcnow()
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    moment = moment.replace(microsecond=0)  # the history is generated in whole seconds
    clock = [time.perf_counter()]
    with tqdm(total=STEPS, desc="seed", unit="step", disable=not progress, file=sys.stderr) as bar:
        def step(label: str) -> None:
            if timings is not None:
                timings[label] = timings.get(label, 0.0) + time.perf_counter() - clock[0]
            clock[0] = time.perf_counter()
            bar.set_postfix_str(label, refresh=False)
            bar.update(1)

        with engine.begin() as conn:
            prepare_session(conn)
            _seed_static(conn, units, step)
            staff = staff_columns(grid_infos(units), [d.code for d in DEPARTMENTS if d.enforcement])
            insert_columns(conn, "staff", staff)
            step("staff")
            world, grid_names = world_arrays(units, staff)
            step("world arrays")
            volume = history_scale(len(grid_names)) if scale is None else scale
            seed_history(conn, world, int(moment.timestamp()), step, grid_names, scale=volume)
            insert_dicts(conn, "meta", [
                {"key": "seed_version", "value": SEED_VERSION},
                {"key": "seeded_at", "value": utcnow().isoformat()},
                {"key": "seed_now", "value": moment.isoformat()},
            ])
        if engine.dialect.name == "postgresql":
            # VACUUM too: index-only scans (the screens' roll-ups) need the visibility map.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.exec_driver_sql("PRAGMA analysis_limit=2000")
                conn.exec_driver_sql("ANALYZE")
        step("vacuum, analyze")
        bar.update(STEPS - bar.n)
    return row_counts(engine)


def _seed_static(conn: Connection, units: list, step) -> None:
    insert_dicts(conn, "units", unit_rows(units))
    insert_dicts(conn, "command_centers", centre_rows(units))
    step("units")
    insert_dicts(conn, "departments", department_rows())
    insert_dicts(conn, "business_lines", line_rows({u.code for u in units}))
    insert_dicts(conn, "business_items", item_rows())
    step("catalogue")


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in each table the seed fills, counted."""
    with engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in COUNTED}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `seed`."""
    parser.add_argument("--geo", metavar="FILE", help="import unit boundaries from a GeoJSON file")
    parser.add_argument("--if-empty", action="store_true", help="do nothing if a world is already seeded")
    parser.add_argument("--reset", action="store_true", help="drop all data first (destroys everything)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Seed the configured database; prints a summary of counts."""
    from dashboard.geo.model import GeoImportError

    if not args.no_progress:
        print("seed: building the geography…", file=sys.stderr, flush=True)
    try:
        units = load_units(args.geo)
    except GeoImportError as exc:
        print(f"seed: bad --geo file: {exc}", file=sys.stderr)
        return 2
    engine = engine_for(settings)
    try:
        if args.reset:
            drop_all(engine)
        upgrade(engine)
        if world_is_seeded(engine):
            if args.if_empty:
                print("seed: the database already holds a world; nothing to do")
                return 0
            print("seed: the database already holds a world; use --reset to replace it",
                  file=sys.stderr)
            return 1
        counts = seed_units(engine, units, progress=not args.no_progress)
        collected, closed = totals_2018(engine)
    finally:
        engine.dispose()
    print("seeded " + engine.url.render_as_string(hide_password=True))
    for table, count in counts.items():
        print(f"  {table:<24} {count:>9,}")
    print(f"  2018: {collected:,} incidents collected, {closed:,} closed "
          f"({closed / max(collected, 1):.1%})")
    return 0


def totals_2018(engine: Engine) -> tuple[int, int]:
    """Incidents reported in 2018 (local time) and how many of them are closed, counted."""
    year = Period(date(2018, 1, 1), date(2018, 12, 31))
    with engine.connect() as conn:
        collected, closed = conn.execute(
            select(func.count(), func.sum(case((Incident.state == "closed", 1), else_=0)))
            .where(Incident.reported_at >= year.utc_start, Incident.reported_at < year.utc_end)).one()
    return int(collected), int(closed or 0)
