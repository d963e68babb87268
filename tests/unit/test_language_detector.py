"""The one-language detector of the browser test flags what a reader would, and only that."""

from __future__ import annotations

import pytest

from tests.e2e.language import Allowed, foreign, foreign_in_chinese, foreign_in_english

ALLOWED = Allowed(codes={"putian", "licheng", "e2e-admin"}, names=["李明清", "帽山村"])


@pytest.mark.parametrize(("text", "words"), [
    ("不能执行：alert is already resolved", ["alert", "already", "resolved"]),
    ("connecting", ["connecting"]),
    ("派遣 · check", ["check"]),
    ("时段参数有误（from）：from must be a date", ["from", "from", "must", "date"]),
    ("Supervision escalated to district: 长寿社区第1网格", ["Supervision", "escalated", "district"]),
])
def test_english_words_on_a_chinese_screen_are_found(text, words):
    assert foreign_in_chinese(text, ALLOWED) == words


@pytest.mark.parametrize("text", [
    "长寿社区第1网格 · licheng-zhenhai-changshou-g01", "导出 CSV", "3.2 km", "putian", "10:32", "#42",
    "2018-01-01", "e2e-admin", "×3", "KPI", "ID", "第3网格",
])
def test_codes_ids_numbers_and_abbreviations_are_not_words(text):
    assert foreign_in_chinese(text, ALLOWED) == []


def test_chinese_on_an_english_screen_is_found_except_chinese_only_names():
    assert foreign_in_english("Refused: 该告警已办结", ALLOWED) == ["该告警已办结"]
    assert foreign_in_english("Critical alert · Licheng District › 荔城区", ALLOWED) == ["荔城区"]
    assert foreign_in_english("Staff: 李明清 · Overdue supervision: 帽山村", ALLOWED) == []
    assert foreign_in_english("Staff silent（12 min）", ALLOWED) == ["（", "）"]


def test_the_report_says_where_and_what():
    found = foreign([("#shell-status", "connecting"), ("#unit-title", "荔城区")], "zh", ALLOWED)
    assert found == [("#shell-status", "connecting", ["connecting"])]
