"""The city's clock for the simulator: shifts, the day/hour rhythm of incidents, and bursts.

Everything here is pure: times in, numbers out, randomness from a caller-owned generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from dashboard.core.timeutil import LOCAL_TZ

# 2018: 576,647 incidents collected in the year.
INCIDENTS_PER_DAY = 576_647 / 365

# Local-hour shape of incident reports: quiet at night, a morning and an afternoon peak
# (patrols and door-to-door collection run in office hours).
_HOUR_SHAPE = (0.25, 0.18, 0.14, 0.12, 0.14, 0.25, 0.50, 0.95, 1.55, 1.85, 1.90, 1.65,
               1.10, 1.20, 1.70, 1.85, 1.80, 1.50, 1.05, 0.85, 0.70, 0.55, 0.42, 0.32)
HOUR_WEIGHTS = tuple(w * 24 / sum(_HOUR_SHAPE) for w in _HOUR_SHAPE)  # mean 1 over a day

# Monday..Sunday: fewer reports at weekends.
_DAY_SHAPE = (1.08, 1.07, 1.06, 1.06, 1.05, 0.88, 0.80)
DAY_WEIGHTS = tuple(w * 7 / sum(_DAY_SHAPE) for w in _DAY_SHAPE)  # mean 1 over a week

# Shifts in local hours [start, end); a shift whose end is 24 runs to midnight.
SHIFT_HOURS = {"day": (8, 16), "evening": (16, 24), "night": (0, 8)}

# Bursts: a cluster of reports in one grid (a market inspection, a flood, a festival).
BURSTS_PER_DAY = 6.0


def local_hour(moment: datetime) -> float:
    """Hour of the local (Asia/Shanghai) day as a fraction, 0 <= h < 24."""
    local = moment.astimezone(LOCAL_TZ)
    return local.hour + local.minute / 60 + local.second / 3600


def on_shift(shift: str, moment: datetime) -> bool:
    """Whether someone on this shift (day/evening/night; unknown means day) works now."""
    start, end = SHIFT_HOURS.get(shift, SHIFT_HOURS["day"])
    return start <= local_hour(moment) < end


def rhythm(moment: datetime) -> float:
    """Relative incident rate at this moment (1.0 is the yearly average)."""
    local = moment.astimezone(LOCAL_TZ)
    return DAY_WEIGHTS[local.weekday()] * HOUR_WEIGHTS[local.hour]


def incident_rate(moment: datetime, scale: float) -> float:
    """Expected new incidents per simulated second at this moment, bursts excluded."""
    return scale * INCIDENTS_PER_DAY / 86_400 * rhythm(moment)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, mean ** 0.5)))
    limit, k, p = 2.718281828459045 ** -mean, 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(frozen=True)
class Burst:
    """A cluster of reports: how many, over how many simulated seconds."""

    size: int
    spread_s: float


def draw_bursts(rng: random.Random, sim_seconds: float, scale: float) -> list[Burst]:
    """The bursts starting within this many simulated seconds."""
    count = poisson(rng, BURSTS_PER_DAY * scale * sim_seconds / 86_400)
    return [Burst(size=8 + min(int(rng.expovariate(1 / 10)), 60), spread_s=rng.uniform(300, 1800))
            for _ in range(count)]
