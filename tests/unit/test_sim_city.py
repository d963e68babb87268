"""The simulated city: shifts decide who reports, cadence and scale set the load, a seed repeats it."""

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import box

from dashboard.core.timeutil import LOCAL_TZ
from feeds.sim_city import City, draw_severity
from feeds.sim_lifecycle import Limits
from feeds.sim_world import Grid, Item, World, restrict

GRIDS = {
    "licheng-a-v-g01": box(119.000, 25.430, 119.004, 25.434),
    "licheng-a-v-g02": box(119.004, 25.430, 119.008, 25.434),
    "xianyou-b-w-g01": box(118.700, 25.360, 118.706, 25.366),
}
TOWN = "xianyou-b"
TOWN_SHAPE = box(118.690, 25.350, 118.720, 25.380)
LIMITS = Limits(30, 60, 2880, 1440)


def _world() -> World:
    ids, roles, shifts, areas = [], [], [], []
    for i in range(90):
        ids.append(f"S{i:05d}")
        roles.append(("patrol", "info_manager", "enforcement")[i % 3])
        shifts.append(("day", "day", "evening", "night")[i % 4])
        areas.append(TOWN if i % 3 == 2 else list(GRIDS)[i % 3 if i % 3 < 2 else 0])
    by_grid: dict[str, list[str]] = {}
    for sid, area in zip(ids, areas, strict=True):
        if area in GRIDS:
            by_grid.setdefault(area, []).append(sid)
    items = [Item("general-1", "占道经营", "city_mgmt", "general", None, 2, LIMITS),
             Item("safety-1", "安全生产隐患", "emergency", "safety", "xianyou", 3, LIMITS),
             Item("food-1", "食品安全", "market", "food", "hanjiang", 2, LIMITS)]
    return World(staff_ids=ids, staff_roles=roles, staff_shifts=shifts, staff_area=areas,
                 areas={**GRIDS, TOWN: TOWN_SHAPE},
                 grids=[Grid(code, code, code.split("-")[0], 1000.0) for code in GRIDS],
                 items=items, staff_by_grid=by_grid)


AT_10 = datetime(2026, 11, 24, 10, 0, tzinfo=LOCAL_TZ)  # a Tuesday morning


def _run(city: City, start: datetime, seconds: int) -> tuple[list[dict], list]:
    positions, incidents = [], []
    for s in range(1, seconds + 1):
        now = start + timedelta(seconds=s)
        positions += city.positions(now)
        incidents += city.incidents(now)
    return positions, incidents


def test_each_person_on_shift_reports_every_ten_seconds_from_inside_their_area():
    world = _world()
    city = City(world, start=AT_10, seed=1)
    positions, _ = _run(city, AT_10, 60)
    per_person = Counter(p["staff"] for p in positions)
    day_staff = {sid for sid, shift in zip(world.staff_ids, world.staff_shifts, strict=True)
                 if shift == "day"}
    assert set(per_person) == day_staff  # evening and night shifts are off at 10:00
    assert set(per_person.values()) <= {5, 6, 7}
    area = dict(zip(world.staff_ids, world.staff_area, strict=True))
    for p in positions:
        assert shapely.contains_xy(world.areas[area[p["staff"]]], p["lon"], p["lat"])
        # Grid staff name their grid; officers covering a town leave it to the server.
        assert p.get("grid") == (area[p["staff"]] if area[p["staff"]] in GRIDS else None)
    stamps = sorted(datetime.fromisoformat(p["ts"]) for p in positions)
    assert AT_10 < stamps[0] and stamps[-1] <= AT_10 + timedelta(seconds=60)


def test_shift_change_swaps_who_reports():
    world = _world()
    evening = AT_10.replace(hour=20)
    positions, _ = _run(City(world, start=evening, seed=1), evening, 30)
    shifts = dict(zip(world.staff_ids, world.staff_shifts, strict=True))
    assert {shifts[p["staff"]] for p in positions} == {"evening"}


