"""Deterministic subdivision of a polygon into child polygons that tile it exactly.

Two ways, both built from Voronoi cells clipped to the parent, so the children cover the parent
with no gap and no overlap:
- `by_seeds`: fixed seeds (real town centres) with target areas: a weighted diagram evaluated on a
  jittered mesh of sample cells, which gives ragged, natural-looking borders;
- `by_kmeans`: k clusters of the same kind of mesh, for villages inside a town;
- `by_centres`: plain Voronoi cells of k-means centres, straight-edged, for grids inside a village.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.base import BaseGeometry

from dashboard.geo.model import DIGITS, PRECISION

KM_PER_DEG = 111.2
COS_LAT = 0.906  # cos(25°): Putian's longitude degrees are this much shorter than latitude ones


def _xy(points: np.ndarray) -> np.ndarray:
    """Lon/lat to a local plane where distances are isotropic."""
    return points * np.array([COS_LAT, 1.0])


def sample_points(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """About n jittered-grid points inside geom, and at least one in each of its parts."""
    x0, y0, x1, y1 = geom.bounds
    step = max(np.sqrt(geom.area / max(n, 1)), PRECISION * 100)
    xs, ys = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
    pts = np.column_stack([xs.ravel(), ys.ravel()])
    pts = pts + rng.uniform(-0.35, 0.35, pts.shape) * step
    shapely.prepare(geom)
    pts = pts[shapely.contains_xy(geom, pts[:, 0], pts[:, 1])]
    extra = []
    for part in shapely.get_parts(geom):
        if not shapely.contains_xy(part, pts[:, 0], pts[:, 1]).any():
            p = part.representative_point()
            extra.append((p.x, p.y))
    if extra:
        pts = np.vstack([pts, np.array(extra)]) if len(pts) else np.array(extra)
    return np.round(pts, DIGITS)


def clipped_cells(points: np.ndarray, geom: BaseGeometry) -> np.ndarray:
    """Voronoi cells of the points, in the points' order, clipped to geom (snapped to the grid)."""
    if len(points) == 1:
        return np.array([geom], dtype=object)
    x0, y0, x1, y1 = geom.bounds
    frame = shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(points), extend_to=frame,
                                                       ordered=True))
    cells = shapely.set_precision(cells, PRECISION, mode="pointwise")
    shapely.prepare(geom)
    inside = shapely.contains_properly(geom, cells)
    out = cells.copy()
    edge = ~inside
    out[edge] = shapely.intersection(cells[edge], geom, grid_size=PRECISION)
    return out


def union_by_label(cells: np.ndarray, labels: np.ndarray, k: int) -> list[BaseGeometry]:
    """The union of the cells of each label 0..k-1."""
    out = []
    for i in range(k):
        parts = cells[labels == i]
        out.append(merge(parts))
    return out


def merge(parts: np.ndarray | list[BaseGeometry]) -> BaseGeometry:
    """Union of polygons that tile without overlaps (fast coverage union, full overlay if needed)."""
    total = float(shapely.area(np.asarray(parts, dtype=object)).sum())
    try:
        merged = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:  # edges not noded alike: the full overlay copes
        merged = None
    # Coverage union trusts its input; on edges that do not match exactly it can return a wrong
    # but valid shape, which its area gives away.
    if merged is None or not merged.is_valid or abs(merged.area - total) > 1e-9 * total:
        merged = shapely.union_all(parts, grid_size=PRECISION)
    return _polygons_of(merged)


def _ensure_nonempty(labels: np.ndarray, d2: np.ndarray, k: int) -> np.ndarray:
    """Give every empty label the sample nearest its seed (taken from a label that can spare one)."""
    for i in range(k):
        if (labels == i).any():
            continue
        for j in np.argsort(d2[:, i]):
            if (labels == labels[j]).sum() > 1:
                labels[j] = i
                break
    return labels


def weighted_labels(pts: np.ndarray, areas: np.ndarray, seeds: np.ndarray, targets: np.ndarray,
                    rounds: int = 40) -> np.ndarray:
    """Label samples by distance ÷ weight, tuning the weights until each seed's area ≈ its target.

    A multiplicatively weighted diagram keeps every seed inside its own cell, so a small urban
    street stays where it really is however large its rural neighbours grow.
    """
    d2 = ((_xy(pts)[:, None, :] - _xy(seeds)[None, :, :]) ** 2).sum(axis=2)
    dist = np.sqrt(d2)
    goal = targets / targets.sum() * areas.sum()
    weights = np.sqrt(goal / goal.mean())
    for _ in range(rounds):
        labels = np.argmin(dist / weights, axis=1)
        got = np.bincount(labels, weights=areas, minlength=len(seeds))
        weights *= np.clip(np.sqrt(goal / np.maximum(got, 1e-15)), 0.7, 1.4) ** 0.5
    labels = np.argmin(dist / weights, axis=1)
    return _ensure_nonempty(labels, d2, len(seeds))


