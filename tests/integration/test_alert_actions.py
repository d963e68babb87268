"""Every duty action, once through the HTTP API and once through the desk's Dash callback (the real app,
an officer logged in through the form): one AlertAck row, one audit entry, one change to the alert and
one feed:alerts event each; the same request id again writes nothing and answers that it was done; the
same request several times at once acts once. Both ways go through dashboard.actions.alert_service.act.
On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dashboard.actions.alert_actions import ActionError
from dashboard.actions.alert_service import act
from dashboard.contract import schema
from dashboard.core import audit
from dashboard.core.models import Alert, AlertAck, AuditEntry
from dashboard.core.principal import Principal
from dashboard.core.timeutil import utcnow
from layouts import duty as L
from layouts import ids
from tests.integration.auth_world import add_account, add_token, build
from tests.integration.realtime_support import LICHENG_GRID
from tests.security.browser import ORIGIN, dash_body, login, make_site, session_cookie

# The Licheng district desk: above the village-level alert, so every action is its to take.
OFFICER = "licheng-duty"
GRID = LICHENG_GRID[-1]

# action: (body, what changes on the alert, its feed event, where the desk lists it afterwards)
ACTIONS = {
    "ack": ({"note": "已电话通知社区", "on_behalf_of": "李主任", "channel": "phone"}, {"state": "acked"},
            "alert.acked", L.BOARD),
    "assign": ({"to": OFFICER, "note": "请区里核实"}, {"assigned_to": OFFICER}, "alert.assigned", L.QUEUE),
    "escalate": ({"note": "需市里协调"}, {"level": "city"}, "alert.escalated", L.QUEUE),
    "snooze": ({"note": "施工期间暂缓", "expires_minutes": 60}, {"state": "snoozed"}, "alert.snoozed", None),
    "note": ({"note": "已派人到场"}, {}, "alert.noted", L.QUEUE),
    "resolve": ({"note": "已处置"}, {"state": "resolved"}, "alert.resolved", None),
}
# What the officer is told, in Chinese and English ({id} is the alert's).
DONE = {"ack": ("已确认 #{id}", "Acknowledged #{id}"), "assign": ("已指派 #{id}", "Assigned #{id}"),
        "escalate": ("已升级至 putian 市级值班台", "Escalated to the city desk of putian"),
        "snooze": ("已暂缓 #{id}", "Snoozed #{id}"), "note": ("已为 #{id} 添加备注", "Note added to #{id}"),
        "resolve": ("已办结 #{id}", "Resolved #{id}")}


@pytest.fixture
def desk(engine, Session, redis_client, tmp_path):  # noqa: N803
    """The real app, one open village-level alert in Licheng, and the district officer's account and
    API token."""
    alerts = build(Session)
    add_account(Session, OFFICER, "duty", "licheng")
    token = add_token(Session, OFFICER, "duty", "licheng")
    site = make_site(engine, Session, redis_client, tmp_path)
    return SimpleNamespace(app=site.app, services=site.services, Session=Session, redis=redis_client,
                           token=token, alert=alerts[GRID])


def _told(desk, action: str, lang: str = "en") -> str:
    return DONE[action][lang == "en"].format(id=desk.alert)


def _fields(desk) -> dict:
    with desk.Session() as s:
        alert = s.get(Alert, desk.alert)
        return {"state": alert.state, "level": alert.level, "assigned_to": alert.assigned_to}


def _written_once(desk, action: str, before: dict) -> None:
    """One row, one audit entry (the chain intact), the one change and one event, nothing else."""
    _, change, event, _ = ACTIONS[action]
    with desk.Session() as s:
        rows = s.scalars(select(AlertAck).where(AlertAck.alert_id == desk.alert)).all()
        entries = s.scalars(select(AuditEntry).where(AuditEntry.target == f"alert:{desk.alert}")).all()
        assert [(r.action, r.user) for r in rows] == [(action, OFFICER)]
        assert [(e.action, e.actor) for e in entries] == [(f"alert.{action}", OFFICER)]
        assert audit.verify(s) is None
    assert _fields(desk) == {**before, **change}
    assert [f["type"] for _, f in desk.redis.xrange(schema.ALERTS)] == [event]


def _api(desk, action: str, body: dict):
    return desk.app.test_client().post(f"/api/v1/alerts/{desk.alert}/{action}", json=body,
                                       headers={"Authorization": f"Bearer {desk.token}"})


def _officer(desk, cookie: str | None = None):
    """A browser logged in as the officer (or carrying an existing session's cookie)."""
    browser = desk.app.test_client()
    if cookie is None:
        assert login(browser, OFFICER).status_code == 303
    else:
        browser.set_cookie("dashboard_session", cookie)
    return browser


def _press(browser, desk, action: str, body: dict, submission: str, lang: str = "en") -> dict:
    """Press the action's button on the desk with the form filled from `body`: the Dash callback as
    the browser posts it. The outputs it changed, by id."""
    values = {f"{button}.n_clicks": 1 if name == action else None for name, button in L.BUTTONS.items()}
    values.update({f"{L.TARGET}.data": desk.alert, f"{L.NOTE}.value": body.get("note", ""),
                   f"{L.BEHALF}.value": body.get("on_behalf_of", ""),
                   f"{L.CHANNEL}.value": body.get("channel", "screen"),
                   f"{L.ASSIGN}.value": body.get("to", ""), f"{ids.LANG}.data": lang,
                   f"{L.SUBMISSION}.data": submission,
                   f"{L.SNOOZE_MINUTES}.value": body.get("expires_minutes", 30)})
    answer = browser.post("/_dash-update-component", headers=ORIGIN,
                          json=dash_body(desk.app, L.RESULT, values, f"{L.BUTTONS[action]}.n_clicks"))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return {key: next(iter(props.values())) for key, props in answer.get_json()["response"].items()}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_through_the_api_acts_once(desk, action):
    body = {**ACTIONS[action][0], "request_id": "req-1"}
    before = _fields(desk)
    first = _api(desk, action, body)
    assert first.status_code == 202, first.get_json()
    done = first.get_json()
    assert (done["repeat"], done["message"], done["message_zh"]) == (False, _told(desk, action),
                                                                     _told(desk, action, "zh"))
    assert done["stream_id"] == desk.redis.xrevrange(schema.ALERTS, count=1)[0][0]
    _written_once(desk, action, before)
    # A retry with the same request id: the first row answers, nothing is written.
    again = _api(desk, action, body)
    assert again.status_code == 200, again.get_json()
    repeat = again.get_json()
    assert repeat["repeat"] is True and repeat["action"]["id"] == done["action"]["id"]
    assert "message" not in repeat  # a resent request is told by `repeat` alone (docs/openapi.yaml)
    _written_once(desk, action, before)


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_through_the_desk_acts_once(desk, action):
    body, _, _, listed = ACTIONS[action]
    browser = _officer(desk)
    before = _fields(desk)
    first = _press(browser, desk, action, body, "sub-1")
    assert first[L.RESULT] == _told(desk, action)
    # The lists are read again: the alert is where its new state puts it (or gone).
    where = {name: [r["id"] for r in first[name]] for name in (L.QUEUE, L.BOARD)}
    assert where == {name: [desk.alert] if name == listed else [] for name in (L.QUEUE, L.BOARD)}
    assert first[L.NOTE] == "" and first[L.SUBMISSION] not in (None, "sub-1")  # ready for the next
    _written_once(desk, action, before)
    # The second click of a double click (the same submission): done once, and said so.
    again = _press(browser, desk, action, body, "sub-1", "zh")
    assert again[L.RESULT] == f"已办理，未重复记录：{_told(desk, action, 'zh')}"
    _written_once(desk, action, before)


@pytest.mark.parametrize("way", ["api", "desk"])
def test_the_same_request_several_times_at_once_acts_once(desk, way):
    body, presses = {"note": "同时提交", "request_id": "burst-1"}, 4
    cookie = session_cookie(_officer(desk))
    browsers = [_officer(desk, cookie) for _ in range(presses)]
    start, answers = threading.Barrier(presses), []

    def press(browser) -> None:
        start.wait()
        if way == "api":
            reply = _api(desk, "ack", body)
            answers.append((reply.status_code, reply.get_json().get("repeat")))
        else:
            answers.append(_press(browser, desk, "ack", body, body["request_id"])[L.RESULT])

    threads = [threading.Thread(target=press, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    told = _told(desk, "ack")
    expected = ([(202, False)] + [(200, True)] * (presses - 1) if way == "api"
                else [told] + [f"Already done, recorded once: {told}"] * (presses - 1))
    assert sorted(answers, key=str) == sorted(expected, key=str)
    _written_once(desk, "ack", {"state": "open", "level": "village", "assigned_to": None})


@pytest.mark.parametrize("role", ["viewer", "liaison", "wall", "system"])
def test_only_duty_roles_act_whoever_calls_the_service(desk, role):
    # a city-wide caller: jurisdiction is no obstacle
    caller = Principal(name=f"a-{role}", role=role, unit_code="putian")
    with pytest.raises(ActionError) as refused:
        act(desk.services, caller, desk.alert, "resolve", {}, None, utcnow())
    assert refused.value.status == 403 and str(refused.value) == f"role '{role}' may not act on alerts"
    assert _fields(desk) == {"state": "open", "level": "village", "assigned_to": None}
    with desk.Session() as s:
        assert s.scalars(select(AlertAck)).all() == []
