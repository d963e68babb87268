"""Stage deadlines: an incident past its stage limit opens a supervision item that climbs a level per
further limit passed (village → town → district → city), and closes when the stage completes.

Every time here is derived from the incident (stage start + k × limit), never from when the scan
ran, so a rerun, a second scanner or a late catch-up computes the same rows; the unique constraint
on (incident, stage, opened_at) keeps a stage instance to one item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, exists, or_, select, text
from sqlalchemy.orm import Session, object_session

from dashboard.actions.alerting import wire_time
from dashboard.contract import schema
from dashboard.core.models import BusinessItem, Incident, SupervisionEscalation, SupervisionItem
from dashboard.core.units import code_at, root_code, row_chain

STAGE_OF_STATE = {"reported": "dispatch", "dispatched": "accept", "accepted": "resolve",
                  "resolved": "check"}
LEVELS = ("village", "town", "district", "city")
_LIMIT = {"dispatch": BusinessItem.limit_dispatch_min, "accept": BusinessItem.limit_accept_min,
          "resolve": BusinessItem.limit_resolve_min, "check": BusinessItem.limit_check_min}

_SCAN_LOCK_KEY = 0x73757076  # names "the supervision scan" among PostgreSQL advisory locks
Out = list[tuple[str, str, dict]]  # (stream, type, data), written after the commit


class Clock(Protocol):
    """Anything that tells the current time (UTC, aware); tests pass a settable one."""

    def __call__(self) -> datetime: ...


@dataclass(frozen=True)
class Deadline:
    """One stage instance of an incident: when it began and how long it may take."""

    stage: str
    started: datetime
    limit: timedelta

    def nth(self, k: int) -> datetime:
        """The moment the k-th limit passes (k=1 is overdue)."""
        return self.started + k * self.limit

    def passed(self, now: datetime) -> int:
        """How many limits have passed by now (0: on time)."""
        if self.limit <= timedelta(0) or now < self.started:
            return 0
        return int((now - self.started) // self.limit)


def limit_of(item: BusinessItem, stage: str) -> timedelta:
    """A business item's time limit for a stage."""
    return timedelta(minutes=getattr(item, _LIMIT[stage].key))


def item_data(item: SupervisionItem) -> dict:
    """The ``data`` of a supervision.* entry (docs/contracts.md)."""
    return {"id": item.id, "incident": item.incident_id, "stage": item.stage, "level": item.level,
            "unit": item.unit_code, "opened_at": wire_time(item.opened_at), "due_at": wire_time(item.due_at),
            "escalations": item.escalations, "state": item.state, "closed_at": wire_time(item.closed_at),
            "units": row_chain(item, root_code(object_session(item)))}


def _escalate(session: Session, item: SupervisionItem, deadline: Deadline, now: datetime,
              out: Out) -> None:
    """Climb one level for every limit passed since the item's due time (catching up if late)."""
    root = root_code(session)
    while item.escalations < len(LEVELS) - 1 and item.due_at <= now:
        up = LEVELS[item.escalations + 1]
        session.add(SupervisionEscalation(item_id=item.id, from_level=item.level, to_level=up,
                                          unit_code=code_at(item, up, root), at=item.due_at))
        item.escalations += 1
        item.level, item.unit_code = up, code_at(item, up, root)
        item.due_at = deadline.nth(item.escalations + 2)
        out.append((schema.SUPERVISION, "supervision.escalated", item_data(item)))


def _open(session: Session, due: list[tuple[Incident, Deadline]], now: datetime, out: Out) -> None:
    """Open one item per overdue stage instance (one INSERT round), then catch up escalations."""
    items = [SupervisionItem(incident_id=incident.id, stage=deadline.stage, level="village",
                             unit_code=incident.village_code, grid_code=incident.grid_code,
                             village_code=incident.village_code, town_code=incident.town_code,
                             district_code=incident.district_code, opened_at=deadline.nth(1),
                             due_at=deadline.nth(2), escalations=0, state="open")
             for incident, deadline in due]
    session.add_all(items)
    session.flush()
    for (incident, deadline), item in zip(due, items, strict=True):
        incident.overdue = True
        out.append((schema.SUPERVISION, "supervision.opened", item_data(item)))
        _escalate(session, item, deadline, now, out)


