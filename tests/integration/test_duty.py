"""The duty desk's callbacks called directly, as officers of two places, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from dash import no_update
from sqlalchemy import select

from callbacks import duty
from dashboard.actions.alerting import Place, raise_alert
from dashboard.app import create_app
from dashboard.core.models import ALERT_KINDS, Alert, AlertAck, AuditEntry
from dashboard.core.principal import issue_token
from dashboard.core.timeutil import utcnow
from layouts import duty as L
from tests.integration import ui_world

TOWN, VILLAGE, GRID = ui_world.T, ui_world.V, ui_world.GRID


def _raise(s, key: str, severity: int, place: Place, minutes_ago: int) -> int:
    now = utcnow() - timedelta(minutes=minutes_ago)
    raise_alert(s, kind="severe_incident", group_key=key, occurrence=f"{key}:1", cause="c", place=place,
                severity=severity, title=f"告警{key}", title_en=f"Alert {key}", now=now)
    s.flush()
    return s.execute(select(Alert.id).where(Alert.group_key == key)).scalar_one()


@pytest.fixture
def desk(Session, engine, services_for):  # noqa: N803 - the fixture is a session factory
    """The real app on the tiny world with three alerts and tokens for officers of two places."""
    here = Place(unit_code=GRID, district_code="licheng", town_code=TOWN, village_code=VILLAGE,
                 grid_code=GRID)
    there = Place(unit_code="chengxiang", district_code="chengxiang")
    with Session.begin() as s:
        ui_world.build(s)
        s.flush()
        alerts = {"critical": _raise(s, "here-critical", 4, here, 5),
                  "low": _raise(s, "here-low", 2, here, 1), "foreign": _raise(s, "there", 4, there, 2)}
        tokens = {"town": issue_token(s, "duty-zhenhai", "duty", TOWN),
                  "other": issue_token(s, "duty-chengxiang", "duty", "chengxiang"),
                  "district": issue_token(s, "duty-licheng", "duty", "licheng"),
                  "viewer": issue_token(s, "viewer-city", "viewer", "putian"),
                  "wall": issue_token(s, "wall-licheng", "wall", "licheng", wall_path="/wall/unit/licheng"),
                  "liaison": issue_token(s, "liaison-market", "liaison", "putian", department_code="market")}
    services = services_for(engine)
    server = create_app(services.settings, services)

    @contextmanager
    def as_(who: str):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        with server.test_request_context("/_dash-update-component", method="POST", headers=headers,
                                         environ_base={"REMOTE_ADDR": "10.1.2.3"}):
            yield

    return as_, alerts, Session, services


def _ids(rows) -> list[int]:
    return [r["id"] for r in rows]


def test_queue_holds_only_the_officers_jurisdiction_most_severe_first(desk):
    as_, alerts, _, _ = desk
    with as_("town"):
        body, sub = duty.render_desk("zh")
        queue, board = duty.desk_rows(duty.desk_principal(), "zh")
    assert _ids(queue) == [alerts["critical"], alerts["low"]] and board == []
    assert sub["unit"] == TOWN and sub["desk"] is True
    assert queue[0]["severity_label"] == "特大" and queue[0]["count"] == 1
    assert "镇海街道" in str(body.children[0].children[0].children)
    with as_("other"):
        queue, _ = duty.desk_rows(duty.desk_principal(), "en")
    assert _ids(queue) == [alerts["foreign"]] and queue[0]["title"] == "Alert there"


@pytest.mark.parametrize("who", ["viewer", "wall", "liaison"])
def test_other_roles_get_no_desk_and_cannot_act(desk, who):
    as_, alerts, Session, _ = desk
    with as_(who):
        body, sub = duty.render_desk("en")
        message, queue, board = duty.act("ack", alerts["low"], "", "", "screen", "", "en")
    assert sub is None and body.children == L.tr("forbidden", "en")
    assert message == L.tr("forbidden", "en") and queue is no_update
    with Session() as s:
        assert s.get(Alert, alerts["low"]).state == "open"


def test_a_double_click_acts_once_and_the_next_submission_acts_again(desk):
    as_, alerts, Session, _ = desk
    with as_("town"):
        first = duty.act("ack", alerts["low"], "", "", "screen", "", "en", "sub-1")
        second = duty.act("ack", alerts["low"], "", "", "screen", "", "en", "sub-1")  # same submission
        third = duty.act("note", alerts["low"], "again", "", "screen", "", "en", "sub-2")
        # A new acknowledgement of the acknowledged alert: who did it and when, and nothing written.
        fourth = duty.act("ack", alerts["low"], "twice", "", "screen", "", "zh", "sub-3")
    assert first[1] is not no_update  # done: the queue was re-read
    # The second click says it was done once, and shows the rows as they stand.
    assert second[0] == f"Already done, recorded once: Acknowledged #{alerts['low']}"
    assert _ids(second[2]) == [alerts["low"]]
    assert third[1] is not no_update
    assert fourth[0].startswith("已由 duty-zhenhai 于 ") and fourth[0].endswith(" 确认")
    assert fourth[1] is no_update
    with Session() as s:
        notes = s.execute(select(AlertAck.note).where(AlertAck.alert_id == alerts["low"])
                          .order_by(AlertAck.id)).scalars().all()
        audits = s.execute(select(AuditEntry.action).where(AuditEntry.target == f"alert:{alerts['low']}")
                           ).scalars().all()
    assert notes == ["", "again"] and audits == ["alert.ack", "alert.note"]


def test_ack_on_behalf_is_recorded_audited_and_published(desk):
    as_, alerts, Session, services = desk
    with as_("town"):
        message, queue, board = duty.act("ack", alerts["critical"], "已电话通知", "张三", "phone", "", "zh")
    assert message == f"已确认 #{alerts['critical']}"
    assert _ids(queue) == [alerts["low"]] and _ids(board) == [alerts["critical"]]
    assert board[0]["acked_by"] == "张三"
    with Session() as s:
        ack = s.execute(select(AlertAck).where(AlertAck.alert_id == alerts["critical"])).scalar_one()
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "alert.ack")).scalar_one()
    assert (ack.user, ack.on_behalf_of, ack.channel, ack.note, ack.source_ip) == \
        ("duty-zhenhai", "张三", "phone", "已电话通知", "10.1.2.3")
    assert (audit.actor, audit.target, audit.source_ip) == ("duty-zhenhai", f"alert:{alerts['critical']}",
                                                            "10.1.2.3")
    entries = services.redis.xrange("feed:alerts")
    events = [(f["type"], json.loads(f["data"])) for _, f in entries]
    assert [(t, d["id"], d["state"]) for t, d in events] == [("alert.acked", alerts["critical"], "acked")]
    assert TOWN in events[0][1]["units"]


def test_on_behalf_needs_a_channel(desk):
    as_, alerts, Session, _ = desk
    with as_("town"):
        message, queue, _ = duty.act("ack", alerts["low"], "", "李四", "screen", "", "en")
    assert "channel" in message and queue is no_update
    with Session() as s:
        assert s.get(Alert, alerts["low"]).state == "open"


def test_an_alert_outside_the_jurisdiction_does_not_exist_for_the_officer(desk):
    as_, alerts, Session, services = desk
    with as_("town"):
        message, queue, _ = duty.act("resolve", alerts["foreign"], "", "", "screen", "", "en")
    assert message.startswith("Refused") and "jurisdiction" in message and queue is no_update
    with Session() as s:
        assert s.get(Alert, alerts["foreign"]).state == "open"
    assert services.redis.xlen("feed:alerts") == 0


def test_assign_escalate_and_resolve(desk):
    as_, alerts, Session, _ = desk
    target = alerts["low"]
    with as_("town"):
        assert duty.act("assign", target, "", "", "screen", "", "en")[0].startswith("Refused")
        message, queue, _ = duty.act("assign", target, "", "", "screen", "s001", "zh")
        assert message == f"已指派 #{target}" and queue[-1]["assigned_to"] == "s001"
        # The town desk escalates: the alert goes above it, to the district desk, and the answer says so.
        message, queue, _ = duty.act("escalate", target, "需区里协调", "", "screen", "", "zh")
        assert message == "已升级至 荔城区 区级值班台"
        assert [r["level"] for r in queue if r["id"] == target] == ["district"]
        # In the queue's order: severity first, so the critical alert stays above it.
        assert _ids(queue) == [alerts["critical"], target]
        assert duty.act("resolve", target, "", "", "screen", "", "en")[0].startswith("Refused: the alert is")
    with as_("district"):
        message, queue, board = duty.act("resolve", target, "", "", "screen", "", "en")
        assert target not in _ids(queue) + _ids(board)
        refused = duty.act("resolve", target, "", "", "screen", "", "en")[0]
        assert refused == "Refused: alert is already resolved"
        # The refusal is in the desk's language, whole: no English reason inside a Chinese message.
        assert duty.act("resolve", target, "", "", "screen", "", "zh")[0] == "不能执行：该告警已办结"
        assert duty.act("assign", target, "", "", "screen", "", "zh")[0] == "不能执行：请填写指派对象"
    with Session() as s:
        actions = s.execute(select(AlertAck.action).where(AlertAck.alert_id == target)
                            .order_by(AlertAck.id)).scalars().all()
    assert actions == ["assign", "escalate", "resolve"]


def test_picking_a_row_names_the_target(desk):
    as_, alerts, _, _ = desk
    row = {"id": alerts["low"], "title": "告警here-low"}
    assert duty.pick_target([row], None, "zh", L.QUEUE) == \
        (alerts["low"], f"已选：#{alerts['low']} 告警here-low")
    assert duty.pick_target([row], [{"id": 9, "title": "x"}], "en", L.BOARD)[0] == 9
    assert duty.pick_target(None, None, "en") == (None, L.tr("none_selected", "en"))
    with as_("town"):
        assert duty.act("ack", None, "", "", "screen", "", "en")[0] == L.tr("none_selected", "en")


def _find(component, id_: str):
    """The component of this id in a Dash tree (None if absent)."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


