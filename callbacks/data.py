"""Fetch what a view shows: each function opens the view (jurisdiction checked), calls the query
modules, and returns plain rows for the pure builders in layouts/. No SQL here."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from callbacks import scope
from dashboard.core.models import Staff, Unit
from dashboard.geo import boundaries
from dashboard.queries import incidents as queries_incidents
from dashboard.queries import patrol as queries_patrol
from dashboard.queries import stats as queries_stats
from dashboard.queries import units as queries
from dashboard.queries import views as queries_views
from dashboard.queries.catalog import business_items
from dashboard.queries.units import LEVEL_COLUMN, unit_ref
from layouts.figures_map import AGGREGATE_LEVELS
from layouts.period import is_live, trend_bucket

# Aggregates of a period that has ended change only when old incidents close: keep them a while.
PAST_TTL_SECONDS = 600
# Patrol hours of a live period grow by the minute and cost a scan of the day's positions.
PATROL_HOURS_TTL_SECONDS = 120
# Markers per layer on one map: more would slow every redraw; the map says when it shows fewer.
MAP_INCIDENTS, MAP_SUPERVISION = 500, 200
_PAST: dict[tuple, tuple[float, Any]] = {}
CHILD_KEY = {"city": "district", "district": "town", "town": "village", "village": "grid", "grid": "grid"}


def _past(name: str, vs: scope.ViewScope, compute: Callable[[], Any], live_ttl: float = 0.0) -> Any:
    """`compute()`, remembered for ended periods, and for `live_ttl` seconds for a live one (the
    caller has already checked jurisdiction)."""
    live = is_live(vs.period)
    if live and not live_ttl:
        return compute()
    key = (name, vs.unit.code, vs.period.start, vs.period.end, vs.line)
    hit = _PAST.get(key)
    if hit is not None and time.monotonic() - hit[0] < (live_ttl if live else PAST_TTL_SECONDS):
        return hit[1]
    value = compute()
    if len(_PAST) > 512:
        _PAST.clear()
    _PAST[key] = (time.monotonic(), value)
    return value


def names(s, u: Unit) -> dict[str, Any]:
    """Names of the unit's children (and itself) and of the business items, for list rows."""
    kids = [unit_ref(c) for c in queries.children(s, u.code)] + [unit_ref(u)]
    return {"units": {k["code"]: k for k in kids}, "items": {i["code"]: i for i in business_items(s)},
            "child_key": CHILD_KEY[u.level]}


def figures(view: dict | None) -> dict[str, Any]:
    """The view's figures for its period, plus what is true now: staff online, patrol coverage and
    the open supervision items."""
    svc = scope.services()
    with scope.session() as s:
        vs = scope.open_view(s, view)
        # 督办中 is a state of now, like the staff online: every item open under the unit, whatever
        # the period, as the overdue list and the map's halos beside it show them.
        figs = (queries.figures(s, vs.unit.code, vs.period, vs.line, supervision_now=True)
                or queries.empty_figures())
        assigned = list(_staff_names(s, vs.unit))
        grids = queries_views.grid_count(s, vs.unit)
    # The unit's own staff, wherever they are now (officers also cross into neighbouring grids).
    status = queries_views.staff_status_counts(svc.redis, assigned)
    patrolled = queries_views.patrolled_today(svc.redis, vs.unit.code, svc.root())
    return {**figs, "staff_total": len(assigned), "staff_online": status["online"],
            "staff_on_duty": status["online"] + status["stale"],
            "grids": grids, "grids_patrolled": len(patrolled), "live": is_live(vs.period),
            "level": vs.unit.level}


def _staff_names(s, u: Unit) -> dict[str, str]:
    clauses = queries.subtree(Staff, u) if u.level != "grid" else [Staff.grid_code == u.code]
    return dict(s.execute(select(Staff.id, Staff.name).where(*clauses)).all())


