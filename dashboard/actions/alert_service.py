"""The one function behind every duty action on an alert, for the API and the Dash desk alike: ``act``.

It holds every step both callers need, in one transaction: validate the body, lock the alert inside
the caller's jurisdiction, answer a resent request (same request id) with the row the first one
wrote, answer "already acknowledged by X at T" for an acknowledged alert, perform the action (its
AlertAck row and audit entry, ``alerting_actions.perform``) and stage its feed:alerts event in the
outbox. Two requests with one request id racing past the lookup meet at the unique request key: the
loser answers with the winner's row. After the commit the event is published (Redis down: the
worker's sweep sends it later). Callers only translate the ``Outcome`` or the ``ActionError``: the
API to JSON, the desk to a sentence in its language and fresh rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.actions import outbox
from dashboard.actions.alert_actions import (
    ActionError,
    AlreadyActed,
    Request,
    answer,
    find_repeat,
    locked_alert,
    parse_request,
    perform,
    record,
)
from dashboard.actions.alerting import payload
from dashboard.contract import schema
from dashboard.core.i18n import Message
from dashboard.core.models import Alert, AlertAck
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.services import Services


@dataclass(frozen=True)
class Outcome:
    """What an action came to: the alert as it stands, the action's row (the earlier one when
    nothing was written), and the sentence the person who acted is told."""

    alert: dict[str, Any]
    action: dict[str, Any]
    message: Message
    repeat: bool = False  # nothing was written
    resent: bool = False  # ... because this request id was seen before (a double click, a retry)
    stream_id: str | None = None  # the feed:alerts entry of a new action (None until published)


def _resent(alert: Alert, earlier: AlertAck) -> Outcome:
    return Outcome(payload(alert), record(earlier), Message("action.repeat", {"done": answer(earlier)}),
                   repeat=True, resent=True)


def _act(session: Session, principal: Principal, alert_id: int, req: Request, source_ip: str | None,
         now: datetime) -> tuple[Outcome, str | None]:
    """The action inside the caller's transaction; the outcome and the outbox key to publish."""
    alert = locked_alert(session, principal, alert_id)
    earlier = find_repeat(session, alert_id, req)
    if earlier is not None:
        return _resent(alert, earlier), None
    try:
        ack, (type_, data) = perform(session, alert, req, principal, source_ip=source_ip, now=now)
    except AlreadyActed as exc:  # who acknowledged it and when; nothing was written
        return Outcome(payload(alert), record(exc.earlier), exc.message, repeat=True), None
    staged = outbox.stage(session, schema.ALERTS, type_, data).key
    return Outcome(payload(alert), record(ack), answer(ack)), staged


def act(svc: Services, principal: Principal, alert_id: int, action: str, body: dict[str, Any],
        source_ip: str | None, now: datetime) -> Outcome:
    """Perform a duty action (ack, assign, escalate, snooze, resolve, note) on an alert for the
    caller, once per request id, audited and published; ActionError (status, message, field) when
    refused."""
    if not may(principal.role, "alerts.act"):  # dashboard.core.policy
        raise ActionError(403, "action.err.role", role=repr(principal.role))
    req = parse_request(action, body)
    try:
        with svc.Session.begin() as session:
            outcome, staged = _act(session, principal, alert_id, req, source_ip, now)
    except IntegrityError:
        # The same request id raced in twice and the other one committed first: its row answers.
        with svc.Session() as session:
            earlier = find_repeat(session, alert_id, req)
            if earlier is None:
                raise
            return _resent(session.get(Alert, alert_id), earlier)
    if staged is None:
        return outcome
    # Another publisher (the sweep, a concurrent request) may have sent it first: the row knows.
    sent = outbox.try_flush(svc.Session, svc.redis).get(staged) or outbox.stream_id(svc.Session, staged)
    return replace(outcome, stream_id=sent)