def test_the_desk_offers_its_filters_and_rows_carry_what_they_filter_on(desk):
    as_, alerts, _, _ = desk
    with as_("town"):
        body, sub = duty.render_desk("zh")
        queue, _ = duty.desk_rows(duty.desk_principal(), "zh")
    districts = _find(body, L.FILTER_DISTRICT).options
    assert [(o["value"], o["label"]) for o in districts] == [("licheng", "荔城区")]  # its own only
    levels = [o["value"] for o in _find(body, L.FILTER_LEVEL).options]
    assert levels == ["city", "district", "town", "village"]
    assert len(_find(body, L.FILTER_KIND).options) == len(ALERT_KINDS)
    assert _find(body, L.FOCUS).data == {"me": ["duty-zhenhai"], "level": "town"}
    assert [o["value"] for o in _find(body, L.VIEW).options] == ["all", "mine", "desk"]
    row = next(r for r in queue if r["id"] == alerts["low"])
    assert (row["district"], row["level"], row["level_rank"]) == ("licheng", "village", 1)
    # The browser builds the same rank for a live row from the table the page is handed.
    assert sub["names"]["ranks"]["village"] == 1 and sub["names"]["ranks"]["city"] == 4
    # The queue's grid sorts by the one order, the board says what is empty.
    grid = _find(body, L.QUEUE)
    assert [(c["field"], c["sort"]) for c in grid.columnDefs if c.get("sort")] == \
        [("severity", "desc"), ("level_rank", "desc"), ("first_at", "asc"), ("id", "asc")]
    assert _find(body, L.BOARD).dashGridOptions["localeText"]["noRowsToShow"] == "暂无已确认未办结的告警"