def _lock_scan(session: Session) -> None:
    """One scan at a time across processes, so no two open the same item."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCAN_LOCK_KEY})
    else:
        session.execute(text("UPDATE supervision_items SET id = id WHERE 0 = 1"))


def _close(item: SupervisionItem, at: datetime, out: Out) -> None:
    item.state, item.closed_at = "closed", at
    out.append((schema.SUPERVISION, "supervision.closed", item_data(item)))


def close_for_transition(session: Session, incident_id: str, at: datetime, out: Out) -> None:
    """A step of the incident completed its stage: close the items of stage instances begun before.

    ``Incident.overdue`` stays set: it records that the incident ran late (the on-time rate and the
    closed-late figures read it), while open items are what is overdue right now.
    """
    items = session.execute(select(SupervisionItem).where(
        SupervisionItem.incident_id == incident_id, SupervisionItem.state == "open",
        SupervisionItem.opened_at <= at)).scalars().all()
    for item in items:
        _close(item, at, out)


def _is_current():
    """SQL: the item belongs to the incident's current stage instance."""
    same_stage = or_(*(and_(SupervisionItem.stage == stage, Incident.state == state)
                       for state, stage in STAGE_OF_STATE.items()))
    return and_(same_stage, SupervisionItem.opened_at >= Incident.stage_started_at)


def _reconcile(session: Session, now: datetime, out: Out) -> None:
    """Close items whose incident moved on unseen (a transition missed, or seen before the row)."""
    moved_on = session.execute(
        select(SupervisionItem, Incident.stage_started_at)
        .join(Incident, Incident.id == SupervisionItem.incident_id)
        .where(SupervisionItem.state == "open", ~_is_current())).all()
    for item, started in moved_on:
        _close(item, min(now, max(started, item.opened_at)), out)


def _escalate_due(session: Session, now: datetime, out: Out) -> None:
    """Escalate the open items whose next limit has passed."""
    due = session.execute(
        select(SupervisionItem, Incident, BusinessItem)
        .join(Incident, Incident.id == SupervisionItem.incident_id)
        .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
        .where(SupervisionItem.state == "open", SupervisionItem.due_at <= now,
               SupervisionItem.escalations < len(LEVELS) - 1, _is_current())
        .order_by(SupervisionItem.id)).all()
    for item, incident, bitem in due:
        _escalate(session, item, Deadline(item.stage, incident.stage_started_at,
                                          limit_of(bitem, item.stage)), now, out)


def _limit_groups(items: list[BusinessItem]) -> dict[tuple[str, int], list[str]]:
    """Business item codes by (state, limit in minutes), so each candidate query is exact."""
    groups: dict[tuple[str, int], list[str]] = {}
    for bitem in items:
        for state, stage in STAGE_OF_STATE.items():
            minutes = int(limit_of(bitem, stage).total_seconds() // 60)
            groups.setdefault((state, minutes), []).append(bitem.code)
    return groups


def scan(session: Session, now: datetime, batch: int = 500, reconcile: bool = True) -> Out:
    """One pass: (reconcile,) escalate open items, then open items for newly overdue incidents.

    Reconciling reads every open item; transitions close items as they happen, so the worker runs
    it as a safety net once a minute rather than every pass.
    """
    out: Out = []
    _lock_scan(session)
    if reconcile:
        _reconcile(session, now, out)
    _escalate_due(session, now, out)
    limits = {b.code: b for b in session.execute(select(BusinessItem)).scalars()}
    for (state, minutes), codes in _limit_groups(list(limits.values())).items():
        if minutes <= 0:
            continue
        stage = STAGE_OF_STATE[state]
        handled = exists().where(SupervisionItem.incident_id == Incident.id,
                                 SupervisionItem.stage == stage,
                                 SupervisionItem.opened_at >= Incident.stage_started_at)
        incidents = session.execute(
            select(Incident).where(Incident.state == state, Incident.business_item_code.in_(codes),
                                   Incident.stage_started_at <= now - timedelta(minutes=minutes),
                                   ~handled)
            .order_by(Incident.stage_started_at).limit(batch)).scalars().all()
        _open(session, [(incident, Deadline(stage, incident.stage_started_at,
                                            limit_of(limits[incident.business_item_code], stage)))
                        for incident in incidents], now, out)
    return out