def map_rows(view: dict | None, measure: str | None = None) -> dict[str, Any]:
    """Regions (children, or the grid itself), open incidents, supervision, positions (counted
    per town on wide views), tracks; how many of each capped layer there are in all; the
    regions' patrol hours when the measure needs them; the person the view's `staff` query names
    (the search's pick, if they work under the unit); the configured tile URL."""
    svc = scope.services()
    with scope.session() as s:
        vs = scope.open_view(s, view)
        u = vs.unit
        patrolled = queries_views.patrolled_today(svc.redis, u.code, svc.root())
        if u.level == "grid":
            own = queries.figures(s, u.code, vs.period, vs.line)
            regions = [_region(u, own, 1.0 if u.code in patrolled else 0.0)]
        else:
            figs = {r["code"]: r["figures"] for r in queries.children_figures(s, u.code, vs.period, vs.line)}
            grid_counts = queries_views.grid_counts_by_child(s, u)
            regions = [_region(c, figs.get(c.code), _coverage(c, patrolled, grid_counts))
                       for c in queries.children(s, u.code)]
        if measure == "per_patrol_hour":
            hours = _past("patrol_hours", vs, lambda: queries_patrol.patrol_hours_by_child(s, u, vs.period),
                          live_ttl=PATROL_HOURS_TTL_SECONDS)
            for region in regions:
                region["patrol_hours"] = hours.get(region["code"])
        # The open work on the ground now; for a past period, what it left open.
        since = None if is_live(vs.period) else vs.period
        incidents, _ = queries_incidents.incidents(s, u, state="open", period=since, line=vs.line,
                                                   limit=MAP_INCIDENTS)
        supervision = queries_views.open_supervision(s, u, vs.line, limit=MAP_SUPERVISION)
        caps = {}
        if len(incidents) >= MAP_INCIDENTS:
            caps["incidents"] = (len(incidents), queries_incidents.incident_count(
                s, u, state="open", period=since, line=vs.line))
        if len(supervision) >= MAP_SUPERVISION:
            in_all = sum(queries.supervision_counts(s, u, line=vs.line).values())
            caps["supervision"] = (len(supervision), in_all)
        tracks = None
        if u.level == "grid":
            tracks = queries_views.tracks_today(s, [p["id"] for p in queries_views.grid_staff(s, u.code)])
        highlight = _highlight(s, svc.redis, u, vs.query.get("staff"))
        geojson = boundaries.url(s, u)
        positions = queries_views.live_positions(svc.redis, u.code, svc.root())
        groups = None
        if u.level in AGGREGATE_LEVELS:
            groups = queries_patrol.count_positions(positions, *queries_patrol.towns_under(s, u))
            positions = []
        else:
            staff_names = _staff_names(s, u)
            for p in positions:
                p["name"] = staff_names.get(p["staff"], p["staff"])
    return {"regions": regions, "incidents": incidents, "supervision": supervision,
            "positions": positions, "staff_groups": groups, "caps": caps, "tracks": tracks,
            "code": u.code, "level": u.level, "highlight": highlight, "tiles": svc.settings.map_tiles,
            "geojson": geojson}


def staff_groups(view: dict | None) -> list[dict[str, Any]] | None:
    """Live positions counted per town for a wide view (None for a view that draws dots)."""
    svc = scope.services()
    with scope.session() as s:
        vs = scope.open_view(s, view)
        if vs.unit.level not in AGGREGATE_LEVELS:
            return None
        positions = queries_views.live_positions(svc.redis, vs.unit.code, svc.root())
        return queries_patrol.count_positions(positions, *queries_patrol.towns_under(s, vs.unit))


def _highlight(s, client, u: Unit, staff_id: Any) -> dict[str, Any] | None:
    """The person to ring on the map, with their latest position (none if they have not
    reported); None unless they are assigned under the view's unit (jurisdiction)."""
    if not staff_id or not isinstance(staff_id, str):
        return None
    person = s.get(Staff, staff_id)
    if person is None:
        return None
    column = LEVEL_COLUMN.get(u.level)  # None for the city: everyone is under it
    if column is not None and getattr(person, column) != u.code:
        return None
    pos = queries_views.live_position(client, person.id) or {}
    return {"staff": person.id, "name": person.name, "role": person.role, "lat": pos.get("lat"),
            "lon": pos.get("lon"), "ts": pos.get("ts"), "status": pos.get("status", "offline")}


def _region(u: Unit, figs: dict | None, coverage: float | None) -> dict[str, Any]:
    import json

    return {**unit_ref(u), "boundary": json.loads(u.boundary), "population": u.population,
            "figures": figs or queries.empty_figures(), "coverage": coverage,
            "centroid": {"lat": u.centroid_lat, "lon": u.centroid_lon}}


