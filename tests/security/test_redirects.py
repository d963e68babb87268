"""Issue 14 (1): after log-in the browser goes only to a path on this site; anything else goes home,
and no `next` value can make the log-in answer a 500."""

from __future__ import annotations

import pytest

from dashboard.auth.views import safe_next
from tests.security.browser import login

HOME = "/unit/licheng-zhenhai"
HOSTILE = ["//evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "/\r\n/evil.example",
           "\x01//evil.example", "/\x00/evil.example", "/\\evil.example", "\\\\evil.example",
           "https://evil.example/", "http:/evil", "javascript:alert(1)", "/\u200b/evil.example",
           " //evil.example", "evil.example", "/login?next=//evil"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_log_in_sends_hostile_next_values_home(site):
    for target in HOSTILE:
        answer = login(site.app.test_client(), "zhenhai", next_=target)
        assert answer.status_code == 303, target
        assert answer.headers["Location"] == HOME, target
    encoded = login(site.app.test_client(), "zhenhai", next_="/%0a/x")  # an encoded newline is a path
    assert encoded.headers["Location"] == "/%0a/x"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_login_form_keeps_only_a_safe_next(site):
    client = site.app.test_client()
    page = client.get("/login?next=%01//evil.example").get_data(as_text=True)
    assert 'name="next" value=""' in page
    assert client.get("/login?next=%0A//evil").status_code == 200
    kept = client.get("/login?next=/unit/licheng-zhenhai%3Fperiod%3D7d").get_data(as_text=True)
    assert 'name="next" value="/unit/licheng-zhenhai?period=7d"' in kept


def test_safe_next_keeps_same_origin_paths_only():
    assert safe_next("/unit/licheng?period=7d") == "/unit/licheng?period=7d"
    assert safe_next("/duty#alerts") == "/duty#alerts"
    for target in HOSTILE + ["", "/login", "/logout/"]:
        assert safe_next(target) == "", target
