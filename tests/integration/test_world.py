"""The seeded demo world matches Putian's published figures, counted from the rows, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from sqlalchemy import bindparam, select, text

from dashboard.core.db import session_factory
from dashboard.core.models import Incident, UTCDateTime
from dashboard.core.models.base import OPEN_STATES
from dashboard.core.timeutil import LOCAL_TZ, Period
from dashboard.demo.history import HOUR_W
from dashboard.demo.seed import world_is_seeded

ROOT = Path(__file__).resolve().parents[2]
YEAR_2018 = Period(date(2018, 1, 1), date(2018, 12, 31))


def _query(sql: str, params: dict):
    # Timestamps bind through the models' UTC type, as the application's own queries do.
    stamps = [bindparam(k, type_=UTCDateTime()) for k, v in params.items() if isinstance(v, datetime)]
    return text(sql).bindparams(*stamps)


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(_query(sql, params), params).all()


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(_query(sql, params), params).scalar_one()


def seed_now(engine) -> datetime:
    return datetime.fromisoformat(scalar(engine, "SELECT value FROM meta WHERE key = 'seed_now'"))


def open_stages_expected(now: datetime) -> set[str]:
    """The open stages the seeded day must show at `now`. A report waits for dispatch only minutes,
    and in the quiet night hours of the city's own rhythm (dashboard.demo.history.HOUR_W, a few
    reports an hour) the desk has often cleared every one: at 03:00 none waits, as in a real city."""
    busy = HOUR_W[now.astimezone(LOCAL_TZ).hour] >= 0.5
    return set(OPEN_STATES) if busy else set(OPEN_STATES) - {"reported"}


def test_units_and_command_centers_at_published_scale(world):
    units = dict(rows(world, "SELECT level, COUNT(*) FROM units GROUP BY level"))
    assert units == {"city": 1, "district": 7, "town": 54, "village": 971, "grid": 2408}
    centers = dict(rows(world, "SELECT level, COUNT(*) FROM command_centers GROUP BY level"))
    assert centers == {"city": 1, "district": 7, "town": 54, "village": 971}
    assert scalar(world, "SELECT COUNT(*) FROM command_centers c JOIN units u ON u.code = c.unit_code "
                         "WHERE u.level <> c.level") == 0


def test_field_force_counts_and_assignments(world):
    staff = dict(rows(world, "SELECT role, COUNT(*) FROM staff GROUP BY role"))
    assert staff == {"info_manager": 2019, "patrol": 1758, "enforcement": 1945}
    # Managers and inspectors hold a grid, with that grid's ancestors; every grid has someone.
    assert scalar(world, """
        SELECT COUNT(*) FROM staff s LEFT JOIN units g ON g.code = s.grid_code AND g.level = 'grid'
        WHERE s.role <> 'enforcement' AND (g.code IS NULL OR s.unit_code <> g.code
              OR s.village_code <> g.village_code OR s.town_code <> g.town_code
              OR s.district_code <> g.district_code)""") == 0
    assert scalar(world, """SELECT COUNT(*) FROM units g WHERE g.level = 'grid' AND NOT EXISTS
                            (SELECT 1 FROM staff s WHERE s.grid_code = g.code)""") == 0
    # Officers cover a town-level area for one enforcement department.
    assert scalar(world, """
        SELECT COUNT(*) FROM staff s JOIN units t ON t.code = s.unit_code
        JOIN departments d ON d.code = s.department_code
        WHERE s.role = 'enforcement' AND t.level = 'town' AND d.enforcement
              AND s.town_code = t.code AND s.district_code = t.district_code""") == 1945
    ids = [r[0] for r in rows(world, "SELECT id FROM staff ORDER BY id")]
    assert ids[0] == "S00001" and ids[-1] == "S05722"
    names = [r[0] for r in rows(world, "SELECT name FROM staff")]
    assert all(2 <= len(n) <= 3 for n in names)
    assert sum(n.startswith("林") for n in names) > sum(n.startswith("王") for n in names)


def test_catalogue(world):
    assert scalar(world, "SELECT COUNT(*) FROM departments") == 34
    assert scalar(world, "SELECT COUNT(*) FROM departments WHERE enforcement") == 23
    assert scalar(world, "SELECT COUNT(*) FROM business_items") == 118
    assert scalar(world, "SELECT COUNT(DISTINCT department_code) FROM business_items") == 23
    assert scalar(world, """SELECT COUNT(*) FROM business_items i JOIN departments d
                            ON d.code = i.department_code WHERE NOT d.enforcement""") == 0
    lines = rows(world, "SELECT code, origin_unit_code FROM business_lines")
    assert len(lines) == 8
    origins = sorted(o for _, o in lines if o)
    assert origins == sorted(["xianyou", "chengxiang", "licheng", "hanjiang", "xiuyu", "meizhou", "beian"])
    assert scalar(world, "SELECT COUNT(DISTINCT line_code) FROM business_items") == 8
    bad_limits = scalar(world, """SELECT COUNT(*) FROM business_items WHERE
        limit_dispatch_min NOT BETWEEN 30 AND 120 OR limit_accept_min NOT BETWEEN 60 AND 240
        OR limit_resolve_min NOT BETWEEN 1440 AND 21600 OR limit_check_min NOT BETWEEN 1440 AND 4320""")
    assert bad_limits == 0


def test_2018_totals_counted_from_rows(world):
    collected, closed = rows(world, """
        SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) FROM incidents
        WHERE reported_at >= :start AND reported_at < :end""",
                             start=YEAR_2018.utc_start, end=YEAR_2018.utc_end)[0]
    assert (collected, closed) == (576_647, 549_565)
    assert round(closed / collected, 3) == 0.953
    others = dict(rows(world, """SELECT state, COUNT(*) FROM incidents WHERE reported_at >= :start
                                 AND reported_at < :end AND state <> 'closed' GROUP BY state""",
                       start=YEAR_2018.utc_start, end=YEAR_2018.utc_end))
    assert others["cancelled"] > 0.9 * (collected - closed)
    # Every cancellation carries its reason in the timeline.
    assert scalar(world, """SELECT COUNT(*) FROM incidents i WHERE i.state = 'cancelled' AND NOT EXISTS
        (SELECT 1 FROM incident_events e WHERE e.incident_id = i.id AND e.action = 'cancel'
         AND e.note <> '')""") == 0


def test_2018_certificates(world):
    kinds = dict(rows(world, """SELECT kind, COUNT(*) FROM certificates WHERE handled_at >= :start
                                AND handled_at < :end GROUP BY kind""",
                      start=YEAR_2018.utc_start, end=YEAR_2018.utc_end))
    assert sum(kinds.values()) == 17_465
    assert kinds["senior_card"] == 4116
    assert kinds["love_card"] == 396


def _chain(engine, code: str) -> list[str]:
    names = []
    while code:
        name, code = rows(engine, "SELECT name, parent_code FROM units WHERE code = :c", c=code)[0]
        names.append(name)
    return names[::-1]


@pytest.mark.parametrize("path", [
    ["荔城区", "镇海街道", "长寿社区"],
    ["城厢区", "龙桥街道", "兴安社区"],
    ["仙游县", "度尾镇", "帽山村"],
    ["仙游县", "龙华镇"],
    ["涵江区", "涵西街道"],
])
def test_named_places_under_their_parents(world, path):
    found = [r[0] for r in rows(world, "SELECT code FROM units WHERE name = :n", n=path[-1])]
    assert any(_chain(world, code) == ["莆田市", *path] for code in found)


def test_xingan_has_a_third_grid(world):
    village = rows(world, """SELECT v.code FROM units v JOIN units t ON t.code = v.parent_code
                             WHERE v.name = '兴安社区' AND t.name = '龙桥街道'""")[0][0]
    grids = [r[0] for r in rows(world, "SELECT code FROM units WHERE parent_code = :v ORDER BY code",
                                  v=village)]
    assert len(grids) >= 3
    assert f"{village}-g03" in grids


def test_every_row_carries_its_grids_ancestors(world):
    for table in ("incidents", "supervision_items", "certificates"):
        mismatched = scalar(world, f"""
            SELECT COUNT(*) FROM {table} x JOIN units g ON g.code = x.grid_code
            WHERE g.level <> 'grid' OR x.village_code <> g.village_code OR x.town_code <> g.town_code
                  OR x.district_code <> g.district_code""")
        assert mismatched == 0, table
    assert scalar(world, "SELECT COUNT(*) FROM incidents i LEFT JOIN units g ON g.code = i.grid_code "
                         "WHERE g.code IS NULL") == 0


def test_incidents_lie_inside_their_grids(world):
    sample = rows(world, """SELECT i.lon, i.lat, u.boundary FROM incidents i
                            JOIN units u ON u.code = i.grid_code ORDER BY i.id LIMIT 2000""")
    outside = [(lon, lat) for lon, lat, boundary in sample
               if not shapely.from_geojson(boundary).buffer(1e-6).contains(shapely.Point(lon, lat))]
    assert outside == []


def test_step_timestamps_are_consistent(world):
    assert scalar(world, """SELECT COUNT(*) FROM incidents WHERE state = 'closed' AND NOT (
        reported_at <= dispatched_at AND dispatched_at <= accepted_at AND accepted_at <= resolved_at
        AND resolved_at <= closed_at AND stage_started_at = closed_at)""") == 0
    # Once a department has taken an incident, it is the item's own department (a wrong dispatch
    # gets bounced before anyone accepts it).
    assert scalar(world, """SELECT COUNT(*) FROM incidents i JOIN business_items b
        ON b.code = i.business_item_code WHERE i.state IN ('accepted', 'resolved', 'closed')
        AND (i.department_code IS NULL OR i.department_code <> b.department_code)""") == 0
    assert scalar(world, "SELECT COUNT(*) FROM incidents WHERE reopen_count > 0 AND state = 'closed'") > 0
    assert scalar(world, "SELECT COUNT(*) FROM incidents WHERE bounce_count > 0") > 0
    late = scalar(world, "SELECT COUNT(*) FROM supervision_items WHERE state = 'closed'")
    assert late > 0


def test_today_has_work_in_every_stage_and_supervision_at_every_level(world):
    now = seed_now(world)
    day_ago = now - timedelta(days=1)
    assert scalar(world, "SELECT COUNT(*) FROM incidents WHERE reported_at >= :t", t=day_ago) > 1000
    open_states = {s for (s,) in rows(world, "SELECT DISTINCT state FROM incidents WHERE state IN "
                                             "('reported', 'dispatched', 'accepted', 'resolved')")}
    assert open_states >= open_stages_expected(now)
    levels = dict(rows(world, "SELECT level, COUNT(*) FROM supervision_items WHERE state = 'open' "
                              "GROUP BY level"))
    assert set(levels) == {"village", "town", "district", "city"}
    # An open item belongs to an overdue open incident and has one escalation row per level climbed.
    assert scalar(world, """SELECT COUNT(*) FROM supervision_items s JOIN incidents i
        ON i.id = s.incident_id WHERE s.state = 'open' AND NOT (i.overdue AND i.state IN
        ('reported', 'dispatched', 'accepted', 'resolved'))""") == 0
    assert scalar(world, """SELECT COUNT(*) FROM supervision_items s WHERE s.escalations <>
        (SELECT COUNT(*) FROM supervision_escalations e WHERE e.item_id = s.id)""") == 0
    # The flag is sticky (the incident ran late): open items are what is overdue right now.
    assert scalar(world, """SELECT COUNT(*) FROM incidents i WHERE i.state IN ('closed', 'cancelled')
        AND EXISTS (SELECT 1 FROM supervision_items s WHERE s.incident_id = i.id
                    AND s.state = 'open')""") == 0
    assert scalar(world, "SELECT COUNT(*) FROM alerts WHERE state = 'open'") >= 3
    # A supervision alert belongs to the level and unit its open item has reached.
    assert scalar(world, """SELECT COUNT(*) FROM alerts a JOIN supervision_items s
        ON s.id = a.supervision_id WHERE a.state = 'open' AND NOT (s.state = 'open'
        AND s.level = a.level AND s.unit_code = a.unit_code AND s.incident_id = a.incident_id)""") == 0


def test_the_supervisor_finds_nothing_to_do_at_seed_time(world):
    """The seeded supervision state is exactly what the live deadline scan would have made."""
    from feeds.supervision_deadlines import scan

    with session_factory(world)() as session:
        try:
            out = scan(session, seed_now(world), batch=5000)
        finally:
            session.rollback()
    assert out == []


def test_believable_patterns(world):
    """Each county's own practice prominent where it started; Spring Festival week quiet."""
    mix = rows(world, """SELECT district_code, line_code, COUNT(*) FROM incidents
                            WHERE reported_at < :end GROUP BY district_code, line_code""",
                  end=YEAR_2018.utc_end)
    totals: dict[str, int] = {}
    city_lines: dict[str, int] = {}
    for district, line, count in mix:
        totals[district] = totals.get(district, 0) + count
        city_lines[line] = city_lines.get(line, 0) + count
    share = {(d, line): c / totals[d] for d, line, c in mix}
    city = sum(totals.values())
    for line, origin in rows(world, "SELECT code, origin_unit_code FROM business_lines "
                                    "WHERE origin_unit_code IS NOT NULL"):
        assert share[(origin, line)] > 1.5 * city_lines[line] / city, line
    festival = dict(rows(world, """SELECT district_code, COUNT(*) FROM incidents WHERE reported_at >= :s
                                 AND reported_at < :e GROUP BY district_code""",
                       s=datetime.fromisoformat("2018-02-14T16:00:00+00:00"),
                       e=datetime.fromisoformat("2018-02-21T16:00:00+00:00")))
    assert sum(festival.values()) < 0.6 * city / 52  # Spring Festival week is quiet


