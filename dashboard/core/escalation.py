"""Escalation policies on the administrative ladder (village → town → district → city).

Per alert kind and severity, how many minutes an alert may wait unacknowledged at each level before
it moves up by itself. The policy is data (table ``escalation_policies``, seeded with ``DEFAULTS``
by migration 0003, edited by an admin through the CLI or the API, every change audited). The
supervise worker's scan calls ``escalate_due``, which escalates through the same
``alerting_actions.perform`` as a hand escalation, as the worker's principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core import audit
from dashboard.core.models import ALERT_KINDS, Alert, EscalationPolicy

# The levels whose desks an alert can time out of, lowest first ("grid" alerts use the village's).
TIMED_LEVELS = ("village", "town", "district")
SEVERITIES = (1, 2, 3, 4)
MAX_MINUTES = 7 * 24 * 60
# Minutes at (village, town, district) per severity: the most severe moves fastest.
DEFAULT_MINUTES = {4: (5, 10, 15), 3: (15, 30, 60), 2: (60, 120, 240), 1: (240, 480, 960)}
DEFAULTS = [{"kind": kind, "severity": sev, **dict(zip(
    (f"{lv}_minutes" for lv in TIMED_LEVELS), DEFAULT_MINUTES[sev], strict=True))}
    for kind in ALERT_KINDS for sev in SEVERITIES]


class PolicyError(ValueError):
    """A refused policy change, naming the offending field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Policy:
    """One row of the table as plain values."""

    kind: str
    severity: int
    minutes: dict[str, int]
    updated_at: datetime | None = None
    updated_by: str | None = None

    def as_json(self) -> dict:
        """The row as the API answers it."""
        return {"kind": self.kind, "severity": self.severity, **self.minutes,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
                "updated_by": self.updated_by}


def _policy(row: EscalationPolicy) -> Policy:
    return Policy(row.kind, row.severity, {lv: getattr(row, f"{lv}_minutes") for lv in TIMED_LEVELS},
                  row.updated_at, row.updated_by)


def policies(session: Session) -> list[Policy]:
    """Every policy, by kind then severity (most severe first)."""
    rows = session.execute(select(EscalationPolicy).order_by(EscalationPolicy.kind,
                                                             EscalationPolicy.severity.desc()))
    return [_policy(r) for r in rows.scalars()]


def minutes_at(table: dict[tuple[str, int], Policy], alert: Alert) -> int | None:
    """Minutes the alert may wait at its current level (None: it never moves up by itself)."""
    level = "village" if alert.level == "grid" else alert.level
    policy = table.get((alert.kind, alert.severity))
    return policy.minutes.get(level) if policy else None


def _check(kind: str, severity, minutes: dict) -> dict[str, int]:
    if kind not in ALERT_KINDS:
        raise PolicyError(f"kind must be one of {', '.join(ALERT_KINDS)}", "kind")
    if isinstance(severity, bool) or severity not in SEVERITIES:
        raise PolicyError("severity must be 1-4", "severity")
    unknown = set(minutes) - set(TIMED_LEVELS)
    if unknown:
        raise PolicyError(f"unknown level {sorted(unknown)[0]!r}; levels are {', '.join(TIMED_LEVELS)}",
                          sorted(unknown)[0])
    for level, value in minutes.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
            raise PolicyError(f"{level} must be a whole number of minutes 1-{MAX_MINUTES}", level)
    return minutes


def set_policy(session: Session, kind: str, severity: int, minutes: dict[str, int], actor: str,
               now: datetime, source_ip: str | None = None) -> Policy:
    """Change some levels' minutes of one policy (creating it if missing); audited."""
    minutes = _check(kind, severity, minutes)
    row = session.execute(select(EscalationPolicy).where(EscalationPolicy.kind == kind,
                                                         EscalationPolicy.severity == severity)
                          .with_for_update()).scalar()
    if row is None:
        base = dict(zip(TIMED_LEVELS, DEFAULT_MINUTES[severity], strict=True))
        row = EscalationPolicy(kind=kind, severity=severity,
                               **{f"{lv}_minutes": base[lv] for lv in TIMED_LEVELS})
        session.add(row)
    before = {lv: getattr(row, f"{lv}_minutes") for lv in TIMED_LEVELS}
    for level, value in minutes.items():
        setattr(row, f"{level}_minutes", value)
    row.updated_at, row.updated_by = now, actor
    session.flush()
    after = {lv: getattr(row, f"{lv}_minutes") for lv in TIMED_LEVELS}
    audit.append(session, actor=actor, action="escalation.policy", target=f"policy:{kind}:{severity}",
                 detail={"before": before, "after": after}, source_ip=source_ip, now=now)
    return _policy(row)


def due_alerts(session: Session, now: datetime, only: set[int] | None = None) -> list[Alert]:
    """Open alerts that waited at their level longer than their policy allows, locked. Candidates
    are found unlocked and only the due ones locked and checked again (a desk may have acted)."""
    table = {(p.kind, p.severity): p for p in policies(session)}
    query = select(Alert).where(Alert.state == "open", Alert.level.in_((*TIMED_LEVELS, "grid")))
    if only is not None:
        query = query.where(Alert.id.in_(only))

    def due(alert: Alert) -> bool:
        minutes = minutes_at(table, alert)
        since = alert.waiting_since or alert.first_at
        return minutes is not None and since + timedelta(minutes=minutes) <= now

    ids = [a.id for a in session.execute(query).scalars() if due(a)]
    if not ids:
        return []
    locked = session.execute(query.where(Alert.id.in_(ids)).order_by(Alert.id).with_for_update()
                             .execution_options(populate_existing=True)).scalars()
    return [a for a in locked if due(a)]
