"""Hand-made hostile requests schemathesis does not make: bodies too large, nested too deep, not
UTF-8, with NaN, batches over the limit, odd content types, and valid reports sent in between
fuzz cases that must each be stored exactly once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from dashboard.core.models import Incident, IncidentEvent
from tests.fuzz.conftest import EXAMPLES, fuzz_settings, tally
from tests.fuzz.test_api_schema import refusal_problem
from tests.integration.intake_support import drain, incident_body

pytestmark = pytest.mark.fuzz
POSTS = ["/api/v1/incidents", "/api/v1/positions", "/api/v1/incidents/{incident}/transitions",
         "/api/v1/alerts/{alert}/ack"]


def _url(world, template: str) -> str:
    return template.format(incident=world.incidents[0], alert=world.alerts[0])


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE_BODIES = {
    "9 MB of JSON": (b'{"description": "' + b"x" * (9 * 1024 * 1024) + b'"}', "application/json"),
    "nested 100000 deep": (_deep(100_000), "application/json"),
    "object nested 5000 deep": (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    "not UTF-8": (b'{"id": "\xff\xfe"}', "application/json"),
    "NaN and Infinity": (b'{"lat": NaN, "lon": Infinity, "severity": -Infinity}', "application/json"),
    "huge number": (b'{"lat": 1' + b"0" * 5000 + b"}", "application/json"),
    "duplicate keys": (b'{"id": "a", "id": "b"}', "application/json"),
    "NUL in a string": (b'{"description": "a\\u0000b", "note": "\\u0000"}', "application/json"),
    "NUL in a key": (b'{"a\\u0000": 1}', "application/json"),
    "empty": (b"", "application/json"),
    "JSON as text/plain": (b"{}", "text/plain"),
    "form": (b"id=1&lat=2", "application/x-www-form-urlencoded"),
    "charset latin-1": ('{"description": "é"}'.encode("latin-1"), "application/json; charset=latin-1"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_bodies_are_refused_clearly(fuzz_world, name):
    body, content_type = HOSTILE_BODIES[name]
    for template in POSTS:
        reply = fuzz_world.http.post(_url(fuzz_world, template), data=body, content_type=content_type,
                                     headers=fuzz_world.tokens["admin"])
        tally(f"api hostile body POST {template}")
        assert reply.status_code < 500, (template, reply.status_code, reply.text[:300])
        # An ack takes optional fields only and ignores others: a JSON object may be a valid ack.
        if "/alerts/" not in template:
            assert 400 <= reply.status_code, (template, reply.status_code, reply.text[:300])
        if reply.status_code >= 400:
            assert refusal_problem(reply) is None, (template, refusal_problem(reply))
        if name == "9 MB of JSON":
            assert reply.status_code == 413, (template, reply.status_code)


def test_oversized_batches_and_long_values_are_refused(fuzz_world):
    admin = fuzz_world.tokens["admin"]
    position = {"staff": "S0001", "ts": incident_body()["reported_at"], "lat": 25.435, "lon": 119.005}
    cases = [
        ("/api/v1/positions", {"positions": [position] * 5001}, "positions"),
        ("/api/v1/positions", {"positions": []}, "positions"),
        ("/api/v1/incidents", incident_body(id="x" * 65), "id"),
        ("/api/v1/incidents", incident_body(description="很" * 4001), "description"),
        ("/api/v1/incidents", incident_body(severity=2**64), "severity"),
        ("/api/v1/incidents", incident_body(lat=1e308), "lat"),
    ]
    for url, body, field in cases:
        reply = fuzz_world.http.post(url, json=body, headers=admin)
        tally("api hostile oversized")
        assert reply.status_code == 422 and reply.json["field"] == field, (field, reply.json)


HOSTILE_QUERIES = ["from=0001-01-01", "to=9999-12-31", "from=2026-02-30", "limit=99999999999999999999",
                   "limit=-1", "limit=1e3", "state=%00", "unit=%00", "line=" + "x" * 5000,
                   "before=" + "%FF" * 10, "q=" + "x" * 70, "within=..%2F..", "from=2026-01-01&to=2000-01-01"]


@pytest.mark.parametrize("path", ["/api/v1/units/putian", "/api/v1/incidents", "/api/v1/search",
                                  "/api/v1/alerts"])
def test_hostile_query_strings_are_refused_or_ignored(fuzz_world, path):
    for query in HOSTILE_QUERIES:
        extra = "" if "q=" in query or path != "/api/v1/search" else "&q=a"
        reply = fuzz_world.http.get(f"{path}?{query}{extra}", headers=fuzz_world.tokens["admin"])
        tally("api hostile query")
        assert reply.status_code < 500, (path, query, reply.text[:300])
        if reply.status_code >= 400:
            assert refusal_problem(reply) is None, (path, query, refusal_problem(reply))


def test_hostile_paths_answer_json_404(fuzz_world):
    for path in ["/api/v1/incidents/%00", "/api/v1/incidents/" + "x" * 5000, "/api/v1/units/%FF%FE",
                 "/api/v1/alerts/99999999999999999999999/ack", "/api/v1/alerts/1/explode",
                 "/api/v1/incidents/a/b/c", "/api/v1/nothing"]:
        for method in ("GET", "POST"):
            reply = fuzz_world.http.open(path, method=method, json={}, headers=fuzz_world.tokens["admin"])
            tally("api hostile path")
            assert 400 <= reply.status_code < 500, (method, path, reply.status_code, reply.text[:300])
            assert refusal_problem(reply) is None, (method, path, refusal_problem(reply))


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
FIELDS = sorted({"id", "reported_at", "lat", "lon", "grid", "business_item", "source", "severity",
                 "description", "reporter", "positions", "action", "department", "note", "key", "at",
                 "channel", "expires_minutes", "request_id", "to", "on_behalf_of"})


def test_valid_reports_between_fuzz_cases_are_stored_once(fuzz_world):
    """Arbitrary JSON to every POST, each followed by a valid report: every valid one is stored once."""
    world, admin, valid = fuzz_world, fuzz_world.tokens["admin"], []

    @fuzz_settings(EXAMPLES * 4)
    @given(template=st.sampled_from(POSTS), who=st.sampled_from(sorted(world.tokens)),
           body=st.one_of(JSONISH, st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=6)))
    def send(template, who, body):
        reply = world.http.post(_url(world, template), data=json.dumps(body, allow_nan=True),
                                content_type="application/json", headers=world.tokens[who])
        tally(f"api arbitrary JSON POST {template}")
        assert reply.status_code < 500, reply.text[:300]
        if reply.status_code >= 400:
            assert refusal_problem(reply) is None, refusal_problem(reply)
        report = incident_body(reporter=None)
        answer = world.http.post("/api/v1/incidents", json=report, headers=admin)
        assert answer.status_code == 202, answer.json
        valid.append(report["id"])
        tally("api valid reports alongside")

    send()
    drain(world.persist, rounds=1000)
    with world.Session() as s:
        stored = dict(s.execute(select(Incident.id, func.count()).where(Incident.id.in_(valid))
                                .group_by(Incident.id)).all())
        reports = dict(s.execute(select(IncidentEvent.incident_id, func.count())
                                 .where(IncidentEvent.incident_id.in_(valid),
                                        IncidentEvent.action == "report")
                                 .group_by(IncidentEvent.incident_id)).all())
    assert len(valid) == len(set(valid))
    assert {i: stored.get(i, 0) for i in valid} == dict.fromkeys(valid, 1)
    assert {i: reports.get(i, 0) for i in valid} == dict.fromkeys(valid, 1)
