"""The duty desk's API: list alerts in jurisdiction, acknowledge, assign, escalate, resolve.

An alert outside the caller's jurisdiction does not exist for them (404), whatever its id. An
action's feed:alerts event is staged in the outbox with the action and sent right after the commit;
if Redis is down the action still succeeds (``stream_id`` null) and the worker's sweep sends it.
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import func, select

from dashboard.actions.alert_actions import ActionError
from dashboard.actions.alert_service import act
from dashboard.actions.alerting import ALERT_STATES, QUEUE_STATES, alerts_in, payload
from dashboard.api import ApiError, bp, current_principal, json_body, now, require, services
from dashboard.auth.login import client_address
from dashboard.core.alert_titles import prime as prime_titles
from dashboard.core.models import Alert, Unit
from dashboard.queries import alert_story as story
from dashboard.queries import roster
from dashboard.queries.alert_order import sql_order


def _states(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return QUEUE_STATES
    states = tuple(s.strip() for s in raw.split(",") if s.strip())
    bad = [s for s in states if s not in ALERT_STATES]
    if bad or not states:
        raise ApiError(400, f"state must be one or more of {', '.join(ALERT_STATES)}", "state")
    return states


def _limit(raw: str | None) -> int:
    try:
        value = int(raw) if raw else 200
    except ValueError as exc:
        raise ApiError(400, "limit must be an integer", "limit") from exc
    if not 1 <= value <= 1000:
        raise ApiError(400, "limit must be 1-1000", "limit")
    return value


@bp.get("/alerts")
@require("alerts.read")
def list_alerts():
    """Alerts in the caller's jurisdiction in the queue's order (dashboard.queries.alert_order)."""
    principal = current_principal()
    states, limit = _states(request.args.get("state")), _limit(request.args.get("limit"))
    with services().Session() as session:
        unit, code = None, request.args.get("unit")
        if code:
            unit = session.get(Unit, code)
            if unit is None or not principal.covers(unit):  # the same answer for both
                raise ApiError(404, f"unknown unit {code!r}", "unit")
        query = alerts_in(principal, states, unit)
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar()
        rows = session.execute(query.order_by(*sql_order()).limit(limit)).scalars().all()
        prime_titles(session, rows)
        return jsonify(alerts=[payload(a) for a in rows], total=total)


# An id beyond the INTEGER column matches no route (a JSON 404) instead of overflowing the driver.
@bp.post("/alerts/<int(max=2147483647):alert_id>/<action>")
@require("alerts.act")
def act_on_alert(alert_id: int, action: str):
    """Acknowledge, assign, escalate, resolve or add a note to an alert in the caller's jurisdiction
    (only a note when the alert is above the caller's level), through dashboard.actions.alert_service.act
    as the desk does. A resent request id answers 200 with the first row (no message); "already
    acknowledged" answers 200 with who and when."""
    try:
        done = act(services(), current_principal(), alert_id, action, json_body(), client_address(), now())
    except ActionError as exc:
        raise ApiError(exc.status, str(exc), exc.field) from exc
    body = {"id": alert_id, "alert": done.alert, "action": done.action, "repeat": done.repeat}
    if not done.resent:
        body.update(message=done.message.text("en"), message_zh=done.message.text("zh"))
    if done.repeat:
        return jsonify(body), 200
    return jsonify({**body, "stream_id": done.stream_id}), 202


def _visible(session, alert_id: int) -> Alert:
    alert = story.visible_alert(session, current_principal(), alert_id)
    if alert is None:  # foreign and missing answer alike, as for the actions
        exc = ActionError(404, "action.err.not_found", "id", id=alert_id)
        raise ApiError(exc.status, str(exc), exc.field)
    return alert


@bp.get("/alerts/<int(max=2147483647):alert_id>/story")
@require("alerts.read")
def alert_story(alert_id: int):
    """Every event of an alert in the caller's jurisdiction and of its incident, oldest first."""
    with services().Session() as session:
        alert = _visible(session, alert_id)
        prime_titles(session, [alert])
        return jsonify(alert=payload(alert), events=story.story(session, alert))


@bp.get("/alerts/<int(max=2147483647):alert_id>/assignees")
@require("alerts.act")
def alert_assignees(alert_id: int):
    """The alert's roster: the ids `POST .../assign` accepts as `to`, with name, role and place."""
    with services().Session() as session:
        alert = _visible(session, alert_id)
        return jsonify(assignees=[{"id": a.id, "kind": a.kind, "name": a.name, "role": a.role,
                                   "unit": a.unit, "level": a.level, "place": a.place}
                                  for a in roster.candidates(session, alert)])
