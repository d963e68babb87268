"""The demo world's unit tree: 1 city, 7 county-level units, 54 towns, 971 villages, 2,408 grids.

Towns sit around their real centres; villages and grids are a deterministic subdivision of each
town (k-means clusters of a sample mesh). Streets (街道) are urban: their communities are small and
hold several grids each; rural villages hold one or two. Residents are split by the same weights,
with largest remainders, so every parent holds exactly the sum of its children.
"""

from __future__ import annotations

import zlib

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from dashboard.demo.geo_clean import county_outlines
from dashboard.demo.places import (
    CITY_CODE,
    CITY_NAME,
    CITY_NAME_EN,
    CITY_POPULATION,
    DISTRICTS,
    TOWNS,
    Town,
)
from dashboard.demo.places_villages import village_names
from dashboard.geo.model import UnitSpec
from dashboard.geo.names import english_name, pinyin_code, strip_suffix
from dashboard.geo.partition import by_centres, by_kmeans, by_seeds, merge

GRID_TOTAL = 2408
# Grids per village: rural villages 1-2, communities more (urban cores are patrolled more densely).
VILLAGE_GRIDS = (1, 2)
COMMUNITY_GRIDS = (2, 9)
# The city proper: the districts holding the old town of Putian and Hanjiang.
URBAN_DISTRICTS = ("chengxiang", "licheng", "hanjiang")
# Residents of a community relative to a village of the same town.
COMMUNITY_WEIGHT = 2.5


def _rng(code: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(code.encode()))


def split_total(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights with largest remainders (sums exactly to total)."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * total
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return [int(v) for v in out]


def _order(geoms: list[BaseGeometry]) -> list[int]:
    """Reading order of sibling polygons: north to south, then west to east (in ~2 km bands)."""
    pts = [g.representative_point() for g in geoms]
    return sorted(range(len(geoms)), key=lambda i: (-round(pts[i].y * 50), pts[i].x))


def _village_kinds(town: Town, geoms: list[BaseGeometry]) -> list[str]:
    """社区 for every unit of a street; for a town only the unit holding its seat."""
    if town.street:
        return ["社区"] * len(geoms)
    seat = shapely.Point(town.lon, town.lat)
    nearest = min(range(len(geoms)), key=lambda i: geoms[i].distance(seat))
    return ["社区" if i == nearest else "村" for i in range(len(geoms))]


def _grid_counts(pops: list[int], community: list[bool], total: int) -> list[int]:
    """Grids per village: proportional to residents within each kind's bounds, summing to total."""
    lo = np.array([COMMUNITY_GRIDS[0] if c else VILLAGE_GRIDS[0] for c in community])
    hi = np.array([COMMUNITY_GRIDS[1] if c else VILLAGE_GRIDS[1] for c in community])
    p = np.asarray(pops, dtype=float)
    a, b = 1e-9, 1.0
    for _ in range(100):  # bisect residents-per-grid so the clamped counts hit the total
        mid = (a + b) / 2
        if np.clip(np.floor(p * mid), lo, hi).sum() > total:
            b = mid
        else:
            a = mid
    counts = np.clip(np.floor(p * a), lo, hi)
    room = np.where(counts < hi, p * a - counts, -np.inf)
    for i in np.argsort(-room, kind="stable")[: total - int(counts.sum())]:
        counts[i] += 1
    return [int(c) for c in counts]


def build_units() -> list[UnitSpec]:
    """Build the whole tree, parents before children (see module docstring)."""
    outlines = county_outlines()
    city = merge(list(outlines.values()))
    units = [UnitSpec(CITY_CODE, CITY_NAME, CITY_NAME_EN, "city", None, None, None, None, city,
                      CITY_POPULATION, False, 0)]
    district_pops = split_total(CITY_POPULATION, [d.population_k for d in DISTRICTS])
    villages: list[tuple[UnitSpec, bool]] = []
    for d_index, (district, d_pop) in enumerate(zip(DISTRICTS, district_pops, strict=True)):
        geom = outlines[district.code]
        units.append(UnitSpec(district.code, district.name, district.name_en, "district", CITY_CODE,
                              None, None, None, geom, d_pop, district.code in URBAN_DISTRICTS, d_index))
        towns = [t for t in TOWNS if t.district == district.code]
        seeds = np.array([(t.lon, t.lat) for t in towns])
        targets = np.array([t.area_km2 for t in towns], dtype=float)
        town_geoms = by_seeds(geom, seeds, targets, 250 * len(towns), _rng(district.code))
        town_pops = split_total(d_pop, [t.population_k for t in towns])
        for t_index, (town, t_geom, t_pop) in enumerate(zip(towns, town_geoms, town_pops, strict=True)):
            t_code = f"{district.code}-{pinyin_code(town.stem)}"
            units.append(UnitSpec(t_code, town.name, english_name(town.name), "town", district.code,
                                  district.code, None, None, t_geom, t_pop, town.street, t_index))
            villages.extend(_villages(town, t_code, district.code, t_geom, t_pop))
    units.extend(v for v, _ in villages)
    counts = _grid_counts([v.population for v, _ in villages], [c for _, c in villages], GRID_TOTAL)
    for (village, _), n in zip(villages, counts, strict=True):
        units.extend(_grids(village, n))
    _unite_upwards(units)
    return units


def _unite_upwards(units: list[UnitSpec]) -> None:
    """Make every parent exactly the union of its children (clipping leaves ~1e-12 deg² seams)."""
    children: dict[str, list[BaseGeometry]] = {}
    for u in reversed(units):  # children come after parents, so each child is final when used
        if u.code in children:
            u.geometry = merge(children.pop(u.code))
        if u.parent_code is not None:
            children.setdefault(u.parent_code, []).append(u.geometry)
    assert not children, f"units without parent: {sorted(children)[:3]}"


def _villages(town: Town, t_code: str, d_code: str, geom: BaseGeometry,
              pop: int) -> list[tuple[UnitSpec, bool]]:
    geoms = by_kmeans(geom, town.villages, 30 * town.villages, _rng(t_code))
    geoms = [geoms[i] for i in _order(geoms)]
    kinds = _village_kinds(town, geoms)
    names = village_names(town.name, kinds)
    pops = split_total(pop, [COMMUNITY_WEIGHT if k == "社区" else 1.0 for k in kinds])
    out = []
    for i, (g, name, kind, p) in enumerate(zip(geoms, names, kinds, pops, strict=True)):
        code = f"{t_code}-{pinyin_code(strip_suffix(name))}"
        urban = town.street or kind == "社区"
        out.append((UnitSpec(code, name, english_name(name), "village", t_code, d_code, t_code, None,
                             g, p, urban, i), kind == "社区"))
    return out


def _grids(village: UnitSpec, n: int) -> list[UnitSpec]:
    geoms = by_centres(village.geometry, n, _rng(village.code))
    geoms = [geoms[i] for i in _order(geoms)]
    pops = split_total(village.population, [1.0] * n)
    return [UnitSpec(f"{village.code}-g{i + 1:02d}", f"{village.name}第{i + 1}网格",
                     f"{village.name_en} Grid {i + 1}", "grid", village.code, village.district_code,
                     village.town_code, village.code, g, p, village.urban, i)
            for i, (g, p) in enumerate(zip(geoms, pops, strict=True))]
