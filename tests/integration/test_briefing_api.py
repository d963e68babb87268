"""The briefing over HTTP on SQLite and PostgreSQL: its order, filters, full places and stage
deadlines, instructions that say where they went and come back with receipts, and the A4 PDF."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bench.supervision_world import T0, FakeClock, token
from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core.models import AuditEntry, Instruction, InstructionReceipt, OutboxEvent
from feeds.persister import Persister
from tests.integration import briefing_world


@pytest.fixture
def brief(engine, Session, services_for):  # noqa: N803 - the fixture is a session factory
    """The briefing world, the real app at T0 and tokens for a leader, desks and a viewer."""
    with Session.begin() as s:
        ids = briefing_world.build(s)
        tokens = {"leader": token(s, "leader-city", "leader", "putian"),
                  "licheng": token(s, "leader-licheng", "leader", "licheng"),
                  "zhenhai": token(s, "duty-zhenhai", "duty", "licheng-zhenhai"),
                  "longqiao": token(s, "duty-longqiao", "duty", "chengxiang-longqiao"),
                  "viewer": token(s, "viewer-city", "viewer", "putian")}
    services = services_for(engine)
    app = create_app(services.settings, services)
    app.extensions["dashboard.clock"] = FakeClock()
    client = app.test_client()

    def call(method, path, who="leader", **kw):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)

    names = {v: k for k, v in ids.items() if k != "alert"}  # supervision ids (alerts count apart)
    return SimpleNamespace(call=call, ids=ids, names=names, Session=Session, services=services)


def _order(brief, query: str = "", who: str = "leader") -> list[str]:
    answer = brief.call("GET", f"/api/v1/briefing{query}", who)
    assert answer.status_code == 200, answer.json
    return [brief.names[i["id"]] for i in answer.json["supervision"]]


def test_default_order_is_highest_level_then_newest(brief):
    assert _order(brief) == briefing_world.DEFAULT_ORDER
    assert _order(brief, who="licheng") == ["D", "B", "A"]  # jurisdiction still applies


@pytest.mark.parametrize("query, expected", [
    ("?level=district", ["D", "B"]),
    ("?district=chengxiang", ["E", "C"]),
    ("?age=1d", ["D", "A"]),
    ("?age=7d", ["D", "A", "C"]),
    ("?age=30d", ["E", "D", "A", "C"]),
    ("?age=older", ["B"]),
    ("?district=licheng&level=town&age=1d", ["A"]),
])
def test_filters(brief, query, expected):
    assert _order(brief, query) == expected
    totals = brief.call("GET", f"/api/v1/briefing{query}").json["totals"]
    assert sum(totals.values()) == len(expected)


@pytest.mark.parametrize("query, field", [("?level=galaxy", "level"), ("?age=2d", "age"),
                                          ("?district=nowhere", "district"),
                                          ("?district=licheng-zhenhai", "district")])
def test_bad_filters_name_the_field(brief, query, field):
    answer = brief.call("GET", f"/api/v1/briefing{query}")
    assert answer.status_code == 400 and answer.json["field"] == field


def test_filters_narrow_alerts_too(brief):
    assert [a["id"] for a in brief.call("GET", "/api/v1/briefing?district=licheng").json["alerts"]] == \
        [brief.ids["alert"]]
    assert brief.call("GET", "/api/v1/briefing?district=chengxiang").json["alerts"] == []


def test_every_item_has_its_full_place_and_stage_deadline(brief):
    items = {brief.names[i["id"]]: i for i in brief.call("GET", "/api/v1/briefing").json["supervision"]}
    place = [p["name"] for p in items["A"]["place"]]
    assert place == ["荔城区", "镇海街道", "长寿社区", "长寿社区第01网格"]
    assert [p["name"] for p in items["C"]["place"]] == ["城厢区", "龙桥街道", "兴安社区", "兴安社区第03网格"]
    assert items["A"]["deadline"].startswith((T0.replace(hour=0)).strftime("%Y-%m-%dT00:00"))
    assert items["A"]["late_minutes"] == 120 and items["B"]["late_minutes"] == 40 * 1440


def test_instruction_says_where_it_went_and_a_retry_acts_once(brief):
    body = {"target_kind": "supervision", "target_id": brief.ids["D"], "text": "请立即处置",
            "request_id": "tap-1"}
    first = brief.call("POST", "/api/v1/instructions", json=body)
    again = brief.call("POST", "/api/v1/instructions", json=body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json["repeat"] is True and again.json["instruction"]["id"] == first.json["instruction"]["id"]
    with brief.Session() as s:
        assert s.scalar(select(func.count()).select_from(Instruction)) == 1
        logged = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "instruction")
        assert s.scalar(logged) == 1
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 1
    items = brief.call("GET", "/api/v1/briefing").json["supervision"]
    [item] = [i for i in items if i["id"] == brief.ids["D"]]
    [note] = item["instructions"]
    # It went to the district's desk and, the incident being dispatched, to the city management bureau.
    assert note["desk"]["name"] == "荔城区" and note["department"]["name"] == "城市管理局"
    assert note["author"] == "leader-city" and note["receipts"] == {}


@pytest.mark.parametrize("body, field", [
    ({"target_kind": "supervision", "target_id": "1", "text": "x", "request_id": ""}, "request_id"),
    ({"target_kind": "supervision", "target_id": "1", "text": "x", "request_id": "r" * 65}, "request_id"),
    ({"target_kind": "planet", "target_id": "1", "text": "x"}, "target_kind"),
    ({"target_kind": "supervision", "target_id": "1", "text": "x", "colour": "red"}, "colour"),
])
def test_bad_instructions_name_the_field(brief, body, field):
    answer = brief.call("POST", "/api/v1/instructions", json=body)
    assert answer.status_code == 422 and answer.json["field"] == field


def test_only_leaders_instruct(brief):
    body = {"target_kind": "supervision", "target_id": brief.ids["A"], "text": "x"}
    assert brief.call("POST", "/api/v1/instructions", "zhenhai", json=body).status_code == 403
    assert brief.call("GET", "/api/v1/briefing", "viewer").status_code == 403


def _receipts(brief, name: str) -> dict:
    key = "alerts" if name == "alert" else "supervision"
    [entry] = [e for e in brief.call("GET", "/api/v1/briefing").json[key] if e["id"] == brief.ids[name]]
    return entry["instructions"][0]["receipts"]


def test_receipts_read_by_the_target_desk_and_acted_on_by_a_step(brief):
    for name in ("A", "C"):
        body = {"target_kind": "supervision", "target_id": brief.ids[name], "text": "今日办结"}
        assert brief.call("POST", "/api/v1/instructions", json=body).status_code == 202
    brief.call("GET", "/api/v1/briefing", "longqiao")  # another desk reads: C's is read, A's is not
    assert _receipts(brief, "A") == {} and _receipts(brief, "C")["read"]["actor"] == "duty-longqiao"
    brief.call("GET", "/api/v1/briefing?age=1d", "zhenhai")
    brief.call("GET", "/api/v1/briefing", "zhenhai")  # a reread keeps the first receipt
    read = _receipts(brief, "A")["read"]
    assert read["actor"] == "duty-zhenhai" and read["at"].startswith(T0.strftime("%Y-%m-%dT%H:%M"))
    # The department reports the incident handled: the persister applies the step, twice delivered.
    data = {"incident": "inc-A", "action": "resolve", "from": "accepted", "to": "resolved",
            "at": T0.isoformat(), "actor": "liaison-citymgmt", "department": "citymgmt", "note": "",
            "key": "inc-A:v9", "version": 9,
            "units": ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
                      "licheng-zhenhai-changshou-g01"]}
    step = schema.Entry(schema.INCIDENTS, "5-0", schema.T_TRANSITION, data)
    persister = Persister(brief.Session, brief.services.redis)
    persister([step])
    persister([step])
    acted = _receipts(brief, "A")["acted"]
    assert (acted["actor"], acted["action"]) == ("liaison-citymgmt", "resolve")
    assert "acted" not in _receipts(brief, "C")
    with brief.Session() as s:
        assert s.scalar(select(func.count()).select_from(InstructionReceipt)) == 3  # A read, A acted, C read


def test_receipt_acted_on_by_a_duty_action_on_the_alert(brief):
    alert = brief.ids["alert"]
    assert brief.call("POST", "/api/v1/instructions", json={
        "target_kind": "alert", "target_id": alert, "text": "立即核实"}).status_code == 202
    ack = brief.call("POST", f"/api/v1/alerts/{alert}/ack", "zhenhai", json={"note": "已派人"})
    assert ack.status_code == 202, ack.json
    receipts = _receipts(brief, "alert")
    assert receipts["acted"]["action"] == "alert.ack" and receipts["acted"]["actor"] == "duty-zhenhai"


def _pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it, without the spaces and breaks of its line wrapping."""
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def test_pdf_is_a4_with_chinese_place_names_and_the_same_filters(brief, tmp_path):
    answer = brief.call("GET", "/api/v1/briefing.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in answer.data  # A4 in points
    text = _pdf_text(answer.data, tmp_path)
    for words in ("领导批阅", "超期督办", "荔城区＞镇海街道＞长寿社区＞长寿社区第01网格",
                  "城厢区＞龙桥街道＞兴安社区＞兴安社区第03网格", "占道经营", "环节时限"):
        assert words in text
    only = _pdf_text(brief.call("GET", "/api/v1/briefing.pdf?district=licheng").data, tmp_path)
    assert "荔城区" in only and "兴安社区" not in only
    english = _pdf_text(brief.call("GET", "/api/v1/briefing.pdf?lang=en").data, tmp_path)
    assert "Leaders'briefing" in english and "领导批阅" not in english
    assert brief.call("GET", "/api/v1/briefing.pdf?age=3d").json["field"] == "age"


def test_a_unicode_digit_is_no_target_id(brief):
    # "²".isdigit() is true, int("²") raises: found by the schema fuzzer as a 500.
    answer = brief.call("POST", "/api/v1/instructions", json={"target_kind": "alert", "target_id": "²",
                                                              "text": "x"})
    assert answer.status_code == 404 and answer.json["field"] == "target_id"
