"""What the simulator knows of the city, read once from the database: people, grids, catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core.models import BusinessItem, BusinessLine, Staff, Unit
from dashboard.core.units import is_under
from feeds.sim_lifecycle import Limits

# A business line started in one county is strong there and weak elsewhere (DESIGN.md §1).
HOME_LINE_WEIGHT = 4.0
AWAY_LINE_WEIGHT = 0.4
CITY_EDGE_DEG = 2e-6  # about 20 cm: floating-point slack between grid and city outlines


@dataclass(frozen=True)
class Item:
    """A business item as the simulator needs it."""

    code: str
    name: str
    department: str
    line: str
    line_origin: str | None
    severity: int
    limits: Limits


@dataclass(frozen=True)
class Grid:
    """A unit grid: where incidents happen."""

    code: str
    name: str
    district: str
    weight: float  # relative share of incidents (population, urban density)


@dataclass
class World:
    """Staff (as parallel arrays), grid geometries, and the catalogue."""

    staff_ids: list[str]
    staff_roles: list[str]
    staff_shifts: list[str]
    staff_area: list[str]  # the grid (or town) each person patrols
    areas: dict[str, shapely.Geometry]
    grids: list[Grid]
    items: list[Item]
    staff_by_grid: dict[str, list[str]] = field(default_factory=dict)

    def area_geoms(self) -> np.ndarray:
        """One geometry per staff member (shared objects), for the walkers."""
        return np.array([self.areas[code] for code in self.staff_area], dtype=object)

    def item_weights(self, district: str) -> list[float]:
        """Relative likelihood of each business item for an incident in this district."""
        weights = []
        for item in self.items:
            if item.line_origin is None:
                weights.append(1.0)
            else:
                weights.append(HOME_LINE_WEIGHT if item.line_origin == district else AWAY_LINE_WEIGHT)
        return weights


def load_world(session: Session) -> World:
    """Read staff, grid boundaries and business items; fails clearly if the world is not seeded."""
    staff = session.execute(select(Staff.id, Staff.role, Staff.shift, Staff.grid_code, Staff.unit_code)
                            .order_by(Staff.id)).all()
    if not staff:
        raise RuntimeError("no staff in the database: seed the world first (python -m dashboard seed)")
    area_codes = sorted({grid or unit for _id, _role, _shift, grid, unit in staff})
    grid_rows = session.execute(select(Unit.code, Unit.name, Unit.district_code, Unit.population,
                                       Unit.urban, Unit.area_km2, Unit.boundary)
                                .where(Unit.level == "grid").order_by(Unit.code)).all()
    boundaries = {row.code: row.boundary for row in grid_rows}
    missing = [c for c in area_codes if c not in boundaries]
    for code, boundary in session.execute(select(Unit.code, Unit.boundary).where(Unit.code.in_(missing))):
        boundaries[code] = boundary
    if unknown := [c for c in area_codes if c not in boundaries]:
        raise RuntimeError(f"staff assigned to unknown units, e.g. {unknown[:3]}")
    codes = sorted(set(area_codes) | {r.code for r in grid_rows})
    city = session.scalar(select(Unit.boundary).where(Unit.level == "city"))
    areas = dict(zip(codes, _inside_city(shapely.from_geojson([boundaries[c] for c in codes]), city),
                     strict=True))
    grids = [Grid(r.code, r.name, r.district_code or "", _grid_weight(r.population, r.urban, r.area_km2))
             for r in grid_rows]
    lines = dict(session.execute(select(BusinessLine.code, BusinessLine.origin_unit_code)).all())
    items = [Item(i.code, i.name, i.department_code, i.line_code, lines.get(i.line_code),
                  i.default_severity or 2,
                  Limits(i.limit_dispatch_min, i.limit_accept_min, i.limit_resolve_min, i.limit_check_min))
             for i in session.scalars(select(BusinessItem).order_by(BusinessItem.code))]
    if not items or not grids:
        raise RuntimeError("no grids or business items in the database: seed the world first")
    by_grid: dict[str, list[str]] = {}
    for sid, _role, _shift, grid, _unit in staff:
        if grid:
            by_grid.setdefault(grid, []).append(sid)
    return World(staff_ids=[s[0] for s in staff], staff_roles=[s[1] for s in staff],
                 staff_shifts=[s[2] or "day" for s in staff],
                 staff_area=[s[3] or s[4] for s in staff], areas=areas, grids=grids, items=items,
                 staff_by_grid=by_grid)


def _inside_city(geoms: np.ndarray, city_geojson: str | None) -> np.ndarray:
    """Each area trimmed to a hair inside the city outline, so no point is refused as outside."""
    if not city_geojson:
        return geoms
    inner = shapely.buffer(shapely.from_geojson(city_geojson), -CITY_EDGE_DEG)
    shapely.prepare(inner)
    edge = ~shapely.within(geoms, inner)
    trimmed = geoms.copy()
    trimmed[edge] = shapely.intersection(geoms[edge], inner)
    # Keep the original where trimming would leave nothing to walk on.
    empty = shapely.is_empty(trimmed) | (shapely.area(trimmed) <= 0)
    trimmed[empty] = geoms[empty]
    return trimmed


def _grid_weight(population: int | None, urban: bool | None, area_km2: float | None) -> float:
    # Reports follow people; an empty hillside still gets the odd patrol finding.
    base = float(population or 0) or 1000.0 * float(area_km2 or 1.0)
    return base * (1.5 if urban else 1.0) + 200.0


def restrict(world: World, unit: str, root: str) -> World:
    """The part of the world under one unit (all of it for the root, the city)."""
    if unit == root:
        return world
    keep = [i for i, area in enumerate(world.staff_area) if is_under(area, unit, root)]
    grids = [g for g in world.grids if is_under(g.code, unit, root)]
    if not grids:
        raise ValueError(f"--unit: no grids under unit {unit!r}")
    if not keep:
        raise ValueError(f"--unit: no staff under unit {unit!r}")
    ids = [world.staff_ids[i] for i in keep]
    return World(staff_ids=ids, staff_roles=[world.staff_roles[i] for i in keep],
                 staff_shifts=[world.staff_shifts[i] for i in keep],
                 staff_area=[world.staff_area[i] for i in keep], areas=world.areas, grids=grids,
                 items=world.items,
                 staff_by_grid={g: s for g, s in world.staff_by_grid.items() if is_under(g, unit, root)})