def _coverage(child: Unit, patrolled: set[str], grid_counts: dict[str, int]) -> float | None:
    total = grid_counts.get(child.code, 0)
    if not total:
        return None
    done = sum(1 for g in patrolled if g == child.code or g.startswith(child.code + "-"))
    return done / total


def region_figures(view: dict | None) -> list[dict[str, Any]]:
    """Only the children's figures (for a live patch of the map's colours)."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        if vs.unit.level == "grid":
            return [{"code": vs.unit.code, "figures": queries.figures(s, vs.unit.code, vs.period, vs.line)}]
        return queries.children_figures(s, vs.unit.code, vs.period, vs.line)


def lists(view: dict | None) -> dict[str, Any]:
    """Newest incidents for the ticker (a grid: its open ones first) and open supervision items."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        newest, _ = queries_incidents.incidents(s, vs.unit, period=vs.period, line=vs.line, limit=60)
        if vs.unit.level == "grid":
            open_rows, _ = queries_incidents.incidents(s, vs.unit, state="open", line=vs.line, limit=100)
            seen = {r["id"] for r in open_rows}
            newest = open_rows + [r for r in newest if r["id"] not in seen]
        supervision = queries_views.open_supervision(s, vs.unit, vs.line, limit=200)
        return {"incidents": newest, "supervision": supervision, "names": names(s, vs.unit)}


def loop(view: dict | None) -> dict[str, Any]:
    """The seven-step funnel's inputs."""
    svc = scope.services()
    with scope.session() as s:
        vs = scope.open_view(s, view)
        figs = queries.figures(s, vs.unit.code, vs.period, vs.line) or queries.empty_figures()
        funnel = queries_stats.funnel(s, vs.unit, vs.period, vs.line)
    # Patrol coverage is known for today only: a past period shows no patrol count.
    patrolled = (len(queries_views.patrolled_today(svc.redis, vs.unit.code, svc.root()))
                 if is_live(vs.period) else None)
    return {"funnel": funnel, "collected": figs["collected"], "patrolled": patrolled,
            "supervision": sum(figs["supervision_by_level"].values())}


def trend(view: dict | None) -> tuple[Any, str]:
    """Counts per hour, day or month over the period."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        bucket = trend_bucket(vs.period)
        frame = _past("trend", vs, lambda: queries_stats.trend(s, vs.unit, vs.period, bucket, vs.line))
        return frame.copy(), bucket


def breakdown(view: dict | None) -> tuple[Any, Any]:
    """Counts by business line and by item (items tagged with their line)."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        lines = _past("by_line", vs, lambda: queries_stats.by_line(s, vs.unit, vs.period)).copy()
        if vs.line:
            lines = lines[lines["line"] == vs.line]
        items = _past("by_item", vs,
                      lambda: queries_stats.by_item(s, vs.unit, vs.period, vs.line, limit=40)).copy()
        line_of = {i["code"]: i["line"] for i in business_items(s)}
    items["line"] = items["item"].map(line_of)
    return lines, items


def children_rows(view: dict | None) -> list[dict[str, Any]]:
    """The children with their figures."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        return queries.children_figures(s, vs.unit.code, vs.period, vs.line)


def departments(view: dict | None) -> Any:
    """The department board (部门报到)."""
    with scope.session() as s:
        vs = scope.open_view(s, view)
        return _past("departments", vs,
                     lambda: queries_stats.department_board(s, vs.unit, vs.period, vs.line)).copy()


def grid_people(view: dict | None) -> list[dict[str, Any]]:
    """A grid's assigned staff with their latest live position."""
    svc = scope.services()
    with scope.session() as s:
        vs = scope.open_view(s, view)
        staff = queries_views.grid_staff(s, vs.unit.code)
    latest = {p["staff"]: p for p in queries_views.live_positions(svc.redis, vs.unit.code, svc.root())}
    return [{**person, "ts": latest.get(person["id"], {}).get("ts"),
             "status": latest.get(person["id"], {}).get("status", "offline")} for person in staff]


def incident(incident_id: str) -> dict[str, Any] | None:
    """One incident with its timeline, if the caller may see it."""
    principal = scope.current_principal()
    with scope.session() as s:
        found = queries_incidents.incident(s, incident_id)
    if found is None or principal is None:
        return None
    if not principal.covers_codes([found[k] for k in ("district", "town", "village", "grid")]):
        return None
    return found

