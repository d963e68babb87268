"""Read-side queries on incidents: filtered lists (newest first, keyset pages) and one incident
with its timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from dashboard.core.models import (
    OPEN_STATES,
    STATES,
    BusinessItem,
    Department,
    Incident,
    IncidentEvent,
    SupervisionItem,
    Unit,
)
from dashboard.core.timeutil import Period, iso
from dashboard.queries.units import ancestors, incident_filters, unit_ref

# Besides the states themselves, lists accept two views of the open work.
STATE_FILTERS = (*STATES, "open", "overdue")
MAX_LIMIT = 500
# Historic rows carry only step timestamps; a timeline is rebuilt from them in this order.
_STEPS = (("report", None, "reported", "reported_at"),
          ("dispatch", "reported", "dispatched", "dispatched_at"),
          ("accept", "dispatched", "accepted", "accepted_at"),
          ("resolve", "accepted", "resolved", "resolved_at"),
          ("close", "resolved", "closed", "closed_at"))


def state_clause(state: str) -> ColumnElement[bool]:
    """The WHERE clause for a state filter: a state, `open` or `overdue` (open and overdue)."""
    if state == "open":
        return Incident.state.in_(OPEN_STATES)
    if state == "overdue":
        return and_(Incident.state.in_(OPEN_STATES), Incident.overdue.is_(True))
    return Incident.state == state


def incident_summary(row: Incident) -> dict[str, Any]:
    """The list form of an incident (JSON-ready)."""
    return {
        "id": row.id, "reported_at": iso(row.reported_at), "state": row.state,
        "overdue": bool(row.overdue), "severity": row.severity, "source": row.source,
        "business_item": row.business_item_code, "line": row.line_code,
        "department": row.department_code, "grid": row.grid_code, "village": row.village_code,
        "town": row.town_code, "district": row.district_code, "lat": row.lat, "lon": row.lon,
        "description": row.description, "updated_at": iso(row.updated_at),
    }


def incidents(session: Session, unit: Unit, state: str | None = None, period: Period | None = None,
              line: str | None = None, limit: int = 50, before: Incident | None = None,
              ) -> tuple[list[dict[str, Any]], str | None]:
    """Incidents under the unit, newest first, and the id to pass as `before` for the next page
    (None on the last page). Keyset pagination on (reported_at, id): stable under inserts."""
    query = select(Incident).where(*incident_filters(unit, period, line))
    if state:
        query = query.where(state_clause(state))
    if before is not None:
        query = query.where(or_(Incident.reported_at < before.reported_at,
                                and_(Incident.reported_at == before.reported_at,
                                     Incident.id < before.id)))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.order_by(Incident.reported_at.desc(), Incident.id.desc())
                                .limit(limit + 1)))
    next_before = rows[limit - 1].id if len(rows) > limit else None
    return [incident_summary(row) for row in rows[:limit]], next_before


def incident_count(session: Session, unit: Unit, state: str | None = None, period: Period | None = None,
                   line: str | None = None) -> int:
    """How many incidents `incidents` would list with no limit (a capped map says so)."""
    query = select(func.count()).select_from(Incident).where(*incident_filters(unit, period, line))
    if state:
        query = query.where(state_clause(state))
    return session.scalar(query) or 0


def synthesised_timeline(row: Incident) -> list[dict[str, Any]]:
    """A timeline rebuilt from the step timestamps (historic rows have no event rows).
    Reopens are invisible here: only the latest time of each step survives on the row."""
    steps = []
    previous = None
    for action, _from, to_state, column in _STEPS:
        at = getattr(row, column)
        if at is None:
            continue
        steps.append({"action": action, "from": previous, "to": to_state, "at": iso(at),
                      "actor": row.reporter_id if action == "report" else None,
                      "department": row.department_code if action != "report" else None,
                      "note": "", "synthesised": True})
        previous = to_state
    if row.cancelled_at is not None:
        steps.append({"action": "cancel", "from": previous, "to": "cancelled",
                      "at": iso(row.cancelled_at), "actor": None, "department": None, "note": "",
                      "synthesised": True})
    return sorted(steps, key=lambda step: step["at"])


def timeline(session: Session, row: Incident) -> list[dict[str, Any]]:
    """The incident's steps in order: its event rows, else a timeline rebuilt from timestamps."""
    events = session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == row.id)
                             .order_by(IncidentEvent.at, IncidentEvent.id)).all()
    if not events:
        return synthesised_timeline(row)
    return [{"action": e.action, "from": e.from_state, "to": e.to_state, "at": iso(e.at),
             "actor": e.actor, "department": e.department_code, "note": e.note,
             "synthesised": False} for e in events]


def incident_row(session: Session, incident_id: str) -> Incident | None:
    """The incident row with this id, or None."""
    return session.get(Incident, incident_id)


def incident(session: Session, incident_id: str) -> dict[str, Any] | None:
    """One incident in full: its fields, names, unit path, supervision items and timeline."""
    row = session.get(Incident, incident_id)
    if row is None:
        return None
    item = session.get(BusinessItem, row.business_item_code)
    dept = session.get(Department, row.department_code) if row.department_code else None
    supervision = session.scalars(select(SupervisionItem)
                                  .where(SupervisionItem.incident_id == row.id)
                                  .order_by(SupervisionItem.opened_at)).all()
    return {
        **incident_summary(row),
        "business_item_name": item.name if item else None,
        "business_item_name_en": item.name_en if item else None,
        "department_name": dept.name if dept else None,
        "department_name_en": dept.name_en if dept else None,
        "reporter": row.reporter_id,
        "path": [unit_ref(u) for u in ancestors(session, row.grid_code)],
        "steps": {"dispatched_at": iso(row.dispatched_at), "accepted_at": iso(row.accepted_at),
                  "resolved_at": iso(row.resolved_at), "closed_at": iso(row.closed_at),
                  "cancelled_at": iso(row.cancelled_at),
                  "stage_started_at": iso(row.stage_started_at)},
        "reopen_count": row.reopen_count, "bounce_count": row.bounce_count,
        "supervision": [{"id": s.id, "stage": s.stage, "level": s.level, "unit": s.unit_code,
                         "opened_at": iso(s.opened_at), "due_at": iso(s.due_at),
                         "escalations": s.escalations, "state": s.state,
                         "closed_at": iso(s.closed_at)} for s in supervision],
        "timeline": timeline(session, row),
    }
