"""The seven county-level outlines: the raw district boundaries cleaned into an exact partition.

The source (cnmaps, AMap outlines) has districts that overlap each other by a few hundredths of a
km² and leave slivers of the city uncovered. Here every district is clipped to the city, overlaps go
to one side, slivers to the neighbour sharing the longest edge, and Meizhou Island and the Beian
development zone are cut out of 秀屿区, so the seven outlines tile the city exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from dashboard.geo.model import PRECISION

SOURCE = Path(__file__).parent / "data" / "putian_boundaries.geojson"
RAW_CODES = {"城厢区": "chengxiang", "荔城区": "licheng", "涵江区": "hanjiang", "秀屿区": "xiuyu",
             "仙游县": "xianyou"}
# In the source Meizhou Island is drawn joined to the tip of the 忠门 peninsula; the strait is cut
# along 25.1045°N east of 119.08°E (the island's area then comes out close to its real 14 km²
# plus the rocks around it).
MEIZHOU_CUT = Polygon([(119.06, 24.98), (119.20, 24.98), (119.20, 25.1045), (119.08, 25.1045),
                       (119.08, 25.06), (119.06, 25.06)])
# 湄洲湾北岸经济开发区: the 忠门 peninsula and the 东埔 shore west of the neck, south of 月塘/笏石/东庄.
BEIAN_CUT = Polygon([(118.90, 25.00), (118.90, 25.272), (118.99, 25.272), (119.03, 25.258),
                     (119.06, 25.238), (119.09, 25.222), (119.118, 25.222), (119.14, 25.20),
                     (119.165, 25.17), (119.20, 25.13), (119.20, 25.1045), (119.08, 25.1045),
                     (119.08, 25.06), (119.06, 25.06), (119.06, 25.00)])
# Pieces of a district smaller than this (deg², about 0.05 km²) that touch another district are
# slivers left by the overlap clean-up, not islands.
SLIVER_AREA = 5e-6


def _snap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.set_precision(shapely.make_valid(geom), PRECISION)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (set operations may leave stray lines or points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]


def _shared_edge(part: BaseGeometry, other_buffered: BaseGeometry) -> float:
    return part.boundary.intersection(other_buffered).length


def _merge_slivers(districts: dict[str, BaseGeometry], pieces: list[BaseGeometry]) -> None:
    """Give each piece to the district sharing the longest edge with it (else the nearest)."""
    # Slivers are thin: a band of 100 grid steps around each district catches their shared edges.
    bands = {code: g.buffer(PRECISION * 100) for code, g in districts.items()}
    for piece in pieces:
        scores = {code: _shared_edge(piece, band) for code, band in bands.items()}
        best = max(scores, key=scores.get)
        if scores[best] == 0:
            best = min(districts, key=lambda c: districts[c].distance(piece))
        districts[best] = shapely.union(districts[best], piece, grid_size=PRECISION)


def _reassign_fragments(districts: dict[str, BaseGeometry]) -> None:
    """Move tiny pieces of a district that touch another district over to that neighbour."""
    for code in list(districts):
        parts = list(shapely.get_parts(districts[code]))
        main = max(parts, key=lambda p: p.area)
        others = {c: g for c, g in districts.items() if c != code}
        keep, move = [], []
        for part in parts:
            touching = part is not main and part.area < SLIVER_AREA and any(
                _shared_edge(part, g.buffer(PRECISION * 100)) > 0 for g in others.values())
            (move if touching else keep).append(part)
        if move:
            districts[code] = _polygonal(shapely.union_all(keep, grid_size=PRECISION))
            _merge_slivers(others, move)
            districts.update(others)


def county_outlines() -> dict[str, BaseGeometry]:
    """The seven county-level outlines by code, tiling the city without gaps or overlaps."""
    features = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    city = next(_snap(shape(f["geometry"])) for f in features if f["properties"]["level"] == "city")
    districts: dict[str, BaseGeometry] = {}
    covered = None
    for f in features:
        code = RAW_CODES.get(f["properties"]["name"])
        if code is None:
            continue
        g = shapely.intersection(_snap(shape(f["geometry"])), city, grid_size=PRECISION)
        if covered is not None:  # overlaps stay with the district listed first
            g = shapely.difference(g, covered, grid_size=PRECISION)
        districts[code] = _polygonal(g)
        covered = g if covered is None else shapely.union(covered, g, grid_size=PRECISION)
    gaps = shapely.difference(city, covered, grid_size=PRECISION)
    _merge_slivers(districts, [p for p in shapely.get_parts(gaps) if p.geom_type == "Polygon"])
    _reassign_fragments(districts)
    xiuyu = districts.pop("xiuyu")
    meizhou = shapely.intersection(xiuyu, _snap(MEIZHOU_CUT), grid_size=PRECISION)
    beian = shapely.difference(shapely.intersection(xiuyu, _snap(BEIAN_CUT), grid_size=PRECISION),
                               meizhou, grid_size=PRECISION)
    rest = shapely.difference(xiuyu, shapely.union(meizhou, beian, grid_size=PRECISION),
                              grid_size=PRECISION)
    districts.update(xiuyu=_polygonal(rest), meizhou=_polygonal(meizhou), beian=_polygonal(beian))
    return districts
