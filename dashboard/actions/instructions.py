"""Instructions (批示) on what is overdue or escalated: who may give and read them (capabilities
instructions.write and instructions.read, dashboard.core.policy), and giving one.

An instruction is written with its audit entry and an ``alert.instructed`` event staged in the outbox,
in one transaction; the event goes to the rooms of every unit from the city down to the target's grid,
so the duty officers of the units concerned see it. It records where it went (the target's unit desk
and the department holding the incident). Jurisdiction is checked on the server for every read and
every write: a target outside the caller's subtree is "not found". A request id makes a retry
harmless: the API and the page (dashboard.queries.briefing is their list) both act through
``instruct_once``, and the same id answers with the first instruction and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.actions import outbox
from dashboard.actions.alerting import payload, wire_time
from dashboard.contract import schema
from dashboard.core import audit
from dashboard.core.models import Alert, Incident, Instruction, SupervisionItem
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.units import CENTER_ORDER, root_code, row_chain, under

KINDS = ("supervision", "alert", "incident")
MAX_TEXT = 500
LEVEL_ORDER = CENTER_ORDER  # highest first
LIMIT = 200
MAX_REQUEST_ID = 64
WITH_DEPARTMENT = ("dispatched", "accepted")  # incident states in which a department holds the work


class InstructionError(ValueError):
    """A refused read or write: HTTP-like status, message and the offending field."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def within(principal: Principal, model: Any) -> ColumnElement[bool]:
    """SQL condition: the row's grid lies inside the principal's jurisdiction."""
    return under(model, principal.unit_level, principal.unit_code)


def check_role(principal: Principal | None, write: bool = False) -> Principal:
    """The caller if it may read (or write) the briefing, else InstructionError."""
    if principal is None:
        raise InstructionError(401, "authentication required", None)
    if not may(principal.role, "instructions.write" if write else "instructions.read"):
        raise InstructionError(403, f"role {principal.role!r} may not do this", "role")
    return principal


def record(row: Instruction) -> dict:
    """An instruction as JSON."""
    return {"id": row.id, "target_kind": row.target_kind, "target_id": row.target_id,
            "incident": row.incident_id, "unit": row.unit_code, "department_code": row.department_code,
            "author": row.author, "text": row.text, "at": wire_time(row.at)}


def parse(kind: Any, target_id: Any, text: Any, request_id: Any = None) -> tuple[str, str, str]:
    """Validate an instruction's target, text and request id; InstructionError names the bad field."""
    if request_id is not None and (not isinstance(request_id, str) or not request_id.strip()
                                   or len(request_id) > MAX_REQUEST_ID):
        raise InstructionError(422, f"request_id must be text of 1-{MAX_REQUEST_ID} characters", "request_id")
    if kind not in KINDS:
        raise InstructionError(422, f"target kind must be one of {', '.join(KINDS)}", "target_kind")
    if isinstance(target_id, bool) or not isinstance(target_id, str | int) or str(target_id).strip() == "":
        raise InstructionError(422, "target id is required", "target_id")
    if not isinstance(text, str) or not text.strip():
        raise InstructionError(422, "text is required", "text")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InstructionError(422, f"text is longer than {MAX_TEXT} characters", "text")
    if "\x00" in text:
        raise InstructionError(422, "text must not contain NUL", "text")
    return kind, str(target_id).strip(), text


def _target(session: Session, principal: Principal, kind: str, target_id: str) -> Any:
    model = {"supervision": SupervisionItem, "alert": Alert, "incident": Incident}[kind]
    if kind != "incident":
        # isdigit() alone takes "²" (a digit to Unicode, not to int()).
        if not (target_id.isascii() and target_id.isdigit()) or int(target_id) > 2_147_483_647:
            return None
        key: Any = int(target_id)
    else:
        key = target_id
    row = session.execute(select(model).where(model.id == key, within(principal, model))).scalar()
    return row


def _department(session: Session, incident_id: str | None) -> str | None:
    incident = session.get(Incident, incident_id) if incident_id else None
    if incident is not None and incident.state in WITH_DEPARTMENT:
        return incident.department_code
    return None


def instruct(session: Session, principal: Principal, kind: Any, target_id: Any, text: Any,
             source_ip: str | None, now: datetime, request_id: Any = None) -> tuple[Instruction, str | None]:
    """Record an instruction on a target inside the caller's jurisdiction, with its audit entry and
    its ``alert.instructed`` event (staged in the outbox; returns the outbox key to flush). A retry
    with the same request id returns the first row and a None key, and writes nothing."""
    check_role(principal, write=True)
    kind, target_id, text = parse(kind, target_id, text, request_id)
    target = _target(session, principal, kind, target_id)
    if target is None:
        raise InstructionError(404, f"no {kind} {target_id} in your jurisdiction", "target_id")
    request_key = f"{kind}:{target_id}:{request_id.strip()}" if request_id else None
    if request_key is not None:
        earlier = session.scalar(select(Instruction).where(Instruction.request_key == request_key))
        if earlier is not None:
            return earlier, None
    incident = target.id if kind == "incident" else target.incident_id
    unit = target.grid_code if kind == "incident" else target.unit_code
    row = Instruction(target_kind=kind, target_id=target_id, incident_id=incident, unit_code=unit,
                      district_code=target.district_code, town_code=target.town_code,
                      village_code=target.village_code, grid_code=target.grid_code,
                      author=principal.name, text=text, at=now,
                      department_code=_department(session, incident), request_key=request_key)
    session.add(row)
    session.flush()
    audit.append(session, actor=principal.name, action="instruction", target=f"{kind}:{target_id}",
                 unit_code=unit, detail={"instruction": row.id, "text": text, "incident": incident},
                 source_ip=source_ip, now=now)
    base = payload(target) if kind == "alert" else {"id": None, "incident": incident}
    data = {**base, "unit": unit, "units": row_chain(target, root_code(session)), "target_kind": kind,
            "target_id": target_id, "instruction": record(row), "by": principal.name}
    key = outbox.stage(session, schema.ALERTS, "alert.instructed", data, now).key
    return row, key


def instruct_once(Session: Any, principal: Principal, kind: Any, target_id: Any, text: Any,  # noqa: N803
                  source_ip: str | None, now: datetime, request_id: Any = None) -> tuple[dict, str | None]:
    """``instruct`` in its own transaction; two requests with one request id racing in leave one
    row, and the loser answers with the winner's. Returns the instruction as JSON and the outbox
    key to flush (None for a repeat)."""
    try:
        with Session.begin() as session:
            row, key = instruct(session, principal, kind, target_id, text, source_ip, now, request_id)
            return record(row), key
    except IntegrityError:
        if request_id is None:
            raise
        with Session() as session:
            row, key = instruct(session, principal, kind, target_id, text, source_ip, now, request_id)
            if key is not None:
                raise
            return record(row), None
