"""Names and rough positions of Putian's county-level units and its 54 towns and streets.

Seeds are approximate centres of each town's territory (not of its seat), good enough for a map a
local recognises; areas (km²) and residents (thousands) are rough shares that the builder scales to
the real district outlines and to the city's 3.21 million residents.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.geo.names import strip_suffix

CITY_CODE = "putian"
CITY_NAME = "莆田市"
CITY_NAME_EN = "Putian"
# Seventh national census (2020): 3,210,714 residents.
CITY_POPULATION = 3_210_714


@dataclass(frozen=True)
class District:
    """A county-level unit: code, names and its share of the city's residents (thousands)."""

    code: str
    name: str
    name_en: str
    population_k: int


DISTRICTS = (
    District("chengxiang", "城厢区", "Chengxiang District", 520),
    District("licheng", "荔城区", "Licheng District", 560),
    District("hanjiang", "涵江区", "Hanjiang District", 450),
    District("xiuyu", "秀屿区", "Xiuyu District", 480),
    District("xianyou", "仙游县", "Xianyou County", 910),
    District("meizhou", "湄洲岛", "Meizhou Island", 40),
    District("beian", "北岸开发区", "Beian Development Zone", 250),
)



@dataclass(frozen=True)
class Town:
    """A town (镇), township (乡) or street (街道) with its seed, size, residents and village count."""

    district: str
    name: str
    lon: float
    lat: float
    area_km2: float
    population_k: int
    villages: int

    @property
    def street(self) -> bool:
        """Whether this is an urban street (街道) made of communities."""
        return self.name.endswith("街道")

    @property
    def stem(self) -> str:
        """The name without its 街道/镇/乡 suffix."""
        return strip_suffix(self.name)


T = Town
TOWNS = (
    T("chengxiang", "龙桥街道", 119.000, 25.440, 12, 95, 12),
    T("chengxiang", "凤凰山街道", 118.975, 25.425, 16, 110, 14),
    T("chengxiang", "霞林街道", 118.995, 25.410, 16, 95, 12),
    T("chengxiang", "东海镇", 118.975, 25.365, 55, 55, 20),
    T("chengxiang", "常太镇", 118.880, 25.520, 180, 25, 18),
    T("chengxiang", "华亭镇", 118.920, 25.400, 110, 80, 28),
    T("chengxiang", "灵川镇", 118.950, 25.300, 100, 60, 24),
    T("licheng", "镇海街道", 119.030, 25.430, 10, 120, 15),
    T("licheng", "拱辰街道", 119.025, 25.460, 14, 100, 13),
    T("licheng", "西天尾镇", 119.020, 25.510, 60, 80, 22),
    T("licheng", "黄石镇", 119.100, 25.380, 75, 150, 38),
    T("licheng", "新度镇", 119.075, 25.425, 50, 60, 17),
    T("licheng", "北高镇", 119.170, 25.340, 75, 50, 20),
    T("hanjiang", "涵东街道", 119.125, 25.462, 10, 60, 13),
    T("hanjiang", "涵西街道", 119.105, 25.458, 8, 55, 13),
    T("hanjiang", "三江口镇", 119.170, 25.445, 30, 35, 11),
    T("hanjiang", "白塘镇", 119.080, 25.470, 30, 40, 16),
    T("hanjiang", "国欢镇", 119.090, 25.500, 35, 35, 16),
    T("hanjiang", "梧塘镇", 119.130, 25.495, 35, 40, 15),
    T("hanjiang", "江口镇", 119.185, 25.505, 50, 60, 17),
    T("hanjiang", "萩芦镇", 119.100, 25.580, 110, 25, 16),
    T("hanjiang", "白沙镇", 118.990, 25.590, 110, 25, 14),
    T("hanjiang", "庄边镇", 118.930, 25.650, 150, 25, 17),
    T("hanjiang", "新县镇", 119.050, 25.700, 120, 15, 13),
    T("hanjiang", "大洋乡", 119.125, 25.665, 95, 8, 10),
    T("xianyou", "鲤城街道", 118.690, 25.365, 25, 110, 18),
    T("xianyou", "鲤南镇", 118.700, 25.320, 50, 50, 22),
    T("xianyou", "榜头镇", 118.770, 25.380, 80, 110, 32),
    T("xianyou", "郊尾镇", 118.850, 25.320, 60, 55, 19),
    T("xianyou", "枫亭镇", 118.840, 25.250, 80, 85, 23),
    T("xianyou", "盖尾镇", 118.760, 25.320, 70, 50, 19),
    T("xianyou", "园庄镇", 118.740, 25.250, 70, 40, 16),
    T("xianyou", "度尾镇", 118.750, 25.440, 80, 40, 21),
    T("xianyou", "大济镇", 118.670, 25.420, 75, 45, 18),
    T("xianyou", "龙华镇", 118.580, 25.360, 110, 55, 17),
    T("xianyou", "赖店镇", 118.630, 25.320, 70, 50, 17),
    T("xianyou", "钟山镇", 118.740, 25.530, 150, 30, 18),
    T("xianyou", "游洋镇", 118.840, 25.630, 160, 25, 18),
    T("xianyou", "社硎乡", 118.650, 25.500, 110, 15, 10),
    T("xianyou", "书峰乡", 118.820, 25.500, 80, 12, 10),
    T("xianyou", "西苑乡", 118.520, 25.450, 170, 18, 10),
    T("xianyou", "石苍乡", 118.690, 25.620, 140, 12, 10),
    T("xianyou", "菜溪乡", 118.560, 25.560, 110, 10, 8),
    T("xiuyu", "笏石镇", 119.100, 25.315, 90, 100, 30),
    T("xiuyu", "东庄镇", 119.120, 25.240, 70, 65, 21),
    T("xiuyu", "月塘镇", 119.050, 25.290, 60, 45, 17),
    T("xiuyu", "东峤镇", 119.200, 25.280, 80, 85, 30),
    T("xiuyu", "埭头镇", 119.300, 25.260, 70, 90, 30),
    T("xiuyu", "平海镇", 119.230, 25.200, 45, 40, 14),
    T("xiuyu", "南日镇", 119.480, 25.215, 62, 55, 18),
    T("meizhou", "湄洲镇", 119.125, 25.060, 26, 40, 12),
    T("beian", "东埔镇", 119.010, 25.235, 55, 90, 22),
    T("beian", "山亭镇", 119.110, 25.175, 50, 75, 22),
    T("beian", "忠门镇", 119.060, 25.130, 55, 85, 25),
)
del T
