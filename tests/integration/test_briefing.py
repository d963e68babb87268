"""The briefing page's callbacks called directly, as each role, on the tiny world (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from flask import g
from sqlalchemy import func, select

from callbacks import briefing as cb
from dashboard.actions.instructions import MAX_TEXT
from dashboard.app import create_app
from dashboard.core import audit
from dashboard.core.models import Alert, AuditEntry, Instruction, OutboxEvent, SupervisionItem
from dashboard.core.principal import Principal
from tests.integration import ui_world

T, V, GRID = ui_world.T, ui_world.V, ui_world.GRID
CITY_LEADER = Principal(name="leader-city", role="leader", unit_code="putian", unit_level="city",
                        via="session")
TOWN_LEADER = Principal(name="leader-zhenhai", role="leader", unit_code=T, unit_level="town", via="session")
OTHER_DISTRICT = Principal(name="leader-cx", role="leader", unit_code="chengxiang", unit_level="district",
                           via="session")
TOWN_DUTY = Principal(name="duty-zhenhai", role="duty", unit_code=T, unit_level="town", via="session")
VIEWER = Principal(name="viewer", role="viewer", unit_code="putian", unit_level="city", via="session")


@pytest.fixture
def app(Session, engine, services_for):  # noqa: N803 - the fixture is a session factory
    """The real Flask app on the tiny world plus one critical alert; callbacks run in a request."""
    with Session.begin() as s:
        ui_world.build(s)
        s.add(Alert(kind="severe_incident", group_key=f"severe_incident:{GRID}:food-01", unit_code=GRID,
                    district_code="licheng", town_code=T, village_code=V, grid_code=GRID, severity=4,
                    title="严重事件：无证经营", detail={"title_en": "Severe: unlicensed trading"},
                    first_at=ui_world.NOW, last_at=ui_world.NOW, state="open", level="town",
                    incident_id="inc-004"))
    services = services_for(engine)
    server = create_app(services.settings, services)
    with server.test_request_context("/_dash-update-component", environ_base={"REMOTE_ADDR": "10.0.0.7"}):
        yield server


def as_(principal: Principal) -> None:
    """Make the principal the caller of the next callbacks (what the session lookup would give)."""
    g.principal = principal


def _ids(Session, model) -> list[str]:  # noqa: N803
    with Session() as s:
        return [str(i) for i in s.execute(select(model.id)).scalars()]


def _tree(body) -> dict:
    return json.loads(json.dumps(body.to_plotly_json(), default=lambda c: c.to_plotly_json()))


def _cards(body) -> list[tuple[str, str, bool]]:
    """(kind, id, has an instruct button) of every card in the rendered page."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if "briefing-card" in (props.get("className") or "").split():
                buttons = [c for c in props["children"] if isinstance(c, dict)
                           and isinstance(c.get("props", {}).get("id"), dict)]
                found.append((props["data-kind"], props["data-id"], bool(buttons)))
            walk(props.get("children"))

    walk(_tree(body))
    return found


def _kpis(body) -> dict[str, str]:
    found = {}

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if "kpi" in (props.get("className") or "").split():
                found[props["data-kpi"]] = props["children"][1]["props"]["children"]
            walk(props.get("children"))

    walk(_tree(body))
    return found


def test_leader_sees_overdue_and_critical_with_a_button_each(app, Session):  # noqa: N803
    as_(CITY_LEADER)
    body, title, placeholder, submit, cancel, *_ = cb.render_briefing(0, 0, "zh", now=ui_world.NOW)
    item, alert = _ids(Session, SupervisionItem)[0], _ids(Session, Alert)[0]
    assert _cards(body) == [("supervision", item, True), ("alert", alert, True)]
    assert (title, submit) == ("批示", "提交批示") and str(MAX_TEXT) in placeholder
    assert _kpis(body) == {"briefing-supervision": "1", "briefing-high": "0", "briefing-alerts": "1",
                           "briefing-instructed": "0"}
    _, title_en, *_ = cb.render_briefing(0, 0, "en", now=ui_world.NOW)
    assert title_en == "Instruction"


def test_jurisdiction_on_read(app):
    as_(TOWN_LEADER)
    assert [c[0] for c in _cards(cb.render_briefing(0, 0, "zh")[0])] == ["supervision", "alert"]
    as_(OTHER_DISTRICT)
    assert _cards(cb.render_briefing(0, 0, "zh")[0]) == []


def test_duty_reads_without_buttons_and_viewer_is_refused(app):
    as_(TOWN_DUTY)
    assert [c[2] for c in _cards(cb.render_briefing(0, 0, "zh")[0])] == [False, False]
    as_(VIEWER)
    body = cb.render_briefing(0, 0, "en")[0]
    assert _cards(body) == [] and "leaders, duty officers" in body.children


def test_tap_opens_the_dialog_with_the_servers_own_subject(app, Session):  # noqa: N803
    as_(CITY_LEADER)
    item = _ids(Session, SupervisionItem)[0]
    is_open, target, subject, text, feedback = cb.open_dialog({"kind": "supervision", "id": item}, True,
                                                              False, "zh")
    assert is_open and (target["kind"], target["id"]) == ("supervision", item)
    assert len(target["request"]) == 32  # a fresh request id per opening: a double submit acts once
    assert cb.open_dialog({"kind": "supervision", "id": item}, True, False, "zh")[1]["request"] != \
        target["request"]
    assert subject == "无证经营 · 事件4" and text == "" and feedback == ""
    assert cb.open_dialog(None, False, True, "zh")[:2] == (False, None)
    as_(OTHER_DISTRICT)  # an item outside the jurisdiction opens nothing
    assert cb.open_dialog({"kind": "supervision", "id": item}, True, False, "zh")[0] is cb.no_update


