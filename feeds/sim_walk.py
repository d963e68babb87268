"""Field staff walking their areas: a smooth random walk that never leaves its polygon.

Vectorised over everyone with numpy and shapely's array predicates, so 100,000 walkers cost a few
milliseconds a step. Coordinates are (lon, lat) degrees; distances are metres.
"""

from __future__ import annotations

import numpy as np
import shapely

M_PER_DEG_LAT = 111_320.0
TURN_SD = 0.45  # radians of heading noise per 10 s: wandering, not zig-zagging
# Walking pace by role: inspectors walk, information managers stop at doors, officers ride.
PACE_MPS = {"patrol": 1.2, "info_manager": 0.8, "enforcement": 2.5}


def random_points_in(geoms: np.ndarray, rng: np.random.Generator,
                     rounds: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """One uniformly random point inside each geometry (rejection sampling in the bounds)."""
    bounds = shapely.bounds(geoms)
    lon = np.empty(len(geoms))
    lat = np.empty(len(geoms))
    todo = np.arange(len(geoms))
    for _ in range(rounds):
        if not len(todo):
            break
        b = bounds[todo]
        x = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        y = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[todo], x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    if len(todo):  # slivers: a point guaranteed inside
        pts = shapely.point_on_surface(geoms[todo])
        lon[todo], lat[todo] = shapely.get_x(pts), shapely.get_y(pts)
    return lon, lat


class Walkers:
    """Positions and headings of every walker, each tied to the polygon it patrols."""

    def __init__(self, geoms: np.ndarray, pace_mps: np.ndarray, rng: np.random.Generator) -> None:
        self.geoms = geoms
        shapely.prepare(self.geoms)
        self.pace = pace_mps
        self.rng = rng
        self.lon, self.lat = random_points_in(geoms, rng)
        self.heading = rng.uniform(0, 2 * np.pi, len(geoms))

    def __len__(self) -> int:
        return len(self.geoms)

    def step(self, idx: np.ndarray, dt: float) -> None:
        """Move the walkers at these indices by dt seconds; one that would leave turns back."""
        if not len(idx):
            return
        rng = self.rng
        heading = self.heading[idx] + rng.normal(0.0, TURN_SD * np.sqrt(dt / 10.0), len(idx))
        dist = self.pace[idx] * dt * rng.uniform(0.4, 1.4, len(idx))
        lat = self.lat[idx]
        new_lat = lat + dist * np.cos(heading) / M_PER_DEG_LAT
        new_lon = self.lon[idx] + dist * np.sin(heading) / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
        inside = shapely.contains_xy(self.geoms[idx], new_lon, new_lat)
        # Blocked: stay put this step and turn roughly around, as someone at a boundary would.
        heading = np.where(inside, heading, heading + np.pi + rng.normal(0.0, 0.6, len(idx)))
        self.heading[idx] = np.mod(heading, 2 * np.pi)
        self.lon[idx] = np.where(inside, new_lon, self.lon[idx])
        self.lat[idx] = np.where(inside, new_lat, lat)
