"""The field force: 2,019 information managers, 1,758 patrol inspectors, 1,945 enforcement officers.

Managers and inspectors answer for a grid; officers for a town-level area and a department.
Names follow Putian's surname frequencies; everything is deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MANAGERS = 2019
INSPECTORS = 1758
OFFICERS = 1945

# Putian's most common surnames with rough weights (林 and 陈 dominate the city).
_SURNAMES = (
    "林 16.0 陈 12.5 黄 7.5 郑 6.8 吴 4.6 李 3.6 王 3.4 张 3.0 刘 2.8 蔡 2.6 方 2.4 许 2.2 翁 2.0 "
    "朱 1.8 余 1.6 杨 1.6 卓 1.4 宋 1.3 徐 1.2 周 1.2 何 1.1 傅 1.1 欧 1.0 苏 1.0 游 0.9 柯 0.9 "
    "潘 0.8 魏 0.8 肖 0.8 江 0.8 姚 0.7 沈 0.7 龚 0.6 洪 0.6 康 0.6 邱 0.6 谢 0.6 詹 0.5 薛 0.5 "
    "严 0.5 曾 0.5 彭 0.4 关 0.4 范 0.4 戴 0.4 占 0.3 颜 0.3"
).split()
SURNAMES = _SURNAMES[0::2]
SURNAME_WEIGHTS = np.array([float(w) for w in _SURNAMES[1::2]])
_MALE = list("志伟建明国华文杰俊斌强军辉勇峰海涛鹏宇浩锦荣福德清金春新鸿永坤炳")
_FEMALE = list("秀丽美玲芳燕霞娟婷雪琴红梅兰英慧敏静雅惠珍凤莉萍淑晶月")
_PHONE_PREFIXES = np.array([133, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 180, 181, 186,
                            187, 188, 189, 199])


@dataclass(frozen=True)
class GridInfo:
    """What staff assignment needs to know about a grid."""

    code: str
    village_code: str
    town_code: str
    district_code: str
    population: int
    urban: bool


def person_names(rng: np.random.Generator, count: int) -> list[str]:
    """Chinese full names: a weighted surname and one or two given-name characters."""
    surnames = rng.choice(len(SURNAMES), size=count, p=SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum())
    female = rng.random(count) < 0.42
    two_chars = rng.random(count) < 0.78
    first = rng.integers(0, 10_000, size=count)
    second = rng.integers(0, 10_000, size=count)
    names = []
    for i in range(count):
        pool = _FEMALE if female[i] else _MALE
        given = pool[first[i] % len(pool)]
        if two_chars[i]:
            given += pool[second[i] % len(pool)]
        names.append(SURNAMES[surnames[i]] + given)
    return names


def _phones(rng: np.random.Generator, count: int) -> list[str]:
    prefixes = rng.choice(_PHONE_PREFIXES, size=count)
    numbers = rng.choice(100_000_000, size=count, replace=False)
    return [f"{p}{n:08d}" for p, n in zip(prefixes.tolist(), numbers.tolist(), strict=True)]


def _grid_assignments(grids: list[GridInfo]) -> tuple[list[int], list[int]]:
    """Grid index of each manager and inspector: every grid gets at least one of the two.

    The busiest grids get a manager; the rest get an inspector first, then spare inspectors go
    to the busiest grids, which is how cities staff dense cores.
    """
    weight = np.array([g.population * (1.6 if g.urban else 1.0) for g in grids], dtype=float)
    order = np.argsort(-weight, kind="stable")
    managers = [int(order[i % len(order)]) for i in range(MANAGERS)]
    uncovered = [int(i) for i in order[MANAGERS:]]
    spare = INSPECTORS - len(uncovered)
    inspectors = (uncovered + [int(order[i % len(order)]) for i in range(max(spare, 0))])[:INSPECTORS]
    return managers, inspectors


def _officer_areas(rng: np.random.Generator, grids: list[GridInfo]) -> list[int]:
    """Grid index standing for each officer's town: towns staffed by population, at least 8 each."""
    towns: dict[str, list[int]] = {}
    for index, grid in enumerate(grids):
        towns.setdefault(grid.town_code, []).append(index)
    codes = sorted(towns)
    population = np.array([sum(grids[i].population for i in towns[c]) for c in codes], dtype=float)
    base = min(8, OFFICERS // len(codes))
    rest = OFFICERS - base * len(codes)
    extra = np.floor(rest * population / population.sum()).astype(int)
    extra[np.argsort(-population)[: rest - int(extra.sum())]] += 1
    counts = base + extra
    return [towns[code][0] for code, n in zip(codes, counts.tolist(), strict=True) for _ in range(n)]


def staff_columns(grids: list[GridInfo], enforcement_departments: list[str],
                  seed: int = 2018) -> dict[str, list]:
    """Column-wise staff rows (ids S00001...), ready for bulk insertion."""
    rng = np.random.default_rng(seed)
    managers, inspectors = _grid_assignments(grids)
    officers = _officer_areas(rng, grids)
    total = MANAGERS + INSPECTORS + OFFICERS
    roles = ["info_manager"] * MANAGERS + ["patrol"] * INSPECTORS + ["enforcement"] * OFFICERS
    placed = managers + inspectors + officers
    # Officers come from the departments with most field work more often.
    dept_weight = np.array([3.0 if d in ("cgzf", "scjg", "gaj", "yjgl", "xfjy") else 1.0
                            for d in enforcement_departments])
    officer_depts = rng.choice(enforcement_departments, size=OFFICERS, p=dept_weight / dept_weight.sum())
    shift_draw = rng.random(total)
    columns: dict[str, list] = {k: [] for k in (
        "id", "name", "role", "unit_code", "grid_code", "village_code", "town_code",
        "district_code", "department_code", "shift", "phone")}
    columns["id"] = [f"S{i + 1:05d}" for i in range(total)]
    columns["name"] = person_names(rng, total)
    columns["role"] = roles
    columns["phone"] = _phones(rng, total)
    for i, (role, grid_index) in enumerate(zip(roles, placed, strict=True)):
        grid = grids[grid_index]
        officer = role == "enforcement"
        columns["unit_code"].append(grid.town_code if officer else grid.code)
        columns["grid_code"].append(None if officer else grid.code)
        columns["village_code"].append(None if officer else grid.village_code)
        columns["town_code"].append(grid.town_code)
        columns["district_code"].append(grid.district_code)
        columns["department_code"].append(str(officer_depts[i - MANAGERS - INSPECTORS]) if officer
                                          else None)
        columns["shift"].append(_shift(role, shift_draw[i]))
    return columns


def _shift(role: str, draw: float) -> str:
    if role == "info_manager":
        return "day"
    if role == "patrol":
        return "day" if draw < 0.55 else "evening" if draw < 0.85 else "night"
    return "day" if draw < 0.75 else "evening"
