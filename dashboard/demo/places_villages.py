"""Village and community names: real ones where known, then believable Puxian-style names.

Names are handed out in a fixed order, so the same town always gets the same names. Real names
come first (the places the city's report mentions among them); the rest are composed from the
prefixes and place-name endings common around the Xinghua plain (厝, 埔, 坂, 兜, 埕 ...).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator

from dashboard.geo.names import pinyin_code, strip_suffix

# Real (or long-standing) names by town. Streets list communities; towns list villages and the
# community at their seat. The report's places: 长寿社区, 兴安社区, 帽山村.
KNOWN: dict[str, tuple[str, ...]] = {
    "龙桥街道": ("兴安社区", "龙桥社区", "下磨社区", "东里社区", "洋尾社区", "坂头社区", "阔口社区"),
    "凤凰山街道": ("凤山社区", "荔园社区", "顶墩社区", "洋西社区", "延宁社区", "胜利社区"),
    "霞林街道": ("霞林社区", "学园社区", "荔浦社区", "木兰社区", "谷城社区"),
    "东海镇": ("东海社区", "利角村", "东星村", "大坂村", "沁后村"),
    "常太镇": ("常太社区", "莒溪村", "岭下村", "渔溪村", "东圳村", "霞山村", "赤岐村"),
    "华亭镇": ("华亭社区", "园头村", "霞皋村", "西许村", "后埔村", "郑坂村", "湖头村", "濑溪村"),
    "灵川镇": ("灵川社区", "东沙村", "海头村", "柯朱村", "下黄村", "青山村"),
    "镇海街道": ("长寿社区", "英龙社区", "梅峰社区", "文峰社区", "东岩社区", "县巷社区", "坊巷社区",
                "古山社区"),
    "拱辰街道": ("延寿社区", "拱辰社区", "东阳社区", "下郑社区", "园顶社区", "紫霄社区"),
    "西天尾镇": ("西天尾社区", "林峰村", "溪白村", "后卓村", "龙山村", "渭阳村", "碧溪村", "澄渚村"),
    "黄石镇": ("黄石社区", "清浦村", "沙坂村", "东甲村", "横塘村", "七境村", "惠上村", "定庄村",
              "江东村", "水南村", "桥兜村", "华东村"),
    "新度镇": ("新度社区", "锦墩村", "下坑村", "扬美村", "蒲坂村", "青坂村"),
    "北高镇": ("北高社区", "冲沁村", "埕头村", "山前村", "东山村", "竹庄村", "后温村"),
    "涵东街道": ("宫下社区", "东大社区", "延宁社区", "苍林社区", "铺尾社区"),
    "涵西街道": ("塘北社区", "宫口社区", "新涵社区", "霞徐社区", "洋中社区"),
    "三江口镇": ("三江口社区", "鳌山村", "东楼村", "哆头村", "新浦村"),
    "白塘镇": ("白塘社区", "东阳村", "洋尾村", "镇前村", "后郭村"),
    "国欢镇": ("国欢社区", "黄霞村", "沁后村", "塘头村", "东坂村"),
    "梧塘镇": ("梧塘社区", "沟头村", "松东村", "漆林村", "枫林村"),
    "江口镇": ("江口社区", "新前村", "石庭村", "丰美村", "锦江村", "东大村", "蒜溪村"),
    "萩芦镇": ("萩芦社区", "梅洋村", "崇圣村", "溪南村"),
    "白沙镇": ("白沙社区", "坪盘村", "东宅村", "澳柄村"),
    "庄边镇": ("庄边社区", "前顶村", "白杜村", "萩林村"),
    "新县镇": ("新县社区", "外坑村", "巩溪村", "坪洋村"),
    "大洋乡": ("大洋社区", "瑞云村", "洋边村"),
    "鲤城街道": ("东门社区", "西门社区", "南门社区", "北门社区", "八二三社区", "宝峰社区"),
    "鲤南镇": ("鲤南社区", "山尾村", "象溪村", "城南村"),
    "榜头镇": ("榜头社区", "坝下村", "仙水村", "南兴村", "泉山村", "紫泽村", "云庄村"),
    "郊尾镇": ("郊尾社区", "沙溪村", "塘边村", "枫林村"),
    "枫亭镇": ("霞街社区", "东宅村", "兰友村", "麟山村", "青泰村", "海安村", "辉煌村"),
    "盖尾镇": ("盖尾社区", "前连村", "石马村", "瑞云村"),
    "园庄镇": ("园庄社区", "霞山村", "大埔村", "古濑村"),
    "度尾镇": ("帽山村", "度峰村", "屏山村", "潭边村", "中峰村", "云居村", "度尾社区"),
    "大济镇": ("大济社区", "尾坂村", "溪口村", "钟峰村"),
    "龙华镇": ("龙华社区", "金沙村", "双峰村", "东桥村"),
    "赖店镇": ("赖店社区", "圣泉村", "罗峰村", "坂头村"),
    "钟山镇": ("钟山社区", "九鲤村", "湖亭村", "麦斜村"),
    "游洋镇": ("游洋社区", "兴山村", "天马村", "龙山村"),
    "社硎乡": ("社硎村", "塔山村", "东峰村"),
    "书峰乡": ("书峰村", "林兜村", "兰石村"),
    "西苑乡": ("西苑村", "仙西村", "半岭村"),
    "石苍乡": ("石苍村", "济川村", "蔡岭村"),
    "菜溪乡": ("菜溪村", "岩亭村", "园溪村"),
    "笏石镇": ("笏石社区", "西埔村", "上塘村", "阳埭村", "西山村"),
    "东庄镇": ("东庄社区", "秀屿村", "汀港村", "马厂村", "前云村"),
    "月塘镇": ("月塘社区", "岐厝村", "后坑村", "下陈村"),
    "东峤镇": ("东峤社区", "汀塘村", "珠川村", "上塘村", "赤岐村"),
    "埭头镇": ("埭头社区", "石城村", "汀岐村", "东沁村", "武盛村"),
    "平海镇": ("平海村", "嵌头村", "东湖村", "西园村"),
    "南日镇": ("海山村", "浮叶村", "东岱村", "万峰村", "港南村", "云万村", "沙洋村", "岩下村"),
    "湄洲镇": ("宫下村", "寨下村", "港楼村", "莲池村", "北埭村", "东蔡村", "西亭村", "高朱村",
              "下山村", "后积村", "下田村", "湄洲社区"),
    "东埔镇": ("东埔社区", "东吴村", "吉城村", "梧梓村", "塔林村"),
    "山亭镇": ("山亭社区", "港里村", "莆禧村", "文山村", "利角村"),
    "忠门镇": ("忠门社区", "文甲村", "琼山村", "秀田村", "王厝村"),
}

# Name parts common in Puxian place names; all read unambiguously in pinyin.
PREFIXES = "东西南北上下前后新大中溪林陈黄吴郑蔡洋坑岭田湖沙石塘桥港峰云梅荔霞"
ENDINGS = "厝埔坂兜埕头尾山林洋塘亭园庄宅浦湖峰坑溪岭墩口"
COMMUNITY_WORDS = ("文献", "胜利", "学园", "东园", "梅园", "荔园", "沁园", "绶溪", "木兰", "天妃",
                   "紫霄", "凤山", "东圳", "延寿", "壶山", "兰溪", "锦江", "华林", "玉湖", "新华",
                   "光明", "和平", "安福", "振兴", "南门", "西园", "北大", "东岩", "瑞峰", "龙华",
                   "霞光", "清源", "濠浦", "宁海", "白湖", "广化", "南山", "梅峰", "英华", "书仓")


def village_names(town: str, kinds: list[str]) -> list[str]:
    """Names for a town's villages in order; kinds[i] is '社区' or '村'. Unique names and codes."""
    known = list(KNOWN.get(town, ()))
    names: list[str] = []
    taken: set[str] = set()

    def take(name: str) -> bool:
        code = pinyin_code(strip_suffix(name))
        if name in names or code in taken:
            return False
        names.append(name)
        taken.add(code)
        return True

    generated = {"社区": _stems(town, COMMUNITY_WORDS), "村": _stems(town, ())}
    for kind in kinds:
        match = next((n for n in known if n.endswith(kind)), None)
        if match is not None:
            known.remove(match)
            if take(match):
                continue
        while not take(next(generated[kind]) + kind):
            pass
    return names


def _stems(town: str, first: tuple[str, ...]) -> Iterator[str]:
    """A town-specific, deterministic sequence of name stems: `first` shuffled, then composed ones."""
    rng = random.Random(zlib.crc32(town.encode()))
    head = list(first)
    rng.shuffle(head)
    pairs = [p + e for p in PREFIXES for e in ENDINGS if p != e]
    rng.shuffle(pairs)
    yield from head
    yield from pairs
    raise RuntimeError(f"ran out of village names for {town}")
