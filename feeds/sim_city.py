"""The simulated city: who reports where and when, and which incidents happen.

Deterministic for a given seed and sequence of clock readings, and free of I/O: the simulator
feeds it the wall clock and posts what it returns.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from feeds.sim_lifecycle import LATE_FRACTION, NOTES, Step, plan
from feeds.sim_rhythm import INCIDENTS_PER_DAY, SHIFT_HOURS, draw_bursts, incident_rate, on_shift, poisson
from feeds.sim_walk import PACE_MPS, Walkers, random_points_in
from feeds.sim_world import Grid, Item, World

REPORT_PERIOD_S = 10.0  # a phone reports every 10 s
SOURCES = ("patrol", "collection", "resident", "department", "hotline")
SOURCE_WEIGHTS = (0.52, 0.20, 0.14, 0.08, 0.06)
# 荔城区's 微网格: residents report straight from WeChat.
SOURCE_WEIGHTS_LICHENG = (0.40, 0.16, 0.32, 0.07, 0.05)


@dataclass
class NewIncident:
    """An incident to post and the steps of its life after that."""

    payload: dict
    steps: list[Step]
    department: str
    checker: str | None = None  # the grid staff member who checks on site (close / reopen)

    @property
    def id(self) -> str:
        """The client-made incident id."""
        return self.payload["id"]

    def transition(self, index: int) -> dict:
        """Body of the index-th step; its key is the same on every retry, so a retry is harmless."""
        action = self.steps[index].action
        note = NOTES[action]
        if action in ("close", "reopen") and self.checker:
            note += f"（核查人 {self.checker}）"
        body = {"action": action, "note": note, "key": f"{self.id}:{index}:{action}"}
        if action == "dispatch":
            body["department"] = self.department
        return body


class City:
    """People walking on shift and incidents arriving with the city's rhythm."""

    def __init__(self, world: World, *, start: datetime, scale: float = 1.0, speed: float = 1.0,
                 seed: int = 0, late_fraction: float = LATE_FRACTION,
                 report_period_s: float = REPORT_PERIOD_S, city_start: datetime | None = None,
                 everyone_on_duty: bool = False, incidents_per_day: float = INCIDENTS_PER_DAY) -> None:
        self.world, self.scale, self.speed = world, scale, speed
        # Incidents scale with --scale and with the base daily rate (the 2018 average by default).
        self.incident_scale = scale * incidents_per_day / INCIDENTS_PER_DAY
        self.start = start
        self.city_start = city_start or start
        self.everyone_on_duty = everyone_on_duty
        self.late_fraction = late_fraction
        self.rng = random.Random(seed)
        nprng = np.random.default_rng(seed)
        self.nprng = nprng
        pace = np.array([PACE_MPS.get(role, 1.0) for role in world.staff_roles])
        self.walkers = Walkers(world.area_geoms(), pace, nprng)
        self.ids = np.array(world.staff_ids)
        grid_codes = {g.code for g in world.grids}
        self.grid_of = np.array([a if a in grid_codes else "" for a in world.staff_area])
        shifts = list(SHIFT_HOURS)
        self.shift_index = np.array([shifts.index(s) if s in SHIFT_HOURS else 0
                                     for s in world.staff_shifts])
        self.shift_names = shifts
        # More people at higher scale would need ids the city does not have: each phone reports
        # more often instead, which is the same load on every part downstream.
        self.period = report_period_s / scale
        self.next_due = start.timestamp() + nprng.uniform(0, self.period, len(self.ids))
        self.grid_cum = list(itertools.accumulate(g.weight for g in world.grids))
        self.item_cum: dict[str, list[float]] = {}
        self.bursts: list[tuple[float, Grid, Item]] = []  # (sim epoch due, grid, item)
        self.clock = start

    def sim_time(self, wall: datetime) -> datetime:
        """The simulated moment for a wall-clock moment (speed compresses time)."""
        return self.city_start + (wall - self.start) * self.speed

    def on_shift_mask(self, wall: datetime) -> np.ndarray:
        """Which people are on shift at this moment of simulated time."""
        if self.everyone_on_duty:
            return np.ones(len(self.ids), dtype=bool)
        sim = self.sim_time(wall)
        working = np.array([on_shift(name, sim) for name in self.shift_names])
        return working[self.shift_index]

    def positions(self, wall: datetime) -> list[dict]:
        """Every report due by this wall moment from people on shift (each person moves first)."""
        now = wall.timestamp()
        working = self.on_shift_mask(wall)
        out: list[dict] = []
        while True:
            due = np.flatnonzero(self.next_due <= now)
            if not len(due):
                return out
            ts = self.next_due[due]
            self.next_due[due] += self.period
            active = working[due]
            due, ts = due[active], ts[active]
            self.walkers.step(due, self.period)
            stamps = np.datetime_as_string((ts * 1000).astype("datetime64[ms]"), timezone="UTC")
            # Full precision: a point rounded across a grid edge could land outside the city.
            lats = self.walkers.lat[due].tolist()
            lons = self.walkers.lon[due].tolist()
            # Grid staff's phones know their grid, which spares the server a point lookup.
            grids = self.grid_of[due].tolist()
            out += [{"staff": s, "ts": t, "lat": la, "lon": lo, "grid": g} if g else
                    {"staff": s, "ts": t, "lat": la, "lon": lo}
                    for s, t, la, lo, g in zip(self.ids[due].tolist(), stamps.tolist(), lats, lons, grids,
                                               strict=True)]

    def incidents(self, wall: datetime) -> list[NewIncident]:
        """New incidents between the previous call and this wall moment (bursts included)."""
        sim_prev, sim_now = self.sim_time(self.clock), self.sim_time(wall)
        self.clock = wall
        sim_dt = (sim_now - sim_prev).total_seconds()
        if sim_dt <= 0:
            return []
        out = [self._incident(self._pick_grid(), None, wall)
               for _ in range(poisson(self.rng, incident_rate(sim_now, self.incident_scale) * sim_dt))]
        for burst in draw_bursts(self.rng, sim_dt, self.incident_scale):
            grid = self._pick_grid()
            item = self._pick_item(grid)
            due = sim_now.timestamp()
            self.bursts += [(due + self.rng.uniform(0, burst.spread_s), grid, item)
                            for _ in range(burst.size)]
        now_ts = sim_now.timestamp()
        ready = [b for b in self.bursts if b[0] <= now_ts]
        self.bursts = [b for b in self.bursts if b[0] > now_ts]
        out += [self._incident(grid, item, wall) for _due, grid, item in sorted(ready, key=lambda b: b[0])]
        return out

    def _pick_grid(self) -> Grid:
        pick = self.rng.random() * self.grid_cum[-1]
        return self.world.grids[bisect.bisect_right(self.grid_cum, pick)]

    def _pick_item(self, grid: Grid) -> Item:
        cum = self.item_cum.get(grid.district)
        if cum is None:
            cum = self.item_cum[grid.district] = list(itertools.accumulate(
                self.world.item_weights(grid.district)))
        return self.world.items[bisect.bisect_right(cum, self.rng.random() * cum[-1])]

    def _incident(self, grid: Grid, item: Item | None, wall: datetime) -> NewIncident:
        item = item or self._pick_item(grid)
        rng = self.rng
        lon, lat = random_points_in(np.array([self.world.areas[grid.code]], dtype=object), self.nprng)
        weights = SOURCE_WEIGHTS_LICHENG if grid.district == "licheng" else SOURCE_WEIGHTS
        source = rng.choices(SOURCES, weights)[0]
        payload = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "reported_at": wall.astimezone(UTC).isoformat(timespec="milliseconds"),
            "lat": float(lat[0]),
            "lon": float(lon[0]),
            "grid": grid.code,
            "business_item": item.code,
            "source": source,
            "severity": draw_severity(rng, item.severity),
            "description": f"{item.name}（{grid.name}）",
        }
        people = self.world.staff_by_grid.get(grid.code)
        if source in ("patrol", "collection") and people:
            payload["reporter"] = rng.choice(people)
        checker = rng.choice(people) if people else None
        return NewIncident(payload, plan(rng, item.limits, self.late_fraction), item.department, checker)


def draw_severity(rng: random.Random, default: int) -> int:
    """The item's usual severity, sometimes one off; critical (4) stays rare."""
    roll = rng.random()
    severity = default + (1 if roll < 0.08 else -1 if roll > 0.9 else 0)
    severity = min(max(severity, 1), 4)
    if severity == 4 and rng.random() > 0.25:
        severity = 3
    return severity
