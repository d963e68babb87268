"""Duty actions on an alert (ack, assign, escalate, snooze, resolve, note): recorded, audited, idempotent.

Each action writes an AlertAck row (never updated), an audit entry and one feed:alerts event. A
repeated request with the same request id finds its earlier row and changes nothing. The API and
the Dash desk both act through ``dashboard.actions.alert_service.act``, which finds the alert with
``locked_alert`` and acts with ``perform``; the escalation timer calls ``perform`` in its own scan.

An escalation moves the alert to the desk above the one that pressed it (the supervise worker's
timer: above the alert's own level) and names that desk in its row and in its answer. Acknowledging
an acknowledged alert answers who acknowledged it and when, and writes nothing (``AlreadyActed``).
A snooze takes the alert out of the queue until its expiry; the worker's scan brings it back.

Authority follows the ladder: an alert escalated to a level is acknowledged, assigned, escalated or
resolved only by desks at that level or above; a lower desk that can see it may add a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.actions import instruction_receipts
from dashboard.actions.alerting import Event, level_unit, next_level, payload, scope, wire_time
from dashboard.core import audit
from dashboard.core.i18n import Message
from dashboard.core.models import Alert, AlertAck, Unit
from dashboard.core.principal import Principal
from dashboard.core.timeutil import LOCAL_TZ
from dashboard.core.units import LADDER
from dashboard.queries import roster

ACTIONS = ("ack", "assign", "escalate", "snooze", "resolve", "note")
# Centre levels from the lowest up; a desk acts on alerts at its own level or below.
LADDER_ACTIONS = frozenset({"ack", "assign", "escalate", "snooze", "resolve"})
CHANNELS = ("phone", "radio", "in_person", "screen")
DEFAULT_ACK_MINUTES = 30
MAX_ACK_MINUTES = 24 * 60


class ActionError(ValueError):
    """A refused duty action: HTTP status, the offending field and the message as a key with
    parameters (`message.text(lang)` for a screen; str() is the API's English)."""

    def __init__(self, status: int, key: str, field: str | None = None, **params: Any) -> None:
        self.status = status
        self.field = field
        if field is not None:  # "to" as a field label reads "指派对象" / "to"
            params = {"field": Message("field.to_whom" if field == "to" else f"field.{field}"), **params}
        self.message = Message(key, params)
        super().__init__(self.message.text("en"))


class AlreadyActed(ActionError):
    """The action was already done by someone (an acknowledged alert acknowledged again): nothing is
    written; ``earlier`` is the row that did it."""

    def __init__(self, earlier: AlertAck) -> None:
        super().__init__(200, "action.already_acked", who=earlier.on_behalf_of or earlier.user,
                         at=earlier.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))
        self.earlier = earlier


class Named(Message):
    """A unit's name as a sentence parameter: its Chinese name, or its English one in English."""

    def text(self, lang: str = "zh") -> str:
        """The name in the language."""
        return self.params["en"] if lang == "en" else self.params["zh"]


@dataclass(frozen=True)
class Request:
    """A validated duty action as the API received it."""

    action: str
    note: str = ""
    on_behalf_of: str | None = None
    channel: str | None = None
    expires_minutes: int = DEFAULT_ACK_MINUTES
    request_id: str | None = None
    assign_to: str | None = None


