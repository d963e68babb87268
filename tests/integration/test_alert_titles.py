"""Alert titles stored as parts and rendered in the screen's language; old rows stay readable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dashboard.actions.alerting import Place, payload, raise_alert
from dashboard.core.alert_titles import parts, render, titles
from dashboard.core.models import Alert, Unit
from feeds.supervision_alerts import on_mass_silence, on_stalled
from tests.integration import ui_world

GRID, VILLAGE, TOWN = ui_world.GRID, ui_world.V, ui_world.T
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
NAMES = {("unit", GRID): {"code": GRID, "name": "长寿社区第1网格", "name_en": "Changshou grid 1"},
         ("unit", "nameless"): {"code": "nameless", "name": "帽山村", "name_en": None},
         ("item", "food-01"): {"code": "food-01", "name": "无证经营", "name_en": "Unlicensed trading"}}


@pytest.mark.parametrize(("title_parts", "zh", "en"), [
    (parts("alert.severe_incident.4", place=GRID, item="food-01", severity=4),
     "紧急事件：无证经营（长寿社区第1网格）", "Critical incident: Unlicensed trading (Changshou grid 1)"),
    (parts("alert.severe_incident.3", place=GRID, item="food-01", severity=3),
     "高危事件：无证经营（长寿社区第1网格）", "Severe incident: Unlicensed trading (Changshou grid 1)"),
    (parts("alert.supervision_escalated", place=GRID, level="town"),
     "督办升级至乡镇街道：长寿社区第1网格", "Supervision escalated to Town level: Changshou grid 1"),
    (parts("alert.staff_silent", place=GRID, minutes=1234),
     "网格员失联：长寿社区第1网格（1,234 分钟无定位）",
     "Staff silent: Changshou grid 1 (no position for 1,234 min)"),
    (parts("alert.feed_stalled.minutes", feed="feed:positions", minutes=7),
     "数据流中断：巡查定位（7 分钟无数据）", "Feed stalled: Patrol positions (nothing for 7 min)"),
    (parts("alert.mass_silence", silent=412, judged=1500),
     "大面积失联：在岗 1,500 人中 412 人无定位",
     "Mass silence: 412 of 1,500 staff on shift send no position"),
])
def test_parts_render_a_whole_sentence_in_each_language(title_parts, zh, en):
    assert render(title_parts, "zh", NAMES) == zh
    assert render(title_parts, "en", NAMES) == en


def test_a_place_without_an_english_name_keeps_its_chinese_name_and_codes_never_show():
    english = render(parts("alert.supervision_new", place="nameless"), "en", NAMES)
    assert english == "Overdue supervision: 帽山村"
    # A code the data does not know is shown as it is rather than dropped.
    assert render(parts("alert.supervision_new", place="x-g99"), "zh", NAMES) == "超期督办：x-g99"


@pytest.fixture
def tiny(Session):  # noqa: N803 - the fixture is a session factory
    """The tiny world of the screens' unit tests."""
    with Session.begin() as s:
        ui_world.build(s)
    return Session


def _place() -> Place:
    return Place(unit_code=GRID, district_code="licheng", town_code=TOWN, village_code=VILLAGE,
                 grid_code=GRID)


def test_a_worker_stores_parts_and_every_reader_gets_both_languages(tiny):
    with tiny.begin() as s:
        _, data = raise_alert(s, kind="severe_incident", group_key=f"severe_incident:{GRID}:food-01",
                              occurrence="incident:1", cause="1", place=_place(), severity=4, now=NOW,
                              title_parts=parts("alert.severe_incident.4", place=GRID, item="food-01",
                                                severity=4))
        assert data["title"] == "紧急事件：无证经营（长寿社区第1网格）"
        assert data["title_en"] == "Critical incident: Unlicensed trading (Changshou grid 1)"
        assert data["title_parts"] == {"key": "alert.severe_incident.4", "place": GRID, "item": "food-01",
                                       "severity": 4}
    with tiny.begin() as s:
        # A renamed grid: the next reader renders the new name (the sentence is made when shown).
        s.get(Unit, GRID).name_en = "Longevity grid 1"
    with tiny() as s:
        alert = s.execute(select(Alert)).scalar_one()
        assert alert.title == "紧急事件：无证经营（长寿社区第1网格）"  # kept for readers of the row
        assert titles(alert)[1] == "Critical incident: Unlicensed trading (Longevity grid 1)"


def test_feed_alerts_name_the_feed_not_the_stream_code(tiny):
    with tiny.begin() as s:
        _, stalled = on_stalled("feed:incidents", "1-0", NOW.replace(hour=5, minute=50), NOW, s)[0]
        _, mass = on_mass_silence(s, 30, 40, NOW)[0]
    assert (stalled["title"], stalled["title_en"]) == ("数据流中断：事件上报（10 分钟无数据）",
                                                       "Feed stalled: Incident reports (nothing for 10 min)")
    assert mass["title_en"] == "Mass silence: 30 of 40 staff on shift send no position"


def _old_row(s, kind: str, group_key: str, title: str, title_en: str, level: str = "village") -> Alert:
    """A row as written before titles had parts (the seed still writes these)."""
    alert = Alert(kind=kind, group_key=group_key, unit_code=GRID, district_code="licheng", town_code=TOWN,
                  village_code=VILLAGE, grid_code=GRID, severity=3, title=title, count=1, first_at=NOW,
                  last_at=NOW, state="open", level=level, detail={"title_en": title_en})
    s.add(alert)
    s.flush()
    return alert


def test_old_rows_render_from_their_columns_or_read_as_stored(tiny):
    with tiny.begin() as s:
        escalated = _old_row(s, "supervision_escalated", f"supervision_escalated:{GRID}:district",
                             "督办升级至县（区）：长寿社区第1网格",
                             f"Supervision escalated to district: {GRID}", level="city")
        silent = _old_row(s, "staff_silent", f"staff_silent:{GRID}",
                          "网格员失联：长寿社区第1网格（12 分钟无定位）",
                          "Staff silent: Changshou grid 1 (no position for 12 min)")
        unknown = _old_row(s, "severe_incident", "severe_incident:race", "告警", "Alert")
        # The level of the title is the one it climbed to then, not where duty officers moved it since.
        assert payload(escalated)["title_en"] == "Supervision escalated to District level: Changshou grid 1"
        assert payload(escalated)["title"] == "督办升级至区县：长寿社区第1网格"
        assert titles(silent) == ("网格员失联：长寿社区第1网格（12 分钟无定位）",
                                  "Staff silent: Changshou grid 1 (no position for 12 min)")
        assert titles(unknown) == ("告警", "Alert")
