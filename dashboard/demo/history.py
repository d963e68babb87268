"""Demo history: who reports what, where and when, with Putian's rhythms.

`World` holds the grids and the catalogue as numpy arrays; `draw_incidents` samples incident
attributes for given report times. The 2018 plan (`plan_2018`) fixes the published totals
exactly: 576,647 collected, 549,565 closed, the rest cancelled or (a handful) still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from dashboard.core.timeutil import LOCAL_TZ

COLLECTED_2018 = 576_647
CLOSED_2018 = 549_565
LEGACY_OPEN_2018 = 60  # long-running cases still in the departments' hands
SOURCES = np.array(["patrol", "collection", "resident", "department", "hotline"], dtype=object)
# How each source words its report (place, then the business item); the last is a WeChat report.
DESCRIPTIONS = np.array(["网格员巡查发现：{}，{}", "入户信息采集发现：{}，{}", "群众反映：{}，{}",
                         "部门推送：{}，{}", "12345热线转办：{}，{}", "群众通过微网格（微信）反映：{}，{}"],
                        dtype=object)
WECHAT = len(DESCRIPTIONS) - 1
# P(source) by line: patrol, collection, resident, department, hotline.
_SOURCE_P = np.array([0.48, 0.22, 0.14, 0.08, 0.08])
_SOURCE_P_BY_LINE = {
    "weiwangge": np.array([0.15, 0.08, 0.67, 0.03, 0.07]),  # residents report by WeChat
    "teshu": np.array([0.52, 0.40, 0.0, 0.08, 0.0]),  # visits are made, not reported
    "wangtiao": np.array([0.35, 0.25, 0.25, 0.05, 0.10]),
}
# Relative weight of each business line city-wide; a county's own practice is boosted there.
LINE_BASE = {"zonghe": 0.50, "anquan": 0.09, "wangtiao": 0.09, "weiwangge": 0.06,
             "shiyao": 0.08, "teshu": 0.04, "lvyou": 0.02, "yifeng": 0.04}
ORIGIN_BOOST = 4.0
# Hourly rhythm (local time): morning and afternoon patrol peaks, quiet nights.
HOUR_W = np.array([0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.40, 0.90, 1.60, 2.10, 2.20, 1.90,
                   1.00, 1.10, 1.80, 2.00, 1.90, 1.40, 0.90, 0.80, 0.70, 0.55, 0.40, 0.25])
WEEKDAY_W = np.array([1.08, 1.06, 1.05, 1.04, 1.02, 0.80, 0.74])
MONTH_W = np.array([0.95, 0.72, 1.02, 1.03, 1.08, 1.08, 1.10, 1.10, 1.02, 0.93, 1.00, 0.98])
# 2018 public holidays (Spring Festival, National Day, ...): fewer patrols, fewer reports.
HOLIDAYS_2018 = {date(2018, 1, 1): 0.7, **{date(2018, 2, d): 0.45 for d in range(15, 22)},
                 **{date(2018, 4, d): 0.8 for d in range(5, 8)}, date(2018, 5, 1): 0.7,
                 date(2018, 6, 18): 0.8, date(2018, 9, 24): 0.8,
                 **{date(2018, 10, d): 0.6 for d in range(1, 8)}}


@dataclass
class World:
    """Grids and catalogue as arrays, indexable by grid and item number."""

    grid_codes: np.ndarray
    grid_names: np.ndarray
    village_codes: np.ndarray
    town_codes: np.ndarray
    district_codes: np.ndarray
    district_index: np.ndarray  # per grid, index into `districts`
    districts: list[str]
    grid_weight: np.ndarray  # relative incident rate of each grid
    points_lat: np.ndarray  # (grids, K) points inside each grid
    points_lon: np.ndarray
    reporters: np.ndarray  # (grids, 2) staff ids of the grid's manager/inspector
    item_codes: np.ndarray
    item_names: np.ndarray
    item_depts: np.ndarray
    item_line: np.ndarray  # per item, index into `lines`
    lines: list[str]
    line_origin: list[str | None]
    item_limits: np.ndarray  # (items, 4) minutes: dispatch, accept, resolve, check
    item_severity: np.ndarray
    enforcement_depts: np.ndarray
    city_code: str  # the top of every supervision chain (putian, or an imported city's code)


def day_weights(days: list[date]) -> np.ndarray:
    """Relative report volume of each local day (month, weekday, holidays)."""
    return np.array([MONTH_W[d.month - 1] * WEEKDAY_W[d.weekday()] * HOLIDAYS_2018.get(d, 1.0)
                     for d in days])


def local_midnight_epoch(day: date) -> int:
    """UTC epoch seconds of a local (Asia/Shanghai) midnight."""
    return int(datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).timestamp())


def report_times_for_year(rng: np.random.Generator, year: int, count: int) -> np.ndarray:
    """Exactly `count` report times (epoch seconds) spread over a local year with its rhythm."""
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    dw = day_weights(days)
    day = rng.choice(len(days), size=count, p=dw / dw.sum())
    hour = rng.choice(24, size=count, p=HOUR_W / HOUR_W.sum())
    starts = np.array([local_midnight_epoch(d) for d in days], dtype=np.int64)
    return np.sort(starts[day] + hour * 3600 + rng.integers(0, 3600, size=count))


def _line_matrix(world: World) -> np.ndarray:
    """P(line | district): the base mix with each county's own practice boosted."""
    matrix = np.zeros((len(world.districts), len(world.lines)))
    for d, district in enumerate(world.districts):
        for j, line in enumerate(world.lines):
            boost = ORIGIN_BOOST if world.line_origin[j] == district else 1.0
            matrix[d, j] = LINE_BASE.get(line, 0.02) * boost
            if line == "lvyou" and district == "meizhou":
                matrix[d, j] *= 3  # the island lives on tourism
        matrix[d] /= matrix[d].sum()
    return matrix


