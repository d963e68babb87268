"""The desk's story drawer and roster typeahead called directly, as officers of two places, on SQLite
and PostgreSQL: the drawer lists the alert's events, the roster offers the unit's people and desks,
and an assignment to the officer's own desk is marked "指派给我"."""

from __future__ import annotations

import pytest
from dash.exceptions import PreventUpdate

from callbacks import duty, duty_story
from dashboard.auth.accounts import create_user
from layouts import duty_story as S
from tests.integration import ui_world
from tests.integration.test_duty import desk  # noqa: F401 - the shared fixture: a town desk and three alerts


def _text(component) -> str:
    return str(component.to_plotly_json())


def test_the_story_cell_opens_the_drawer_with_the_alerts_events(desk):  # noqa: F811
    as_, alerts, _, _ = desk
    target = alerts["low"]
    with as_("town"):
        duty.act("ack", target, "已电话通知", "王五", "phone", "", "zh")
        is_open, title, body = duty_story.open_story({"colId": S.COLUMN, "rowId": str(target)}, "zh")
    assert is_open is True and title == f"告警 #{target} 经过"
    kinds = [li.to_plotly_json()["props"]["data-kind"] for li in body.children]
    assert kinds == ["alert.created", "alert.ack"]
    ack = _text(body.children[1])
    assert "确认" in ack and "代 王五（电话）" in ack and "已电话通知" in ack and "duty-zhenhai" in ack
    # Another column's click is not a request for the story.
    with as_("town"), pytest.raises(PreventUpdate):
        duty_story.open_story({"colId": "title", "rowId": str(target)}, "zh")


def test_a_foreign_alert_has_no_story_on_the_desk(desk):  # noqa: F811
    as_, alerts, _, _ = desk
    with as_("town"):
        _, _, body = duty_story.open_story({"colId": S.COLUMN, "rowId": str(alerts["foreign"])}, "en")
    assert "not found" in body or "jurisdiction" in body


def test_the_roster_offers_people_and_desks_and_marks_the_officers_own(desk, Session):  # noqa: F811,N803
    as_, alerts, _, _ = desk
    target = alerts["low"]
    with Session.begin() as s:
        create_user(s, "duty-zhenhai", "secret-password-1", "duty", ui_world.T,
                    display_name="镇海街道值班台")
    with as_("town"):
        options, value = duty_story.roster_for(target, "zh")
        assert value is None
        by_id = {o["value"]: o for o in options}
        assert by_id["s001"]["label"] == "林芳 · 网格巡逻巡查员 · " + by_id["s001"]["label"].split(" · ")[2]
        assert "linfang" in by_id["s001"]["search"] and "lf" in by_id["s001"]["search"].split()
        assert by_id["duty-zhenhai"]["label"].startswith("镇海街道值班台 · 乡镇街道值班台")
        assert duty_story.roster_for(alerts["foreign"], "zh") == ([], None)

        refused = duty.act("assign", target, "", "", "screen", "市场监管局", "zh")[0]
        assert refused.startswith("不能执行：指派对象须从")
        message, queue, _ = duty.act("assign", target, "", "", "screen", "duty-zhenhai", "zh")
    assert message == f"已指派 #{target}"
    row = next(r for r in queue if r["id"] == target)
    assert (row["assigned_to"], row["assigned_name"], row["mine"]) == ("duty-zhenhai", "镇海街道值班台", True)
    with as_("town"):
        duty.act("assign", target, "", "", "screen", "s001", "zh")
        queue, _ = duty.desk_rows(duty.desk_principal(), "zh")
    row = next(r for r in queue if r["id"] == target)
    assert (row["assigned_name"], row["mine"]) == ("林芳", False)
