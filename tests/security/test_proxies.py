"""Issue 14 (7, 12a, 12b): DASHBOARD_TRUSTED_PROXIES decides when X-Forwarded-For and
X-Forwarded-Proto are believed (never by default); the API and the screens record the same client
address; the session cookie is Secure whenever the request came over https."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from sqlalchemy import select

from dashboard.core.config import SettingsError, load_settings
from dashboard.core.models import Alert, AlertAck, AuditEntry
from layouts import duty as L  # noqa: N812 - the duty desk's ids, named as its callbacks name them
from layouts import ids
from tests.integration.auth_world import add_token
from tests.integration.realtime_support import CHENGXIANG_GRID, LICHENG_GRID
from tests.security.browser import ORIGIN, dash_body, login, make_site, users

FORWARDED = {"X-Forwarded-For": "198.51.100.1, 10.0.0.7", "X-Forwarded-Proto": "https"}
FORWARDED_FOR = {"X-Forwarded-For": "198.51.100.1, 10.0.0.7"}  # over plain http: the cookie comes back
VAR = "DASHBOARD_TRUSTED_PROXIES"


def login_addresses(site) -> set[str]:
    with site.Session() as s:
        return set(s.scalars(select(AuditEntry.source_ip).where(AuditEntry.action == "login.success")))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_setting_takes_a_count_or_networks_and_names_itself_when_bad(engine, tmp_path, monkeypatch,
                                                                          capsys):
    assert load_settings({}).trusted_proxies is None
    assert load_settings({VAR: "1"}).trusted_proxies == 1
    networks = (ip_network("10.0.0.0/8"), ip_network("::1"))
    assert load_settings({VAR: "10.0.0.0/8, ::1"}).trusted_proxies == networks
    for bad in ("0", "11", "nginx", "10.0.0.0/33", "10.0.0.1,"):
        with pytest.raises(SettingsError) as refused:
            load_settings({VAR: bad})
        assert refused.value.variable == VAR, bad
    monkeypatch.setenv(VAR, "any")
    code, out = users(monkeypatch, capsys, engine, tmp_path, "list")
    assert code == 2 and out.startswith(f"configuration error: {VAR}: ")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_forwarded_headers_are_ignored_by_default(site):
    answer = login(site.app.test_client(), "boss", **FORWARDED)
    assert answer.status_code == 303 and "Secure" not in answer.headers["Set-Cookie"]
    assert login_addresses(site) == {"127.0.0.1"}
    direct = login(site.app.test_client(), "boss", base_url="https://localhost", Origin="https://localhost",
                   Referer="https://localhost/login")  # a browser sends it; Flask-WTF checks it on https
    assert direct.status_code == 303 and "; Secure" in direct.headers["Set-Cookie"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("trusted", [1, (ip_network("127.0.0.0/8"),)])
def test_trusted_proxies_give_the_client_address_and_https(site, engine, redis_client, tmp_path, trusted):
    behind = make_site(engine, site.Session, redis_client, tmp_path, trusted_proxies=trusted)
    answer = login(behind.app.test_client(), "boss", Origin="https://localhost",
                   Referer="https://localhost/login", **FORWARDED)
    assert answer.status_code == 303 and "; Secure" in answer.headers["Set-Cookie"]
    assert login_addresses(behind) == {"10.0.0.7"}
    if not isinstance(trusted, int):  # a peer outside the trusted networks forwards nothing
        stranger = behind.app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = "192.0.2.5"
        assert "Secure" not in login(stranger, "boss", **FORWARDED).headers["Set-Cookie"]
        assert login_addresses(behind) == {"10.0.0.7", "192.0.2.5"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_api_and_screen_actions_record_the_same_client_address(site, engine, redis_client, tmp_path):
    behind = make_site(engine, site.Session, redis_client, tmp_path, trusted_proxies=1)
    with site.Session() as s:
        alerts = {a.grid_code: a.id for a in s.scalars(select(Alert))}
    token = add_token(site.Session, "city-duty", "duty", "putian")
    api = behind.app.test_client().post(f"/api/v1/alerts/{alerts[CHENGXIANG_GRID[-1]]}/ack",
                                        json={"note": "seen"},
                                        headers={"Authorization": f"Bearer {token}", **FORWARDED_FOR})
    assert api.status_code in (200, 202), api.get_json()
    desk = behind.app.test_client()
    login(desk, "zhenhai", **FORWARDED_FOR)
    body = dash_body(behind.app, L.RESULT, {f"{L.BUTTONS['ack']}.n_clicks": 1,
                                            f"{L.TARGET}.data": alerts[LICHENG_GRID[-1]],
                                            f"{L.NOTE}.value": "seen", f"{ids.LANG}.data": "zh"},
                     f"{L.BUTTONS['ack']}.n_clicks")
    screen = desk.post("/_dash-update-component", json=body, headers={**ORIGIN, **FORWARDED_FOR})
    assert screen.status_code == 200, screen.get_data(as_text=True)[:300]
    with site.Session() as s:
        acks = {(a.alert_id, a.source_ip) for a in s.scalars(select(AlertAck))}
    assert acks == {(alerts[CHENGXIANG_GRID[-1]], "10.0.0.7"), (alerts[LICHENG_GRID[-1]], "10.0.0.7")}
