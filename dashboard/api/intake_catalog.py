"""What the intake API checks requests against, loaded once per process from the database.

Staff, business items, departments and units change rarely; a request naming a code we do not
know triggers one reload (at most every RELOAD_S seconds) before it is refused, so a person added
by the seed or an operator is accepted without a restart.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core.models import BusinessItem, Department, Staff, Unit
from dashboard.core.units import NoRootError, chain, root_code
from dashboard.geo.locate import GridLocator

RELOAD_S = 30.0


@dataclass
class Catalog:
    """Known codes and the city's geometry; ``locate`` finds the grid of a point."""

    root: str = ""  # the tree's root (the city); empty before a city is seeded
    units: dict[str, list[str]] = field(default_factory=dict)  # code -> chain
    grids: set[str] = field(default_factory=set)
    staff: dict[str, tuple[str, str | None, list[str]]] = field(default_factory=dict)
    items: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> (line, severity)
    departments: set[str] = field(default_factory=set)
    city: object | None = None  # prepared shapely geometry of the city
    # A prepared geometry is not thread-safe in GEOS (libgeos/geos#825): request threads take turns.
    geos: threading.Lock = field(default_factory=threading.Lock)
    locator: object | None = None
    loaded_at: float = 0.0

    def inside_city(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        """Which points lie inside the city boundary."""
        if self.city is None:  # no stored city outline: inside means inside some grid
            return np.array([g is not None for g in self.locate_many(lats, lons)], dtype=bool)
        with self.geos:
            return shapely.contains_xy(self.city, lons, lats)

    def locate(self, lat: float, lon: float) -> str | None:
        """The grid containing a point, or None."""
        return self.locate_many([lat], [lon])[0]

    def locate_many(self, lats, lons) -> list[str | None]:
        """The grids containing many points at once (None where a point is in no grid)."""
        if self.locator is None:
            return [None] * len(lats)
        return self.locator.locate_many(np.asarray(lats, float), np.asarray(lons, float))


def load_catalog(session: Session) -> Catalog:
    """Read every code the intake checks against."""
    try:
        cat = Catalog(root=root_code(session))
    except NoRootError:
        return Catalog(loaded_at=time.monotonic())
    grid_rows = []
    for unit in session.scalars(select(Unit)):
        cat.units[unit.code] = chain(cat.root, unit.district_code, unit.town_code, unit.village_code,
                                     unit.code)
        if unit.level == "grid":
            cat.grids.add(unit.code)
            grid_rows.append(unit)
        elif unit.level == "city":
            cat.city = shape(json.loads(unit.boundary)) if unit.boundary else None
            if cat.city is not None:
                shapely.prepare(cat.city)
    for row in session.execute(select(Staff.id, Staff.role, Staff.grid_code, Staff.unit_code,
                                      Staff.district_code, Staff.town_code, Staff.village_code)):
        cat.staff[row.id] = (row.role, row.grid_code,
                             chain(cat.root, row.district_code, row.town_code, row.village_code,
                                   row.grid_code or row.unit_code))
    for code, line, severity in session.execute(select(BusinessItem.code, BusinessItem.line_code,
                                                       BusinessItem.default_severity)):
        cat.items[code] = (line, severity)
    cat.departments = set(session.scalars(select(Department.code)))
    cat.locator = _grid_locator(grid_rows)
    cat.loaded_at = time.monotonic()
    return cat


def _grid_locator(grid_rows: list[Unit]) -> GridLocator | None:
    """dashboard.geo.locate's GridLocator over (code, geometry) pairs of the stored grids."""
    pairs = [(u.code, shape(json.loads(u.boundary))) for u in grid_rows if u.boundary]
    return GridLocator(pairs) if pairs else None


_lock = threading.Lock()
EXTENSION = "dashboard.intake_catalog"


def catalog(extensions: dict, session_factory: sessionmaker, refresh: bool = False) -> Catalog:
    """The app's catalog (kept in its extensions); ``refresh`` reloads a copy older than RELOAD_S."""
    with _lock:
        cat = extensions.get(EXTENSION)
        if cat is None or (refresh and time.monotonic() - cat.loaded_at > RELOAD_S):
            with session_factory() as session:
                cat = load_catalog(session)
            extensions[EXTENSION] = cat
        return cat