def test_scale_multiplies_positions_and_incidents():
    world = _world()
    one, _ = _run(City(world, start=AT_10, seed=2), AT_10, 60)
    five, _ = _run(City(world, start=AT_10, seed=2, scale=5), AT_10, 60)
    assert 4.5 < len(five) / len(one) < 5.5
    # Incidents: over a simulated week at 1x versus 5x (speed compresses it into minutes).
    slow = City(world, start=AT_10, seed=3, speed=3600)
    fast = City(world, start=AT_10, seed=3, speed=3600, scale=5)
    n_slow = sum(len(slow.incidents(AT_10 + timedelta(seconds=s))) for s in range(1, 169))
    n_fast = sum(len(fast.incidents(AT_10 + timedelta(seconds=s))) for s in range(1, 169))
    assert 7 * 1580 * 0.8 < n_slow < 7 * 1580 * 1.3
    assert 4 < n_fast / n_slow < 6


def test_same_seed_same_city():
    a = _run(City(_world(), start=AT_10, seed=42, speed=600), AT_10, 40)
    b = _run(City(_world(), start=AT_10, seed=42, speed=600), AT_10, 40)
    c = _run(City(_world(), start=AT_10, seed=43, speed=600), AT_10, 40)
    assert a[0] == b[0] and a[0] != c[0]
    assert [i.payload for i in a[1]] == [i.payload for i in b[1]]
    assert [i.steps for i in a[1]] == [i.steps for i in b[1]]
    assert [i.payload["id"] for i in a[1]] != [i.payload["id"] for i in c[1]]


def test_incidents_are_well_formed_and_weighted_by_home_line():
    world = _world()
    city = City(world, start=AT_10, seed=5, speed=3600)
    _, incidents = _run(city, AT_10, 120)
    assert len(incidents) > 1000
    for inc in incidents:
        p = inc.payload
        assert shapely.contains_xy(GRIDS[p["grid"]], p["lon"], p["lat"])
        assert p["business_item"] in {"general-1", "safety-1", "food-1"}
        assert 1 <= p["severity"] <= 4
        if "reporter" in p:
            assert p["reporter"] in world.staff_by_grid[p["grid"]]
        if inc.checker is not None:  # the on-site check is done by someone of that grid
            assert inc.checker in world.staff_by_grid[p["grid"]]
            last = inc.transition(len(inc.steps) - 1)
            assert inc.checker in last["note"] or last["action"] == "cancel"
        first = inc.transition(0)
        assert first["key"] == f"{p['id']}:0:{inc.steps[0].action}" and len(first["key"]) <= 64
        if first["action"] == "dispatch":
            assert first["department"] == next(i.department for i in world.items
                                               if i.code == p["business_item"])
    by_district: dict[str, Counter] = {"xianyou": Counter(), "licheng": Counter()}
    for i in incidents:
        by_district[i.payload["grid"].split("-")[0]][i.payload["business_item"]] += 1
    in_xianyou, in_licheng = by_district["xianyou"], by_district["licheng"]
    # 仙游's work-safety line is strong at home, weak in 荔城.
    assert in_xianyou["safety-1"] > in_xianyou["food-1"]
    assert in_licheng["safety-1"] < in_licheng["general-1"]


def test_high_severity_is_rare():
    import random

    rng = random.Random(9)
    draws = Counter(draw_severity(rng, 3) for _ in range(20_000))
    assert draws[4] / 20_000 < 0.03 and draws[3] > draws[2] > draws[4]


def test_restrict_keeps_only_the_unit_subtree():
    part = restrict(_world(), "xianyou", "putian")
    assert [g.code for g in part.grids] == ["xianyou-b-w-g01"]
    assert set(part.staff_area) == {TOWN}
    assert len(np.unique(part.staff_ids)) == len(part.staff_ids)