def draw_incidents(world: World, rng: np.random.Generator, reported: np.ndarray) -> dict:
    """Grid, item, source, severity and location for each report time."""
    n = len(reported)
    grid = rng.choice(len(world.grid_codes), size=n, p=world.grid_weight / world.grid_weight.sum())
    district = world.district_index[grid]
    line = np.zeros(n, dtype=np.int64)
    matrix = _line_matrix(world)
    for d in range(len(world.districts)):
        rows = np.flatnonzero(district == d)
        line[rows] = rng.choice(len(world.lines), size=len(rows), p=matrix[d])
    item = np.zeros(n, dtype=np.int64)
    item_pop = np.random.default_rng(7).lognormal(0.0, 0.8, size=len(world.item_codes))
    for j in range(len(world.lines)):
        rows = np.flatnonzero(line == j)
        members = np.flatnonzero(world.item_line == j)
        if len(members) == 0:  # a line without items borrows the general line's
            members = np.flatnonzero(world.item_line == world.lines.index("zonghe"))
        p = item_pop[members] / item_pop[members].sum()
        item[rows] = members[rng.choice(len(members), size=len(rows), p=p)]
    source = rng.choice(5, size=n, p=_SOURCE_P)
    for code, p in _SOURCE_P_BY_LINE.items():
        if code in world.lines:
            rows = np.flatnonzero(world.item_line[item] == world.lines.index(code))
            source[rows] = rng.choice(5, size=len(rows), p=p)
    severity = np.clip(world.item_severity[item] + rng.choice([-1, 0, 0, 0, 0, 1], size=n), 1, 4)
    point = rng.integers(0, world.points_lat.shape[1], size=n)
    staffed = np.isin(SOURCES[source], ("patrol", "collection"))
    who = world.reporters[grid, rng.integers(0, 2, size=n)]
    reporter = np.where(staffed, who, None)
    return {"grid": grid, "item": item, "source": source, "severity": severity.astype(np.int64),
            "lat": world.points_lat[grid, point], "lon": world.points_lon[grid, point],
            "reporter": reporter, "closer": world.reporters[grid, 0]}


def plan_2018(rng: np.random.Generator, world: World, attrs: dict, closed: int = CLOSED_2018,
              legacy_open: int = LEGACY_OPEN_2018) -> np.ndarray:
    """Fate of each 2018 incident: 0 closed, 1 cancelled, 2 still open; exact totals (by default
    the published ones)."""
    n = len(attrs["item"])
    fate = np.zeros(n, dtype=np.int8)
    not_closed = rng.choice(n, size=n - closed, replace=False)
    fate[not_closed] = 1
    long_running = not_closed[world.item_limits[attrs["item"][not_closed], 2] >= 10 * 24 * 60]
    fate[long_running[:legacy_open]] = 2
    return fate


def incident_ids(rng: np.random.Generator, reported: np.ndarray) -> np.ndarray:
    """Deterministic UUIDv7-shaped ids: time-ordered, so bulk loads append to the primary key."""
    n = len(reported)
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    millis = reported.astype(np.uint64) * np.uint64(1000) + rng.integers(0, 1000, size=n).astype(np.uint64)
    raw[:, :6] = millis.astype(">u8").view(np.uint8).reshape(n, 8)[:, 2:]
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = raw.tobytes().hex()
    return np.array([f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
                     for h in (hexed[i * 32:(i + 1) * 32] for i in range(n))], dtype=object)
