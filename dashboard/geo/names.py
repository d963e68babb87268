"""Place names of any Chinese city: administrative suffixes (街道, 镇, 社区 …), pinyin codes and
English names (镇海街道 → 'Zhenhai Subdistrict'), for the demo world and for imported boundary files."""

from __future__ import annotations

import re

from pypinyin import lazy_pinyin

# Longer suffixes first: 社区 must win over 区.
SUFFIX_EN = {"街道": "Subdistrict", "镇": "Town", "乡": "Township", "社区": "Community", "村": "Village",
             "区": "District", "县": "County", "市": "City"}
GRID_NAME = re.compile(r"^(.+)第(\d+)网格$")


def strip_suffix(name: str) -> str:
    """A place name without its administrative suffix (街道, 镇, 乡, 社区, 村)."""
    for suffix in SUFFIX_EN:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def suffix_of(name: str) -> str:
    """The administrative suffix of a place name, or '' when it has none."""
    for suffix in SUFFIX_EN:
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return ""


def pinyin_code(stem: str) -> str:
    """ASCII code of a Chinese name stem: 兴安 → 'xingan'."""
    return "".join(lazy_pinyin(stem)).replace("ü", "v").lower()


def pinyin_title(stem: str) -> str:
    """Written pinyin of a name stem with apostrophes where syllables would run together: 兴安 → Xing'an."""
    out = ""
    for syllable in lazy_pinyin(stem):
        syllable = syllable.replace("v", "ü")
        if out and syllable[0] in "aeo":
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english_name(name: str) -> str:
    """English name of a place or grid: 镇海街道 → 'Zhenhai Subdistrict', 兴安社区第3网格 →
    "Xing'an Community Grid 3"."""
    grid = GRID_NAME.match(name)
    if grid:
        return f"{english_name(grid.group(1))} Grid {int(grid.group(2))}"
    suffix = suffix_of(name)
    title = pinyin_title(strip_suffix(name))
    return f"{title} {SUFFIX_EN[suffix]}" if suffix else title
