"""The escalation timer: alerts that waited unacknowledged at their level longer than their policy
allows move up one level, through the same action as a hand escalation (dashboard.actions.alert_actions
.perform), recorded as done by the supervise worker. A rerun scan changes nothing: each step has a
request id made of the alert and the level it leaves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.actions.alert_actions import Request, find_repeat, perform
from dashboard.actions.alerting import Event
from dashboard.core.escalation import due_alerts
from dashboard.core.principal import Principal
from dashboard.core.units import ROOT_LEVEL, root_code


def worker_principal(root: str) -> Principal:
    """The supervise worker as the actor of its escalations: a city-wide system caller."""
    return Principal(name="system", role="system", unit_code=root, unit_level=ROOT_LEVEL, via="worker")


def timer_request(alert_id: int, level: str) -> Request:
    """The escalation the timer makes of an alert waiting at a level."""
    return Request(action="escalate", request_id=f"timer-{alert_id}-{level}")


def escalate_due(session: Session, now: datetime, only: set[int] | None = None) -> list[Event]:
    """Escalate every open alert past its policy's wait; returns their feed events."""
    events: list[Event] = []
    worker = worker_principal(root_code(session))
    for alert in due_alerts(session, now, only):
        req = timer_request(alert.id, alert.level)
        if find_repeat(session, alert.id, req) is not None:
            continue
        _ack, event = perform(session, alert, req, worker, source_ip=None, now=now)
        events.append(event)
    return events
