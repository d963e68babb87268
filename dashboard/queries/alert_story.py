"""An alert's story: every event of the alert and of its incident, with who and when, oldest first.

One query for the duty desk's drawer and for ``GET /api/v1/alerts/<id>/story``. Sources: the alert
itself (created, repeats), its action rows (AlertAck: acknowledgements, assignments, escalations,
notes, resolve; an escalation's target level comes from its audit entry), the incident's steps
(IncidentEvent) and the instructions given on the alert or its incident. Times are UTC on the wire
plus the local (Asia/Shanghai) wall-clock time; people are named as people read them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dashboard.actions.alerting import scope, wire_time
from dashboard.core.models import (
    Alert,
    AlertAck,
    AuditEntry,
    Department,
    IncidentEvent,
    Instruction,
    Staff,
    User,
)
from dashboard.core.principal import Principal
from dashboard.core.timeutil import LOCAL_TZ
from dashboard.queries import roster


def visible_alert(session: Session, principal: Principal, alert_id: int) -> Alert | None:
    """The alert if it lies in the caller's jurisdiction (None for a foreign or missing one alike)."""
    return session.execute(select(Alert).where(Alert.id == alert_id, scope(principal))).scalar()


def local_time(value: datetime | None) -> str | None:
    """Local wall-clock time, 2026-03-02 10:00:05."""
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else None


def _names(session: Session, idents: set[str]) -> dict[str, str]:
    """Account names and staff ids → the names people use (an unknown id stays as it is)."""
    idents = {i for i in idents if i}
    found = {i: i for i in idents}
    if idents:
        for username, shown in session.execute(select(User.username, User.display_name)
                                               .where(User.username.in_(idents))):
            found[username] = shown or username
        for sid, name in session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(idents))):
            found[sid] = name
    return found


def _entry(kind: str, at: datetime | None, who: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "at": wire_time(at), "local": local_time(at), "who_id": who, **extra}


def _action_entries(session: Session, alert: Alert) -> list[dict[str, Any]]:
    acks = session.execute(select(AlertAck).where(AlertAck.alert_id == alert.id)
                           .order_by(AlertAck.at, AlertAck.id)).scalars().all()
    # An action's audit entry holds what the row does not (an escalation's target level), in order.
    audits: dict[str, list[dict]] = {}
    for entry in session.execute(select(AuditEntry).where(AuditEntry.target == f"alert:{alert.id}")
                                 .order_by(AuditEntry.id)).scalars():
        audits.setdefault(entry.action, []).append(entry.detail or {})
    assignees = roster.describe(session, {d.get("assigned_to") or "" for d in audits.get("alert.assign", [])})
    out = []
    for ack in acks:
        pending = audits.get(f"alert.{ack.action}")
        detail = pending.pop(0) if pending else {}
        extra: dict[str, Any] = {"on_behalf_of": ack.on_behalf_of, "channel": ack.channel, "note": ack.note}
        if ack.action == "escalate":
            extra.update(from_level=detail.get("from_level"), to_level=detail.get("to_level"),
                         to_unit=detail.get("to_unit"))
        if ack.action == "assign":
            to = detail.get("assigned_to")
            extra.update(to=to, to_name=detail.get("assigned_name") or
                         (assignees[to].name if to in assignees else to))
        out.append(_entry(f"alert.{ack.action}", ack.at, ack.user, **extra))
    if alert.state == "resolved" and not any(a.action == "resolve" for a in acks):
        out.append(_entry("alert.resolve", alert.resolved_at))  # resolved by the system
    return out


def _incident_entries(session: Session, alert: Alert) -> list[dict[str, Any]]:
    if not alert.incident_id:
        return []
    events = session.execute(select(IncidentEvent).where(IncidentEvent.incident_id == alert.incident_id)
                             .order_by(IncidentEvent.at, IncidentEvent.id)).scalars().all()
    departments = {code: (zh, en) for code, zh, en in
                   session.execute(select(Department.code, Department.name, Department.name_en))}
    return [_entry(f"incident.{e.action}", e.at, e.actor, from_state=e.from_state, to_state=e.to_state,
                   department=e.department_code, note=e.note,
                   department_name=departments.get(e.department_code, (None, None))[0],
                   department_name_en=departments.get(e.department_code, (None, None))[1]) for e in events]


def _instruction_entries(session: Session, alert: Alert) -> list[dict[str, Any]]:
    on_alert = (Instruction.target_kind == "alert") & (Instruction.target_id == str(alert.id))
    cond = or_(on_alert, Instruction.incident_id == alert.incident_id) if alert.incident_id else on_alert
    rows = session.execute(select(Instruction).where(cond).order_by(Instruction.at, Instruction.id)).scalars()
    return [_entry("instruction", i.at, i.author, text=i.text, target_kind=i.target_kind,
                   target_id=i.target_id) for i in rows]


def story(session: Session, alert: Alert) -> list[dict[str, Any]]:
    """Every event of the alert and its incident, oldest first, each with kind, times and who."""
    # The incident's step comes before the alert it raised at the same instant: the sort is stable.
    events = [*_incident_entries(session, alert), _entry("alert.created", alert.first_at, count=1)]
    if alert.count > 1:
        events.append(_entry("alert.repeated", alert.last_at, count=alert.count))
    events += _action_entries(session, alert) + _instruction_entries(session, alert)
    events.sort(key=lambda e: e["at"] or "")  # wire times sort as time
    names = _names(session, {e["who_id"] for e in events if e["who_id"]})
    for e in events:
        e["who"] = names.get(e["who_id"]) if e["who_id"] else None
    return events
