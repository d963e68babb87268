"""The simulator's walkers: they move smoothly and never leave the polygon they patrol."""

import numpy as np
import shapely
from shapely.geometry import Polygon

from feeds.sim_walk import M_PER_DEG_LAT, Walkers, random_points_in

# A concave L-shaped grid about 400 m across and a thin street-shaped one, near Putian.
L_SHAPE = Polygon([(119.000, 25.430), (119.004, 25.430), (119.004, 25.4315), (119.0015, 25.4315),
                   (119.0015, 25.434), (119.000, 25.434)])
STRIP = Polygon([(119.010, 25.430), (119.0103, 25.430), (119.0103, 25.436), (119.010, 25.436)])


def _walkers(n: int, seed: int = 1) -> Walkers:
    geoms = np.array([L_SHAPE if i % 2 else STRIP for i in range(n)], dtype=object)
    return Walkers(geoms, np.full(n, 2.5), np.random.default_rng(seed))


def test_random_points_fall_inside_each_polygon():
    geoms = np.array([L_SHAPE, STRIP] * 50, dtype=object)
    lon, lat = random_points_in(geoms, np.random.default_rng(3))
    assert shapely.contains_xy(geoms, lon, lat).all()


def test_walk_stays_inside_the_polygon_over_many_steps():
    walkers = _walkers(60)
    everyone = np.arange(len(walkers))
    for _ in range(400):
        walkers.step(everyone, 10.0)
        assert shapely.contains_xy(walkers.geoms, walkers.lon, walkers.lat).all()


def test_steps_are_short_and_walkers_do_move():
    walkers = _walkers(40)
    start_lon, start_lat = walkers.lon.copy(), walkers.lat.copy()
    everyone = np.arange(len(walkers))
    moved = np.zeros(len(walkers))
    for _ in range(30):
        lon, lat = walkers.lon.copy(), walkers.lat.copy()
        walkers.step(everyone, 10.0)
        metres = np.hypot((walkers.lat - lat) * M_PER_DEG_LAT,
                          (walkers.lon - lon) * M_PER_DEG_LAT * np.cos(np.radians(lat)))
        # 2.5 m/s for 10 s, at most 1.4 times the pace: never a jump across the grid.
        assert metres.max() <= 2.5 * 10 * 1.4 + 1e-6
        moved += metres
    assert (moved > 0).all()
    assert not np.allclose(walkers.lon, start_lon) or not np.allclose(walkers.lat, start_lat)


def test_only_the_given_walkers_move():
    walkers = _walkers(10)
    lon = walkers.lon.copy()
    walkers.step(np.array([0, 3]), 10.0)
    still = np.setdiff1d(np.arange(10), [0, 3])
    assert np.array_equal(walkers.lon[still], lon[still])


def test_same_seed_same_walk():
    a, b = _walkers(20, seed=7), _walkers(20, seed=7)
    for w in (a, b):
        for _ in range(20):
            w.step(np.arange(20), 10.0)
    assert np.array_equal(a.lon, b.lon) and np.array_equal(a.lat, b.lat)
