"""Escalation policies over the API: everyone at a desk may read them, an admin changes them
(audited, dashboard.core.escalation)."""

from __future__ import annotations

from flask import jsonify

from dashboard.api import ApiError, bp, current_principal, json_body, now, require, services
from dashboard.auth.login import client_address
from dashboard.core.escalation import PolicyError, policies, set_policy


@bp.get("/escalation-policies")
@require("escalation.policy.read")
def list_policies():
    """Every policy: minutes at the village, town and district desks per kind and severity."""
    with services().Session() as session:
        return jsonify(policies=[p.as_json() for p in policies(session)])


@bp.put("/escalation-policies/<kind>/<severity>")
@require("escalation.policy.write")
def change_policy(kind: str, severity: str):
    """Set the minutes of some levels of one policy: {"village": 5, "town": 10, "district": 15}."""
    if severity not in ("1", "2", "3", "4"):
        raise ApiError(422, "severity must be 1-4", "severity")
    body = json_body()
    if not body:
        raise ApiError(422, "give the minutes of at least one level (village, town, district)", "village")
    try:
        with services().Session.begin() as session:
            policy = set_policy(session, kind, int(severity), body, actor=current_principal().name,
                                now=now(), source_ip=client_address())
            answer = policy.as_json()
    except PolicyError as exc:
        raise ApiError(422, str(exc), exc.field) from exc
    return jsonify(policy=answer), 200
