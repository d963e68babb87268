"""From geography (UnitSpecs) to rows: units with GeoJSON boundaries, command centers, and the
array view of grids the history generator samples from."""

from __future__ import annotations

import math

import numpy as np
import shapely

from dashboard.demo.catalogue import DEPARTMENTS, ITEMS, LINES
from dashboard.demo.history import World
from dashboard.demo.people import GridInfo

POINTS_PER_GRID = 24
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON = 111.320
CENTER_SUFFIX = {"city": "综治中心", "district": "综治中心", "town": "综治中心", "village": "网格服务站"}
CENTER_SUFFIX_EN = {"city": "command center", "district": "command center", "town": "command center",
                    "village": "grid service station"}


def _rounded(geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda coords: np.round(coords, 6))


def unit_rows(units: list) -> list[dict]:
    """Unit rows: GeoJSON boundary (6 decimals), a centroid inside the shape, area in km²."""
    rows = []
    for unit in units:
        geometry = unit.geometry
        centroid = geometry.centroid
        if not geometry.contains(centroid):
            centroid = geometry.point_on_surface()
        scale = KM_PER_DEG_LAT * KM_PER_DEG_LON * math.cos(math.radians(centroid.y))
        rows.append({
            "code": unit.code, "name": unit.name, "name_en": unit.name_en, "level": unit.level,
            "parent_code": unit.parent_code, "district_code": unit.district_code,
            "town_code": unit.town_code, "village_code": unit.village_code,
            "boundary": shapely.to_geojson(_rounded(geometry)),
            "centroid_lat": round(centroid.y, 6), "centroid_lon": round(centroid.x, 6),
            "area_km2": round(geometry.area * scale, 4), "population": int(unit.population or 0),
            "urban": bool(unit.urban), "sort_key": int(unit.sort_key or 0),
        })
    return rows


def centre_rows(units: list) -> list[dict]:
    """One command center per city, district, town and village unit."""
    return [{"unit_code": u.code, "name": u.name + CENTER_SUFFIX[u.level], "level": u.level}
            for u in units if u.level in CENTER_SUFFIX]


def grid_infos(units: list) -> list[GridInfo]:
    """The grids in seed order, as staff assignment needs them."""
    return [GridInfo(u.code, u.village_code, u.town_code, u.district_code, int(u.population or 0),
                     bool(u.urban)) for u in units if u.level == "grid"]


def _points_inside(rng: np.random.Generator, geometry, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` random points inside a polygon (rejection sampling on its bounds)."""
    minx, miny, maxx, maxy = geometry.bounds
    lat, lon = np.empty(0), np.empty(0)
    shapely.prepare(geometry)
    for _ in range(20):
        x = rng.uniform(minx, maxx, 4 * count)
        y = rng.uniform(miny, maxy, 4 * count)
        inside = shapely.contains_xy(geometry, x, y)
        lon, lat = np.r_[lon, x[inside]], np.r_[lat, y[inside]]
        if len(lat) >= count:
            return lat[:count], lon[:count]
    point = geometry.point_on_surface()
    return np.full(count, point.y), np.full(count, point.x)


def world_arrays(units: list, staff: dict) -> tuple[World, dict[str, str]]:
    """The World arrays for history generation, and each grid's display name."""
    rng = np.random.default_rng(2408)
    grids = [u for u in units if u.level == "grid"]
    districts = [u.code for u in units if u.level == "district"]
    district_pos = {code: i for i, code in enumerate(districts)}
    population = np.array([max(int(u.population or 0), 300) for u in grids], dtype=float)
    urban = np.array([bool(u.urban) for u in grids])
    weight = population * np.where(urban, 1.5, 1.0) * rng.lognormal(0.0, 0.3, len(grids))
    points = [_points_inside(rng, u.geometry, POINTS_PER_GRID) for u in grids]
    first: dict[tuple[str, str], str] = {}
    for sid, role, grid in zip(staff["id"], staff["role"], staff["grid_code"], strict=True):
        if grid is not None:
            first.setdefault((grid, role), sid)
    # A grid beyond the field force's reach (an imported geography with more grids than staff)
    # has no reporter: its incidents come from residents and departments only.
    reporters = np.array([[first.get((u.code, "info_manager")) or first.get((u.code, "patrol")),
                           first.get((u.code, "patrol")) or first.get((u.code, "info_manager"))]
                          for u in grids], dtype=object)
    line_codes = [line.code for line in LINES]

    def column(values) -> np.ndarray:
        return np.array(values, dtype=object)

    world = World(
        grid_codes=column([u.code for u in grids]), grid_names=column([u.name for u in grids]),
        village_codes=column([u.village_code for u in grids]),
        town_codes=column([u.town_code for u in grids]),
        district_codes=column([u.district_code for u in grids]),
        district_index=np.array([district_pos[u.district_code] for u in grids]), districts=districts,
        grid_weight=weight, points_lat=np.stack([p[0] for p in points]),
        points_lon=np.stack([p[1] for p in points]), reporters=reporters,
        item_codes=column([i.code for i in ITEMS]), item_names=column([i.name for i in ITEMS]),
        item_depts=column([i.department_code for i in ITEMS]),
        item_line=np.array([line_codes.index(i.line_code) for i in ITEMS]), lines=line_codes,
        line_origin=[line.origin_unit_code for line in LINES],
        item_limits=np.array([[i.limit_dispatch_min, i.limit_accept_min, i.limit_resolve_min,
                               i.limit_check_min] for i in ITEMS]),
        item_severity=np.array([i.default_severity for i in ITEMS]),
        enforcement_depts=column([d.code for d in DEPARTMENTS if d.enforcement]),
        city_code=next(u.code for u in units if u.level == "city"),
    )
    return world, {u.code: u.name for u in grids}
