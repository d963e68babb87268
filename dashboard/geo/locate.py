"""Point-to-grid lookup: the grid under a position, one point or many at a time (an STR-tree over
the grids' polygons)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.geo.model import UnitSpec


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
        # GEOS's prepared geometries build their indexes lazily and are not thread-safe
        # (libgeos/geos#825); shapely releases the GIL around them, so the web process's request
        # threads take turns. Two at once corrupted the heap and aborted the process.
        self._geos = threading.Lock()

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
        with self._geos:
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
