"""The seeded `overdue` flag (sticky: the incident ran late in some stage) agrees with the step
timestamps and the business items' limits, and a seed of an imported city that is not Putian works;
both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from dashboard.core.db import session_factory
from dashboard.demo.history import CLOSED_2018, COLLECTED_2018
from dashboard.demo.seed import seed_world, world_is_seeded
from dashboard.queries import units as queries
from tests.integration.test_world import ROOT, YEAR_2018, rows, scalar, seed_now

EXAMPLE = ROOT / "tests" / "data" / "geo_example.geojson"
# The limit of the stage an incident is in while in a state (reported → dispatch limit, ...).
STAGE_LIMIT = """60 * CASE {state} WHEN 'reported' THEN b.limit_dispatch_min
    WHEN 'dispatched' THEN b.limit_accept_min WHEN 'accepted' THEN b.limit_resolve_min
    WHEN 'resolved' THEN b.limit_check_min END"""


def _epoch(engine: Engine, column: str) -> str:
    """SQL: a timestamp column as UTC epoch seconds."""
    if engine.dialect.name == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def late_mismatches(engine: Engine, now: datetime) -> dict[str, int]:
    """Incidents whose flag disagrees with their timestamps, counted from the rows.

    A stage instance runs from a timeline step into an open state until the incident's next step
    (or until `now` if none); it ran late when it lasted at least its limit. An incident without a
    timeline is a plain closure, whose stages are its row's step timestamps.
    """
    ep = partial(_epoch, engine)
    stages = f"""SELECT e.incident_id, e.to_state, {ep('e.at')} AS start_s,
        LEAD({ep('e.at')}) OVER (PARTITION BY e.incident_id ORDER BY e.id) AS end_s
        FROM incident_events e"""
    # Joins, not IN / EXISTS inside an expression: PostgreSQL would rerun those once per incident.
    ran_late = f"COALESCE(s.end_s, :now) - s.start_s >= {STAGE_LIMIT.format(state='s.to_state')}"
    late = f"""SELECT s.incident_id, MAX({_flag(ran_late)}) AS late
        FROM ({stages}) s JOIN incidents i ON i.id = s.incident_id
        JOIN business_items b ON b.code = i.business_item_code GROUP BY s.incident_id"""
    with_timeline = scalar(engine, f"""SELECT COUNT(*) FROM ({late}) t JOIN incidents i
        ON i.id = t.incident_id WHERE {_flag('i.overdue')} <> t.late""", now=int(now.timestamp()))
    row_late = " OR ".join(
        f"{ep(end)} - {ep(start)} >= {STAGE_LIMIT.format(state=repr(state))}"
        for start, end, state in (("i.reported_at", "i.dispatched_at", "reported"),
                                  ("i.dispatched_at", "i.accepted_at", "dispatched"),
                                  ("i.accepted_at", "i.resolved_at", "accepted"),
                                  ("i.resolved_at", "i.closed_at", "resolved")))
    no_timeline = """FROM incidents i JOIN business_items b ON b.code = i.business_item_code
        WHERE NOT EXISTS (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id)"""
    without_timeline = scalar(engine, f"SELECT COUNT(*) {no_timeline} AND "
                                      f"{_flag('i.overdue')} <> {_flag(row_late)}")
    not_plain = scalar(engine, f"SELECT COUNT(*) {no_timeline} AND NOT (i.state = 'closed' "
                               "AND i.reopen_count = 0 AND i.bounce_count = 0)")
    no_item = scalar(engine, f"""SELECT COUNT(*) FROM incidents i LEFT JOIN
        (SELECT DISTINCT incident_id FROM supervision_items) s ON s.incident_id = i.id
        WHERE {_flag('i.overdue')} <> {_flag('s.incident_id IS NOT NULL')}""")
    return {"with timeline": with_timeline, "without timeline": without_timeline,
            "without timeline, not a plain closure": not_plain, "flag without items or back": no_item}


def test_overdue_flag_agrees_with_the_timestamps_and_limits(world):
    assert late_mismatches(world, seed_now(world)) == dict.fromkeys(
        ("with timeline", "without timeline", "without timeline, not a plain closure",
         "flag without items or back"), 0)
    # Sticky: incidents that ran late and closed (or were cancelled) since keep the flag.
    by_state = dict(rows(world, "SELECT state, COUNT(*) FROM incidents WHERE overdue GROUP BY state"))
    assert by_state["closed"] > 0 and by_state["cancelled"] > 0


def test_2018_on_time_rate_is_believable(world):
    """About one 2018 closure in fifteen ran late somewhere: the on-time rate sits well under the
    closure rate (95.3 %), as a year of real work would."""
    with session_factory(world)() as s:
        fig = queries.figures(s, "putian", YEAR_2018)
    assert 0.80 <= fig["on_time_rate"] <= 0.95
    assert fig["closure_rate"] - fig["on_time_rate"] > 0.01
    closed_late = scalar(world, """SELECT COUNT(*) FROM incidents WHERE state = 'closed' AND overdue
        AND reported_at >= :start AND reported_at < :end""",
                         start=YEAR_2018.utc_start, end=YEAR_2018.utc_end)
    assert fig["on_time_rate"] == (fig["closed"] - closed_late) / (fig["closed"] + fig["overdue"])


def _imported_city(tmp_path: Path, city: str) -> Path:
    """The example geography with its city (and every code under it) renamed."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    old = next(f["properties"]["code"] for f in data["features"] if f["properties"]["level"] == "city")
    for feature in data["features"]:
        props = feature["properties"]
        for key in ("code", "parent"):
            if props.get(key):
                props[key] = city + props[key].removeprefix(old)
    path = tmp_path / f"{city}.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_seed_an_imported_city_not_named_putian(engine, tmp_path):
    """Supervision climbs to the imported city; a fixed moment and scale keep the run small and its
    city-level items certain."""
    now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    counts = seed_world(engine, progress=False, geo_file=str(_imported_city(tmp_path, "xiapu")),
                        now=now, scale=0.05)
    assert world_is_seeded(engine)
    assert scalar(engine, "SELECT code FROM units WHERE level = 'city'") == "xiapu"
    collected, closed = rows(engine, """SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0
        END) FROM incidents WHERE reported_at >= :start AND reported_at < :end""",
                             start=YEAR_2018.utc_start, end=YEAR_2018.utc_end)[0]
    assert (collected, closed) == (round(COLLECTED_2018 * 0.05), round(CLOSED_2018 * 0.05))
    assert counts["supervision_items"] > 0
    assert scalar(engine, "SELECT COUNT(*) FROM supervision_items WHERE level = 'city' "
                          "AND unit_code = 'xiapu'") > 0
    for table in ("supervision_items", "supervision_escalations", "alerts"):
        assert scalar(engine, f"""SELECT COUNT(*) FROM {table} x LEFT JOIN units u
            ON u.code = x.unit_code WHERE u.code IS NULL""") == 0, table
    assert late_mismatches(engine, now) == dict.fromkeys(
        ("with timeline", "without timeline", "without timeline, not a plain closure",
         "flag without items or back"), 0)


def test_seed_command_imports_a_city_not_named_putian(tmp_path):
    """`seed --geo` as an operator runs it: the history follows the few grids (Putian's per grid)."""
    geo = _imported_city(tmp_path, "xiapu")
    env = dict(os.environ, DASHBOARD_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               DASHBOARD_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "dashboard", "seed", "--geo", str(geo), "--no-progress"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    grids = sum(f["properties"]["level"] == "grid"
                for f in json.loads(geo.read_text(encoding="utf-8"))["features"])
    assert f"2018: {round(COLLECTED_2018 * grids / 2408):,} incidents collected" in done.stdout
    again = subprocess.run([sys.executable, "-m", "dashboard", "seed", "--geo", str(geo), "--no-progress",
                            "--if-empty"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "nothing to do" in again.stdout
