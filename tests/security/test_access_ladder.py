"""Authority follows the ladder (issue 14, item 10): an alert escalated to a level is acknowledged,
assigned, escalated or resolved only by desks at that level or above; a lower desk may add a note.
The API and the Dash desk go through the same function and are refused alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from callbacks import duty
from dashboard.actions.alerting import Place, raise_alert
from dashboard.app import create_app
from dashboard.core.models import Alert, AlertAck, AuditEntry
from dashboard.core.principal import issue_token
from dashboard.core.timeutil import utcnow
from tests.integration import ui_world

TOWN, VILLAGE, GRID = ui_world.T, ui_world.V, ui_world.GRID


@pytest.fixture
def desk(Session, engine, services_for):  # noqa: N803
    """An alert in a grid of Zhenhai escalated to the Licheng district; town and district desks."""
    place = Place(unit_code=GRID, district_code="licheng", town_code=TOWN, village_code=VILLAGE,
                  grid_code=GRID)
    with Session.begin() as s:
        ui_world.build(s)
        s.flush()
        raise_alert(s, kind="severe_incident", group_key="k", occurrence="k:1", cause="c", place=place,
                    severity=4, title="告警", title_en="Alert", now=utcnow() - timedelta(minutes=5),
                    level="district")
        alert_id = s.scalar(select(Alert.id))
        tokens = {"town": issue_token(s, "duty-zhenhai", "duty", TOWN),
                  "district": issue_token(s, "duty-licheng", "duty", "licheng")}
    services = services_for(engine)
    server = create_app(services.settings, services)
    return server, alert_id, tokens, Session


def _api(server, token, alert_id, action, **body):
    return server.test_client().post(f"/api/v1/alerts/{alert_id}/{action}", json=body,
                                     headers={"Authorization": f"Bearer {token}"})


def test_a_lower_desk_may_only_add_a_note_through_the_api(desk):
    server, alert_id, tokens, Session = desk
    for action, body in (("ack", {}), ("assign", {"to": "张三"}), ("escalate", {}), ("resolve", {})):
        reply = _api(server, tokens["town"], alert_id, action, **body)
        assert reply.status_code == 403, (action, reply.get_json())
        assert reply.get_json()["field"] == "action" and "add a note" in reply.get_json()["error"]
    noted = _api(server, tokens["town"], alert_id, "note", note="街道已派人到场")
    assert noted.status_code == 202 and noted.get_json()["alert"]["state"] == "open"
    assert _api(server, tokens["town"], alert_id, "note").get_json()["field"] == "note"  # a note needs text
    assert _api(server, tokens["district"], alert_id, "resolve").status_code == 202
    with Session() as s:
        assert s.get(Alert, alert_id).state == "resolved"
        assert [a.action for a in s.scalars(select(AlertAck).order_by(AlertAck.id))] == ["note", "resolve"]
        assert [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.target == f"alert:{alert_id}")
                                            .order_by(AuditEntry.id))] == ["alert.note", "alert.resolve"]


def test_the_dash_desk_is_refused_the_same_way(desk):
    server, alert_id, tokens, Session = desk

    def act(who, action, note=""):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        with server.test_request_context("/_dash-update-component", method="POST", headers=headers):
            return duty.act(action, alert_id, note, "", "screen", "", "en")[0]

    assert act("town", "resolve").startswith("Refused") and "add a note" in act("town", "ack")
    assert act("town", "note", "街道已派人到场") == f"Note added to #{alert_id}"
    with Session() as s:
        assert s.get(Alert, alert_id).state == "open"
        assert [a.action for a in s.scalars(select(AlertAck))] == ["note"]
    assert not act("district", "ack").startswith("Refused")
    with Session() as s:
        assert s.get(Alert, alert_id).state == "acked"
