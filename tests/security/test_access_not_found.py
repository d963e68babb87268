""""Not yours" and "not there" are one answer (issue 14, item 9): for an incident, unit, alert or
staff member outside the caller's jurisdiction every endpoint answers exactly as for one that does
not exist, so foreign ids cannot be probed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bench.intake_world import G1, G3, G3_POINT, build_world, now_iso
from dashboard.actions.alerting import Place, raise_alert
from dashboard.core.models import Alert
from dashboard.core.timeutil import utcnow
from tests.integration.intake_support import api_app, drain, incident_body, persist_consumer, token

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def world(engine, Session, services_for):  # noqa: N803
    """An incident and an alert in Xianyou (G3); callers whose jurisdiction is Licheng."""
    build_world(Session)
    services = services_for(engine)
    app = api_app(services)
    http = app.test_client()
    body = incident_body(grid=G3, lat=G3_POINT[0], lon=G3_POINT[1], reporter="S0003")
    assert http.post("/api/v1/incidents", json=body, headers=token(Session, "system")).status_code == 202
    with Session.begin() as s:
        raise_alert(s, kind="severe_incident", group_key="g3", occurrence="g3:1", cause="c",
                    place=Place(unit_code=G3, district_code="xianyou", town_code="xianyou-duwei",
                                village_code="xianyou-duwei-maoshan", grid_code=G3),
                    severity=4, title="告警", title_en="Alert", now=utcnow(), level="village")
        alert_id = s.scalar(select(Alert.id))
    return SimpleNamespace(http=http, Session=Session, incident=body["id"], alert=alert_id,
                           consumer=persist_consumer(services.redis, Session),
                           duty=token(Session, "duty", unit="licheng"),
                           liaison=token(Session, "liaison", unit="licheng", department="market"),
                           device=token(Session, "device", unit=G1))


def _same(first, second, foreign: str, missing: str) -> None:
    """Same status, same body once the asked-for id is named the same."""
    assert first.status_code == second.status_code == 404 or (
        first.status_code == second.status_code and first.status_code in (400, 422)), \
        (first.status_code, second.status_code)
    a = first.get_data(as_text=True).replace(foreign, "ID")
    b = second.get_data(as_text=True).replace(missing, "ID")
    assert a == b


@pytest.mark.parametrize("stored", [False, True], ids=["in-stream", "in-database"])
def test_incident_reads_and_steps(world, stored):
    if stored:
        drain(world.consumer)
    http = world.http
    for path in ("/api/v1/incidents/{}",):
        _same(http.get(path.format(world.incident), headers=world.duty),
              http.get(path.format(MISSING), headers=world.duty), world.incident, MISSING)
    steps = [({"action": "dispatch", "department": "market"}, world.duty),
             ({"action": "cancel", "note": "重复"}, world.duty),
             ({"action": "accept"}, world.liaison),
             ({"action": "close"}, world.device),
             ({"action": "resolve"}, world.device)]  # a role that may never resolve: still 404
    for body, who in steps:
        _same(http.post(f"/api/v1/incidents/{world.incident}/transitions", json=body, headers=who),
              http.post(f"/api/v1/incidents/{MISSING}/transitions", json=body, headers=who),
              world.incident, MISSING)


def test_units_lists_search_and_alerts(world):
    http, duty = world.http, world.duty
    for path in ("/api/v1/units/{}", "/api/v1/incidents?unit={}", "/api/v1/alerts?unit={}",
                 "/api/v1/search?q=S&within={}"):
        _same(http.get(path.format("xianyou"), headers=duty), http.get(path.format("atlantis"), headers=duty),
              "xianyou", "atlantis")
    _same(http.post(f"/api/v1/alerts/{world.alert}/ack", json={}, headers=duty),
          http.post("/api/v1/alerts/999999/ack", json={}, headers=duty), str(world.alert), "999999")


def test_positions_for_foreign_staff(world):
    def post(staff):
        position = {"staff": staff, "ts": now_iso(), "lat": G3_POINT[0], "lon": G3_POINT[1]}
        return world.http.post("/api/v1/positions", headers=world.device, json={"positions": [position]})

    _same(post("S0003"), post("S9999"), "S0003", "S9999")
