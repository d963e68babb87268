"""Refusals carry a message key: a screen shows them in its language, the API in English."""

from __future__ import annotations

import re
import string

import pytest

from dashboard.actions.alert_actions import ActionError, parse_request
from dashboard.core.i18n import TABLE, Message, t
from dashboard.core.timeutil import PeriodError, parse_period
from layouts.period import resolve_period

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# Chinese names the choices in words where English lists the codes; a Chinese date has no month name.
DIFFERENT_BY_DESIGN = ("period.err.choice", "action.err.channel", "clock.date")


def test_every_sentence_has_the_same_parameters_in_both_languages():
    for key, (zh, en) in TABLE.items():
        assert _fields(zh) == _fields(en) or key in DIFFERENT_BY_DESIGN, key


@pytest.mark.parametrize(("query", "zh", "en"), [
    ({"from": "2018-13-01"}, "起始日期不是有效日期：'2018-13-01'", "from is not a real date: '2018-13-01'"),
    ({"from": "x"}, "起始日期须为 YYYY-MM-DD 格式的日期，收到 'x'",
     "from must be a date as YYYY-MM-DD, got 'x'"),
    ({"from": "2018-02-01", "to": "2018-01-01"}, "截止日期（2018-01-01）早于起始日期（2018-02-01）",
     "to (2018-01-01) is before from (2018-02-01)"),
    ({"period": "week"}, "时段须为今日、近7天、近30天、本年或某一年份，收到 'week'",
     "period must be one of today, 7d, 30d, year or a year, got 'week'"),
])
def test_period_refusals_in_both_languages(query, zh, en):
    with pytest.raises(PeriodError) as err:
        resolve_period(query) if "period" in query else parse_period(query)
    assert str(err.value) == en  # what the API answers
    assert err.value.message.text("zh") == zh
    assert t("bad_period", "zh", reason=err.value.message) == f"时段参数有误：{zh}"
    assert t("bad_period", "en", reason=err.value.message) == f"Bad period: {en}"


@pytest.mark.parametrize(("action", "body", "en"), [
    ("ack", {"channel": "fax"}, "channel must be one of phone, radio, in_person, screen"),
    ("ack", {"on_behalf_of": "张三"}, "channel is required when acting on behalf of someone"),
    ("assign", {}, "to is required"),
    ("ack", {"expires_minutes": 0}, "expires_minutes must be an integer 1-1440"),
    ("ack", {"note": "x" * 2001}, "note is longer than 2000 characters"),
    ("fly", {}, "unknown action 'fly'"),
])
def test_action_refusals_speak_english_to_the_api_and_chinese_on_a_chinese_screen(action, body, en):
    with pytest.raises(ActionError) as err:
        parse_request(action, body)
    assert str(err.value) == en
    zh = err.value.message.text("zh")
    assert not LATIN_WORD.search(zh.replace("'fly'", "")), zh


def test_a_message_parameter_is_rendered_in_the_outer_language():
    inner = Message("action.err.resolved")
    assert t("bad_period", "zh", reason=inner) == "时段参数有误：该告警已办结"
    assert t("bad_period", "en", reason=inner) == "Bad period: alert is already resolved"