def test_rhythm_and_density(world):
    """Weekdays busier than weekends, mornings busier than nights, urban grids busier than rural."""
    july = Period(date(2018, 7, 1), date(2018, 7, 31))
    with world.connect() as conn:
        times = [t.astimezone(LOCAL_TZ) for t in conn.execute(select(Incident.reported_at).where(
            Incident.reported_at >= july.utc_start, Incident.reported_at < july.utc_end)).scalars()]
    weekday_days = sum(1 for d in range(31) if date(2018, 7, 1 + d).weekday() < 5)
    weekday = sum(t.weekday() < 5 for t in times) / weekday_days
    weekend = sum(t.weekday() >= 5 for t in times) / (31 - weekday_days)
    assert weekday > 1.15 * weekend
    assert sum(t.hour == 10 for t in times) > 5 * sum(t.hour == 3 for t in times)
    per_grid = dict(rows(world, """SELECT u.urban, COUNT(*) * 1.0 / COUNT(DISTINCT u.code)
        FROM incidents i JOIN units u ON u.code = i.grid_code
        WHERE i.reported_at >= :s AND i.reported_at < :e GROUP BY u.urban""",
                         s=july.utc_start, e=july.utc_end))
    assert per_grid[True] > per_grid[False]


def test_world_is_seeded(world, engine):
    assert world_is_seeded(world)
    assert not world_is_seeded(engine)


def test_seed_with_a_bad_geo_file_fails_with_one_clear_line(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("this is not json")
    env = dict(os.environ, DASHBOARD_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               DASHBOARD_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "dashboard", "seed", "--geo", str(bad), "--no-progress"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.geojson" in lines[0]
    assert not (tmp_path / "db.sqlite3").exists()