def test_instruction_is_recorded_audited_published_and_shown(app, Session, redis_client):  # noqa: N803
    as_(TOWN_LEADER)
    item = _ids(Session, SupervisionItem)[0]
    is_open, refresh, feedback, notice = cb.submit_instruction(1, "  请今日内处置完毕  ",
                                                               {"kind": "supervision", "id": item}, 3, "zh")
    assert (is_open, refresh, feedback) == (False, 4, "") and "请今日内处置完毕" in notice
    with Session() as s:
        row = s.execute(select(Instruction)).scalar_one()
        assert (row.target_kind, row.target_id, row.text, row.author) == \
            ("supervision", item, "请今日内处置完毕", "leader-zhenhai")
        assert (row.incident_id, row.unit_code, row.grid_code) == ("inc-004", T, GRID)
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "instruction")).scalar_one()
        assert (entry.actor, entry.target, entry.unit_code, entry.source_ip) == \
            ("leader-zhenhai", f"supervision:{item}", T, "10.0.0.7")
        assert audit.verify(s) is None
        sent = s.execute(select(OutboxEvent)).scalar_one()
        assert sent.published_at is not None and sent.type == "alert.instructed"
    [(stream_id, fields)] = redis_client.xrange("feed:alerts")
    data = json.loads(fields["data"])
    assert stream_id == sent.stream_id and fields["type"] == "alert.instructed"
    assert data["units"] == ["putian", "licheng", T, V, GRID]
    assert data["instruction"]["text"] == "请今日内处置完毕" and data["target_kind"] == "supervision"
    # The duty officer of the town sees it on the item.
    as_(TOWN_DUTY)
    body = cb.render_briefing(0, 0, "zh")[0]
    assert "请今日内处置完毕" in json.dumps(_tree(body), ensure_ascii=False)


def test_instruction_on_an_alert_carries_the_alert(app, Session, redis_client):  # noqa: N803
    as_(CITY_LEADER)
    alert = _ids(Session, Alert)[0]
    assert cb.submit_instruction(1, "立即核实", {"kind": "alert", "id": alert}, 0, "en")[0] is False
    data = json.loads(redis_client.xrange("feed:alerts")[-1][1]["data"])
    assert data["id"] == int(alert) and data["severity"] == 4 and data["by"] == "leader-city"


@pytest.mark.parametrize("principal, target, text, field", [
    (OTHER_DISTRICT, "item", "越权批示", "target_id"),  # another district's item: not found
    (TOWN_DUTY, "item", "值班员不批示", "role"),
    (CITY_LEADER, "item", "   ", "text"),
    (CITY_LEADER, "item", "长" * (MAX_TEXT + 1), "text"),
    (CITY_LEADER, "999999", "没有这一项", "target_id"),
])
def test_refused_writes_change_nothing(app, Session, principal, target, text, field):  # noqa: N803
    as_(principal)
    item = _ids(Session, SupervisionItem)[0] if target == "item" else target
    is_open, refresh, feedback, notice = cb.submit_instruction(1, text, {"kind": "supervision", "id": item},
                                                               0, "zh")
    assert is_open is True and refresh is cb.no_update and f"({field})" in feedback
    with Session() as s:
        assert s.execute(select(func.count()).select_from(Instruction)).scalar() == 0
        assert s.execute(select(func.count()).select_from(OutboxEvent)).scalar() == 0


def test_filters_choices_print_link_and_live_subscription(app):
    as_(TOWN_LEADER)
    out = cb.render_briefing(0, 0, "zh", "town", "licheng", "1d", now=ui_world.NOW)
    body, levels, districts, ages, *labels, href, print_text = out[0], *out[5:]
    assert [c[0] for c in _cards(body)] == ["supervision", "alert"]
    assert [o["label"] for o in levels][:2] == ["全部", "市"]
    assert [o["value"] for o in districts] == ["", "licheng"]  # the districts of the jurisdiction
    assert [o["value"] for o in ages] == ["", "1d", "7d", "30d", "older"]
    assert labels == ["督办层级", "区县", "超期时长"] and print_text == "打印/导出 PDF"
    assert href == "/api/v1/briefing.pdf?level=town&district=licheng&age=1d&lang=zh"
    assert _cards(cb.render_briefing(0, 0, "en", "city", None, None, now=ui_world.NOW)[0]) == []
    assert cb.live_subscription("briefing-root") == {"unit": T, "level": "town", "live": False,
                                                     "briefing": True}


def test_place_and_deadline_on_the_card(app):
    as_(CITY_LEADER)
    text = json.dumps(_tree(cb.render_briefing(0, 0, "zh", now=ui_world.NOW)[0]), ensure_ascii=False)
    assert "荔城区 › 镇海街道 › 长寿社区 › 长寿社区第1网格" in text and "已超时 3小时" in text
    english = json.dumps(_tree(cb.render_briefing(0, 0, "en", now=ui_world.NOW)[0]), ensure_ascii=False)
    assert "Licheng › Zhenhai › Changshou › Changshou grid 1" in english and "3 h late" in english


def test_a_double_submit_of_one_dialog_records_once(app, Session):  # noqa: N803
    as_(CITY_LEADER)
    item = _ids(Session, SupervisionItem)[0]
    target = cb.open_dialog({"kind": "supervision", "id": item}, True, False, "zh")[1]
    assert cb.submit_instruction(1, "请核实", target, 0, "zh")[1] == 1
    assert cb.submit_instruction(2, "请核实", target, 1, "zh")[1] == 2  # answered as done, not redone
    with Session() as s:
        assert s.execute(select(func.count()).select_from(Instruction)).scalar() == 1
        assert s.execute(select(func.count()).select_from(OutboxEvent)).scalar() == 1
