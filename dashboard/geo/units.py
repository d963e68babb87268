"""The geography of the grid world: the unit tree the seeder stores, and point-to-grid lookup.

`build_world_units()` gives Putian at its published scale (1 city, 7 county-level units, 54 towns
and streets, 971 villages and communities, 2,408 grids) on the real district outlines;
`load_geojson_units(path)` imports a city's own boundary set instead. `GridLocator` finds the grid
under a position, one point or many at a time.
"""

from __future__ import annotations

import argparse
import copy
import sys
import threading
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.demo.places import CITY_CODE
from dashboard.geo.io import load_geojson_units, units_to_geojson, write_geojson
from dashboard.geo.model import LEVELS, GeoImportError, UnitSpec

__all__ = ["LEVELS", "GeoImportError", "GridLocator", "UnitSpec", "build_world_units",
           "load_geojson_units", "unit_path", "units_to_geojson", "write_geojson"]

_world: list[UnitSpec] | None = None
_lock = threading.Lock()


def build_world_units() -> list[UnitSpec]:
    """The demo world's units, parents before children; built once per process, then copied."""
    global _world
    with _lock:
        if _world is None:
            from dashboard.demo.geo_world import build_units  # numpy-heavy: only when asked for

            _world = build_units()
    # Callers get their own records (geometries are immutable and shared).
    return [copy.copy(u) for u in _world]


def unit_path(unit: UnitSpec, city_code: str = CITY_CODE) -> list[str]:
    """Codes from the city down to the unit, as carried in every stream entry's `units`."""
    return unit.path(city_code)


class GridLocator:
    """Finds the grid under a position, from grid UnitSpecs or (code, geometry) pairs."""

    def __init__(self, grids: Iterable[UnitSpec] | Iterable[tuple[str, BaseGeometry]]):
        codes, geoms = [], []
        for item in grids:
            if isinstance(item, UnitSpec):
                if item.level != "grid":
                    continue
                item = (item.code, item.geometry)
            codes.append(item[0])
            geoms.append(item[1])
        if not codes:
            raise ValueError("GridLocator needs at least one grid")
        self._codes = np.array(codes, dtype=object)
        self._geoms = np.array(geoms, dtype=object)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)

    def locate(self, lat: float, lon: float) -> str | None:
        """Code of the grid holding the point, or None outside every grid."""
        return self.locate_many([lat], [lon])[0]

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[str | None]:
        """Grid codes for many points at once (None where a point is in no grid)."""
        lats = np.asarray(lats, dtype=float)
        lons = np.asarray(lons, dtype=float)
        if lats.shape != lons.shape:
            raise ValueError(f"lats and lons differ in length ({lats.size} vs {lons.size})")
        out: list[str | None] = [None] * lats.size
        if lats.size == 0:
            return out
        points = shapely.points(lons, lats)
        which, grid = self._tree.query(points, predicate="intersects")
        # A point on a shared border touches two grids: the one listed first wins, every time.
        order = np.lexsort((grid, which))
        which, grid = which[order], grid[order]
        first = np.unique(which, return_index=True)[1]
        for i, g in zip(which[first], grid[first], strict=True):
            out[int(i)] = self._codes[g]
        return out

    def inside_city(self, lat: float, lon: float) -> bool:
        """Whether the point lies in the city (in some grid)."""
        return self.locate(lat, lon) is not None


def main(argv: list[str] | None = None) -> int:
    """`python -m dashboard.geo.units FILE`: write the demo world as GeoJSON, a template for seed --geo."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.geo.units", description=main.__doc__)
    parser.add_argument("file", help="where to write the FeatureCollection")
    args = parser.parse_args(argv)
    units = build_world_units()
    write_geojson(units, args.file)
    print(f"wrote {len(units)} units to {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
