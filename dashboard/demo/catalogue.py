"""The catalogue: Putian's 34 platform departments, 8 business lines and their stage time limits.

The 118 business items themselves live in `catalogue_items`; this module holds the departments,
the "网格+" lines (each with the county-level unit where the practice started) and the per-stage
limit profiles the items refer to.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.demo.catalogue_items import ITEM_ROWS

DAY = 24 * 60


@dataclass(frozen=True)
class DepartmentSpec:
    """A department on the platform; `enforcement` ones route work through grids."""

    code: str
    name: str
    name_en: str
    enforcement: bool


@dataclass(frozen=True)
class LineSpec:
    """A business line ("网格+" practice) and the county-level unit it started in."""

    code: str
    name: str
    name_en: str
    origin_unit_code: str | None


@dataclass(frozen=True)
class ItemSpec:
    """A business item (入格业务事项) with its department, line and stage limits in minutes."""

    code: str
    name: str
    name_en: str
    department_code: str
    line_code: str
    limit_dispatch_min: int
    limit_accept_min: int
    limit_resolve_min: int
    limit_check_min: int
    default_severity: int


# (code, name, English name); the first 23 enforce through grids, the rest share data.
_DEPARTMENTS = [
    ("scjg", "市场监督管理局", "Market Supervision Administration"),
    ("sthj", "生态环境局", "Ecology and Environment Bureau"),
    ("yjgl", "应急管理局", "Emergency Management Bureau"),
    ("cgzf", "城市管理局（综合执法局）", "Urban Management (Comprehensive Law Enforcement) Bureau"),
    ("mzj", "民政局", "Civil Affairs Bureau"),
    ("sfj", "司法局", "Justice Bureau"),
    ("rsj", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("zjj", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("gaj", "公安局", "Public Security Bureau"),
    ("yzgl", "邮政管理局", "Postal Administration"),
    ("jtys", "交通运输局", "Transport Bureau"),
    ("slj", "水利局", "Water Resources Bureau"),
    ("nync", "农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("zrzy", "自然资源局", "Natural Resources Bureau"),
    ("wjw", "卫生健康委员会", "Health Commission"),
    ("jyj", "教育局", "Education Bureau"),
    ("wlj", "文化和旅游局", "Culture and Tourism Bureau"),
    ("xfjy", "消防救援支队", "Fire and Rescue Detachment"),
    ("swj", "商务局", "Commerce Bureau"),
    ("lyj", "林业局", "Forestry Bureau"),
    ("hyyy", "海洋与渔业局", "Ocean and Fisheries Bureau"),
    ("yczm", "烟草专卖局", "Tobacco Monopoly Bureau"),
    ("ybj", "医疗保障局", "Healthcare Security Administration"),
    ("zfw", "市委政法委（综治办）", "Political-Legal Commission (Comprehensive Governance Office)"),
    ("xfj", "信访局", "Letters and Visits Bureau"),
    ("fgw", "发展和改革委员会", "Development and Reform Commission"),
    ("czj", "财政局", "Finance Bureau"),
    ("gxj", "工业和信息化局", "Industry and Information Technology Bureau"),
    ("tjj", "统计局", "Statistics Bureau"),
    ("szb", "数字莆田建设办公室", "Digital Putian Office"),
    ("tyjr", "退役军人事务局", "Veterans Affairs Bureau"),
    ("clian", "残疾人联合会", "Disabled Persons' Federation"),
    ("fulian", "妇女联合会", "Women's Federation"),
    ("qxj", "气象局", "Meteorological Bureau"),
]
ENFORCEMENT_COUNT = 23

DEPARTMENTS: list[DepartmentSpec] = [
    DepartmentSpec(code, name, name_en, index < ENFORCEMENT_COUNT)
    for index, (code, name, name_en) in enumerate(_DEPARTMENTS)
]

LINES: list[LineSpec] = [
    LineSpec("anquan", "网格+安全生产", "Grid + Work Safety", "xianyou"),
    LineSpec("wangtiao", "网格+网调", "Grid + Online Mediation", "chengxiang"),
    LineSpec("weiwangge", "微网格", "Micro-grid (WeChat reports)", "licheng"),
    LineSpec("shiyao", "食品药品网格化监管", "Food and Drug Supervision by Grid", "hanjiang"),
    LineSpec("teshu", "特殊人群服务管理", "Special Groups Services and Management", "xiuyu"),
    LineSpec("lvyou", "网格+安全旅游", "Grid + Safe Tourism", "meizhou"),
    LineSpec("yifeng", "移风易俗", "Customs Reform", "beian"),
    LineSpec("zonghe", "综合治理", "General Governance", None),
]

# Stage limits in minutes: (dispatch, accept, resolve, check).
LIMIT_PROFILES: dict[str, tuple[int, int, int, int]] = {
    "urgent": (30, 60, 1 * DAY, 1 * DAY),
    "fast": (60, 120, 3 * DAY, 1 * DAY),
    "normal": (60, 120, 5 * DAY, 2 * DAY),
    "slow": (120, 240, 10 * DAY, 3 * DAY),
    "long": (120, 240, 15 * DAY, 3 * DAY),
}


def _items() -> list[ItemSpec]:
    items: list[ItemSpec] = []
    numbers: dict[str, int] = {}
    for dept, line, name, name_en, profile, severity in ITEM_ROWS:
        numbers[dept] = numbers.get(dept, 0) + 1
        limits = LIMIT_PROFILES[profile]
        items.append(ItemSpec(f"{dept}-{numbers[dept]:02d}", name, name_en, dept, line, *limits,
                              default_severity=severity))
    return items


ITEMS: list[ItemSpec] = _items()


def department_rows() -> list[dict]:
    """Department rows ready for insertion."""
    return [vars(d).copy() for d in DEPARTMENTS]


def line_rows(unit_codes: set[str]) -> list[dict]:
    """Business-line rows; an origin unit missing from an imported geography is left empty."""
    return [dict(vars(line), origin_unit_code=line.origin_unit_code
                 if line.origin_unit_code in unit_codes else None) for line in LINES]


def item_rows() -> list[dict]:
    """Business-item rows ready for insertion."""
    return [vars(item).copy() for item in ITEMS]