def kmeans(pts: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 12) -> np.ndarray:
    """Centres of k clusters of the points (deterministic for a given generator)."""
    xy = _xy(pts)
    centres = np.empty((k, 2))
    centres[0] = xy[rng.integers(len(xy))]
    d2 = ((xy - centres[0]) ** 2).sum(axis=1)
    for i in range(1, k):  # k-means++ start
        centres[i] = xy[rng.choice(len(xy), p=d2 / d2.sum())] if d2.sum() > 0 else xy[0]
        d2 = np.minimum(d2, ((xy - centres[i]) ** 2).sum(axis=1))
    for _ in range(rounds):
        labels = ((xy[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
        counts = np.bincount(labels, minlength=k)
        filled = counts > 0
        for axis in (0, 1):
            sums = np.bincount(labels, weights=xy[:, axis], minlength=k)
            centres[filled, axis] = sums[filled] / counts[filled]
    return centres / np.array([COS_LAT, 1.0])


def by_seeds(geom: BaseGeometry, seeds: np.ndarray, targets: np.ndarray, samples: int,
             rng: np.random.Generator) -> list[BaseGeometry]:
    """Children around fixed seeds with areas near the targets, tiling geom."""
    pts = sample_points(geom, samples, rng)
    seeds = seeds.copy()
    outside = ~shapely.contains_xy(geom, seeds[:, 0], seeds[:, 1])
    for i in np.flatnonzero(outside):  # a seed just across the border moves to the nearest sample
        seeds[i] = pts[((_xy(pts) - _xy(seeds[i])) ** 2).sum(axis=1).argmin()]
    cells = clipped_cells(pts, geom)
    labels = weighted_labels(pts, shapely.area(cells), seeds, targets)
    return _connect(union_by_label(cells, labels, len(seeds)), seeds)


def _connect(children: list[BaseGeometry], seeds: np.ndarray | None = None) -> list[BaseGeometry]:
    """Keep each child in one piece where the land allows: the piece holding its seed (or its
    largest) stays; every other piece goes to the neighbour sharing the longest border with it,
    or, if it is an island, to the child whose main piece lies nearest."""
    homes: list[BaseGeometry] = []
    strays: list[tuple[int, BaseGeometry]] = []
    for i, child in enumerate(children):
        parts = list(shapely.get_parts(child))
        if seeds is None:
            home = max(range(len(parts)), key=lambda j: parts[j].area)
        else:
            seed = shapely.Point(seeds[i])
            home = min(range(len(parts)), key=lambda j: parts[j].distance(seed))
        homes.append(parts[home])
        strays.extend((i, p) for j, p in enumerate(parts) if j != home)
    if not strays:
        return list(children)
    pieces: list[list[BaseGeometry]] = [[h] for h in homes]
    for owner, part in strays:
        shared = [part.boundary.intersection(c.boundary).length if n != owner else 0.0
                  for n, c in enumerate(children)]
        best = int(np.argmax(shared))
        if shared[best] == 0:
            best = min(range(len(homes)), key=lambda n: homes[n].distance(part))
        pieces[best].append(part)
    return [merge(p) for p in pieces]


def by_kmeans(geom: BaseGeometry, k: int, samples: int,
              rng: np.random.Generator) -> list[BaseGeometry]:
    """k children of roughly equal area with ragged borders, tiling geom."""
    if k == 1:
        return [geom]
    pts = sample_points(geom, max(samples, 4 * k), rng)
    centres = kmeans(pts, k, rng)
    cells = clipped_cells(pts, geom)
    d2 = ((_xy(pts)[:, None, :] - _xy(centres)[None]) ** 2).sum(axis=2)
    labels = _ensure_nonempty(d2.argmin(axis=1), d2, k)
    return _connect(union_by_label(cells, labels, k))


def by_centres(geom: BaseGeometry, k: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """k straight-edged children (Voronoi cells of k-means centres), tiling geom."""
    if k == 1:
        return [geom]
    pts = sample_points(geom, 12 * k, rng)
    centres = kmeans(pts, k, rng)
    # A centre can fall outside a bent polygon: use its cluster's sample nearest to it instead.
    outside = ~shapely.contains_xy(geom, centres[:, 0], centres[:, 1])
    for i in np.flatnonzero(outside):
        centres[i] = pts[((_xy(pts) - _xy(centres[i])) ** 2).sum(axis=1).argmin()]
    centres = np.unique(np.round(centres, DIGITS), axis=0)
    cells = clipped_cells(centres, geom) if len(centres) == k else []
    polys = [_polygons_of(c) for c in cells]
    if len(polys) != k or any(p is None for p in polys):
        return by_kmeans(geom, k, 12 * k, rng)
    return _connect(polys)


def _polygons_of(geom: BaseGeometry) -> BaseGeometry | None:
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)
