"""The demo world's unit tree, built once per process: Putian at its published scale (1 city,
7 county-level units, 54 towns and streets, 971 villages and communities, 2,408 grids) on the real
district outlines. `python -m dashboard.demo.world FILE` writes it as GeoJSON, a template for
`seed --geo` (which imports a city's own boundary set instead)."""

from __future__ import annotations

import argparse
import copy
import sys
import threading

from dashboard.geo.io import write_geojson
from dashboard.geo.model import UnitSpec

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


def main(argv: list[str] | None = None) -> int:
    """`python -m dashboard.demo.world FILE`: write the demo world as GeoJSON, a template for seed --geo."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.demo.world", description=main.__doc__)
    parser.add_argument("file", help="where to write the FeatureCollection")
    args = parser.parse_args(argv)
    units = build_world_units()
    write_geojson(units, args.file)
    print(f"wrote {len(units)} units to {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