def _text(body: dict, name: str, limit: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ActionError(422, "action.err.required", name)
        return None
    if not isinstance(value, str):
        raise ActionError(422, "action.err.not_text", name)
    if len(value) > limit:
        raise ActionError(422, "action.err.too_long", name, limit=limit)
    return value


def parse_request(action: str, body: dict) -> Request:
    """Validate a JSON body for an action; ActionError names the bad field."""
    if action not in ACTIONS:
        raise ActionError(404, "action.err.unknown", "action", value=repr(action))
    channel = _text(body, "channel", 16)
    if channel is not None and channel not in CHANNELS:
        raise ActionError(422, "action.err.channel", "channel", choices=", ".join(CHANNELS))
    on_behalf_of = _text(body, "on_behalf_of", 64)
    if on_behalf_of is not None and channel is None:
        raise ActionError(422, "action.err.behalf", "channel")
    minutes = body.get("expires_minutes", DEFAULT_ACK_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ACK_MINUTES:
        raise ActionError(422, "action.err.minutes", "expires_minutes", limit=MAX_ACK_MINUTES)
    # A snooze says why (its reason is the note).
    note = _text(body, "note", 2000, required=action in ("note", "snooze")) or ""
    return Request(action=action, note=note,
                   on_behalf_of=on_behalf_of, channel=channel,
                   expires_minutes=minutes, request_id=_text(body, "request_id", 64),
                   assign_to=_text(body, "to", 64, required=action == "assign"))


def request_key(alert_id: int, req: Request) -> str | None:
    """The unique key of a request (None when the caller gave no request id)."""
    return f"{req.action}:{alert_id}:{req.request_id}" if req.request_id else None


def find_repeat(session: Session, alert_id: int, req: Request) -> AlertAck | None:
    """The row an earlier identical request wrote, if any."""
    key = request_key(alert_id, req)
    if key is None:
        return None
    return session.execute(select(AlertAck).where(AlertAck.request_key == key)).scalar()


def record(ack: AlertAck) -> dict:
    """An action row as JSON."""
    return {"id": ack.id, "action": ack.action, "user": ack.user, "on_behalf_of": ack.on_behalf_of,
            "channel": ack.channel, "note": ack.note, "at": wire_time(ack.at),
            "expires_at": wire_time(ack.expires_at), "alert": ack.alert_id, "detail": ack.detail}


def answer(ack: AlertAck) -> Message:
    """What the person who acted is told: an escalation names the desk it went to."""
    detail = ack.detail or {}
    if ack.action == "escalate" and detail.get("to_unit"):
        return Message("action.escalated", {
            "unit": Named("unit", {"zh": detail["to_unit_name"], "en": detail["to_unit_name_en"]}),
            "desk": Message(f"desk.{detail['to_level']}")})
    return Message(f"action.done.{ack.action}", {"id": ack.alert_id})


def locked_alert(session: Session, principal: Principal, alert_id: int) -> Alert:
    """The alert, locked for the action, if it lies in the caller's jurisdiction; else 404 (the
    same answer as for an alert that does not exist)."""
    alert = session.execute(select(Alert).where(Alert.id == alert_id, scope(principal))
                            .with_for_update()).scalar()
    if alert is None:
        raise ActionError(404, "action.err.not_found", "id", id=alert_id)
    return alert


def may_act(principal: Principal, alert: Alert, action: str) -> bool:
    """Whether the caller's desk is high enough on the ladder for this action on this alert."""
    if action not in LADDER_ACTIONS:
        return True
    return LADDER.index(principal.unit_level) >= LADDER.index(alert.level)


def escalation_target(alert: Alert, principal: Principal) -> str:
    """The level an escalation moves the alert to: the desk above the one pressing (above the
    alert's own level for the worker's timer); a city desk takes a lower alert to the city."""
    desk = alert.level if principal.role == "system" else max(alert.level, principal.unit_level,
                                                                 key=LADDER.index)
    up = next_level(desk)
    if up is None:
        if alert.level == "city":
            raise ActionError(409, "action.err.at_city")
        up = "city"
    return up


def _target(session: Session, alert: Alert, level: str) -> dict:
    code = level_unit(alert, level)
    unit = session.get(Unit, code)
    return {"to_level": level, "to_unit": code, "to_unit_name": unit.name if unit else code,
            "to_unit_name_en": unit.name_en if unit else code}


def last_ack(session: Session, alert: Alert) -> AlertAck | None:
    """The acknowledgement that holds the alert now."""
    return session.execute(select(AlertAck).where(AlertAck.alert_id == alert.id, AlertAck.action == "ack")
                           .order_by(AlertAck.id.desc()).limit(1)).scalar()


def _apply(session: Session, alert: Alert, req: Request, principal: Principal,
           now: datetime) -> tuple[str, datetime | None, dict]:
    if req.action == "note":
        return "alert.noted", None, {}
    if alert.state == "resolved":
        raise ActionError(409, "action.err.resolved")
    if req.action == "ack":
        if alert.state == "acked":
            earlier = last_ack(session, alert)
            if earlier is not None:
                raise AlreadyActed(earlier)
        expires = now + timedelta(minutes=req.expires_minutes)
        alert.state, alert.ack_expires_at = "acked", expires
        return "alert.acked", expires, {}
    if req.action == "assign":
        alert.assigned_to = req.assign_to
        return "alert.assigned", None, {"assigned_to": req.assign_to}
    if req.action == "snooze":
        until = now + timedelta(minutes=req.expires_minutes)
        alert.state, alert.ack_expires_at = "snoozed", until
        return "alert.snoozed", until, {"snoozed_until": wire_time(until)}
    if req.action == "escalate":
        up = escalation_target(alert, principal)
        # The target desk has not seen it: it waits there, unacknowledged, from now.
        before = alert.level
        alert.level, alert.state, alert.ack_expires_at, alert.waiting_since = up, "open", None, now
        return "alert.escalated", None, {"from_level": before, **_target(session, alert, up)}
    alert.state, alert.resolved_at = "resolved", now
    return "alert.resolved", None, {}


def perform(session: Session, alert: Alert, req: Request, principal: Principal, source_ip: str | None,
            now: datetime) -> tuple[AlertAck, Event]:
    """Apply a duty action to a locked alert, write its row and audit entry; returns the event.
    A desk below the alert's level may only add a note (403 otherwise); a repeated acknowledgement
    raises AlreadyActed and writes nothing."""
    if not may_act(principal, alert, req.action):
        raise ActionError(403, "action.err.ladder", "action")
    actor = principal.name
    named = {}
    if req.action == "assign":  # a person or desk from the alert's roster, stored by id
        assignee = roster.resolve(session, alert, req.assign_to or "")
        if assignee is None:
            raise ActionError(422, "action.err.assignee", "to", value=repr(req.assign_to))
        named = {"assigned_name": assignee.name}
    type_, expires, extra = _apply(session, alert, req, principal, now)
    extra = {**extra, **named} if type_ == "alert.assigned" else extra
    ack = AlertAck(alert_id=alert.id, action=req.action, user=actor, on_behalf_of=req.on_behalf_of,
                   channel=req.channel or "screen",
                   note=req.note, at=now, expires_at=expires, source_ip=source_ip,
                   request_key=request_key(alert.id, req), detail=extra or None)
    session.add(ack)
    session.flush()
    detail = {"note": req.note, "on_behalf_of": req.on_behalf_of, "channel": ack.channel,
              "expires_at": wire_time(expires), "state": alert.state, "level": alert.level, **extra}
    audit.append(session, actor=actor, action=f"alert.{req.action}", target=f"alert:{alert.id}",
                 unit_code=alert.unit_code, detail=detail, source_ip=source_ip, now=now)
    instruction_receipts.on_action(session, actor, f"alert.{req.action}", now, alert_id=alert.id)
    return ack, (type_, payload(alert, ack=record(ack), by=actor, **extra))
