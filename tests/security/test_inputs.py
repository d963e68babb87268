"""Issue 14 (8, 11): bad view parameters and malformed callback bodies never give 500s (a clear
refusal on the page, or a 400 JSON error naming the field); one caller per request: a browser request
with a session and an Authorization header is refused with 400; no URL, callback or socket message
parameter can cause a 500."""

from __future__ import annotations

import pytest

from layouts import ids
from tests.integration.auth_world import Browser, add_token, serving, view_body
from tests.security.browser import ORIGIN, login

HOSTILE = ["0", "1", "0001", "-1", "9999", "99999999999999999999", "\x00", "\n", "²", "%", "'", "x" * 3000]


def callback(client, body, **headers):
    return client.post("/_dash-update-component", json=body, headers={**ORIGIN, **headers})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_bad_periods_are_refused_on_the_page_not_with_a_500(site):
    client = site.app.test_client()
    login(client, "zhenhai")
    for query in [{"period": "0"}, {"period": "1"}, {"period": "0001"}, {"from": "0001-01-01"},
                  {"from": "2026-01-01", "to": "0001-01-01"}, {"from": "9999-12-31"}, {"period": ["x"]},
                  *({"period": v} for v in HOSTILE), *({"from": v} for v in HOSTILE)]:
        answer = callback(client, view_body("licheng-zhenhai", query))
        assert answer.status_code == 200, (query, answer.status_code)
        shown = str(answer.get_json()["response"][ids.VIEW_BODY]["children"])
        assert "时段" in shown or "日期" in shown, query  # the page says what is wrong with the period
    good = callback(client, view_body("licheng-zhenhai", {"period": "2019"})).get_json()
    assert good["response"][ids.LIVE_SUB]["data"]["unit"] == "licheng-zhenhai"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_malformed_callback_bodies_get_a_400_json_error(site):
    client = site.app.test_client()
    login(client, "zhenhai")
    good = view_body("licheng-zhenhai", {})
    cases = [("[]", "body"), ("{", "body"), ("null", "body"), ('"x"', "body"),
             ({**good, "output": 5}, "output"), ({**good, "output": ""}, "output"),
             ({**good, "inputs": "x"}, "inputs"), ({**good, "inputs": [5]}, "inputs"),
             ({**good, "inputs": [{"id": "x"}]}, "inputs"), ({**good, "state": {}}, "state"),
             ({**good, "changedPropIds": [1]}, "changedPropIds"), ({**good, "outputs": 7}, "outputs"),
             ({**good, "output": "no-such.children"}, "body"),  # no such callback
             ({**good, "inputs": [{"id": ids.VIEW, "property": "data", "value": [1, 2]}]}, None),
             ({**good, "inputs": []}, "body")]
    for body, field in cases:
        if isinstance(body, str):
            answer = client.post("/_dash-update-component", data=body, content_type="application/json",
                                 headers=ORIGIN)
        else:
            answer = callback(client, body)
        if field is None:  # a value no screen sends: refused on the page, or a 400 — never a 500
            assert answer.status_code in (200, 204, 400), (body, answer.status_code)
            continue
        assert answer.status_code == 400 and answer.is_json, (body, answer.status_code)
        assert answer.get_json()["field"] == field, (body, answer.get_json())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_one_caller_per_request(site):
    token = add_token(site.Session, "feeder", "system", "putian")
    bearer = {"Authorization": f"Bearer {token}"}
    browser = site.app.test_client()
    login(browser, "zhenhai")
    for path in ("/api/v1/incidents", "/unit/licheng-zhenhai", "/api/v1/units/putian"):
        refused = browser.get(path, headers=bearer)
        assert refused.status_code == 400 and refused.get_json()["field"] == "Authorization", path
    for header in (bearer, {"Authorization": "Bearer junk"}, {"Authorization": "Basic eDp5"}):
        refused = callback(browser, view_body("licheng-zhenhai", {}), **header)
        assert refused.status_code == 400 and refused.get_json()["field"] == "Authorization"
    assert browser.get("/api/v1/incidents").status_code == 200  # the session alone still reads
    assert site.app.test_client().get("/api/v1/incidents", headers=bearer).status_code == 200  # token alone
    junk = site.app.test_client().post("/_dash-update-component", json=view_body("putian", {}),
                                       headers={**ORIGIN, "Authorization": "Bearer junk"})
    assert junk.status_code == 400  # a token on a screen's endpoint, with or without a session


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_url_parameter_gives_a_500(site):
    client = site.app.test_client()
    login(client, "boss")
    for value in HOSTILE + ["putian/../x", "a b", "%00", "-", "1e9999", "[]"]:
        for path in ("/api/v1/incidents?unit={v}", "/api/v1/incidents?state={v}",
                     "/api/v1/incidents?from={v}", "/api/v1/incidents?limit={v}",
                     "/api/v1/incidents?after={v}", "/api/v1/units/{v}",
                     "/api/v1/incidents/{v}", "/api/v1/alerts?unit={v}", "/api/v1/alerts?state={v}",
                     "/api/v1/audit?from={v}", "/api/v1/audit?unit={v}", "/unit/{v}", "/wall/unit/{v}",
                     "/login?next={v}", "/login?lang={v}", "/city?period={v}"):
            answer = client.get(path.format(v=value))
            assert answer.status_code < 500, (path, value, answer.status_code)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_socket_message_gives_an_error(site):
    with serving(site.services) as (base, _app):
        browser = Browser(base)
        assert browser.login("boss").status_code == 303
        sock = browser.socket()
        try:
            for message in (None, [], "x", 5, {"unit": None}, {"unit": ["putian"]}, {"unit": "x" * 100},
                            {"unit": "putian", "last": "x"}, {"unit": "\x00"},
                            {"unit": "putian", "last": {"incidents": "9" * 40}},
                            {"unit": "putian", "last": {"incidents": {"$gt": ""}}}):
                answer = sock.call("subscribe", message, timeout=20)
                assert isinstance(answer, dict) and answer["ok"] is False, (message, answer)
                assert answer["error"], message
            assert sock.call("subscribe", {"unit": "putian"}, timeout=20)["ok"] is True
        finally:
            sock.disconnect()
