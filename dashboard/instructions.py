"""The leaders' briefing: what is overdue or escalated in a jurisdiction, and instructions (批示) on it.

An instruction is written with its audit entry and an ``alert.instructed`` event staged in the outbox,
in one transaction; the event goes to the rooms of every unit from the city down to the target's grid,
so the duty officers of the units concerned see it. Jurisdiction is checked on the server for every
read and every write: a target outside the caller's subtree is "not found".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.orm import Session

from dashboard import audit, outbox
from dashboard.alert_titles import prime as prime_titles
from dashboard.alerting import LIVE_STATES, payload, wire_time
from dashboard.alerting import scope as alert_scope
from dashboard.models import Alert, BusinessItem, Incident, Instruction, SupervisionItem
from dashboard.principal import Principal
from feeds import schema

READ_ROLES = frozenset({"admin", "leader", "duty"})
WRITE_ROLES = frozenset({"admin", "leader"})
KINDS = ("supervision", "alert", "incident")
MAX_TEXT = 500
CRITICAL = 4  # alert severity 1 low .. 4 critical
LEVEL_ORDER = ("city", "district", "town", "village")  # highest first: the oldest climbs are worst
LIMIT = 200


class InstructionError(ValueError):
    """A refused read or write: HTTP-like status, message and the offending field."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def _within(principal: Principal, model: Any) -> ColumnElement[bool]:
    """SQL condition: the row's grid lies inside the principal's jurisdiction."""
    if principal.unit_level == "city":
        return true()
    column = {"district": model.district_code, "town": model.town_code,
              "village": model.village_code, "grid": model.grid_code}[principal.unit_level]
    return column == principal.unit_code


def _chain(row: Any) -> list[str]:
    chain = ["putian"]
    for code in (row.district_code, row.town_code, row.village_code, row.grid_code):
        if code and code not in chain:
            chain.append(code)
    return chain


def check_role(principal: Principal | None, write: bool = False) -> Principal:
    """The caller if it may read (or write) the briefing, else InstructionError."""
    if principal is None:
        raise InstructionError(401, "authentication required", None)
    if principal.role not in (WRITE_ROLES if write else READ_ROLES):
        raise InstructionError(403, f"role {principal.role!r} may not do this", "role")
    return principal


def record(row: Instruction) -> dict:
    """An instruction as JSON."""
    return {"id": row.id, "target_kind": row.target_kind, "target_id": row.target_id,
            "incident": row.incident_id, "unit": row.unit_code, "author": row.author, "text": row.text,
            "at": wire_time(row.at)}


def _instructions(session: Session, targets: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict]]:
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for kind in KINDS:
        ids = [i for k, i in targets if k == kind]
        if not ids:
            continue
        rows = session.execute(select(Instruction).where(Instruction.target_kind == kind,
                                                         Instruction.target_id.in_(ids))
                               .order_by(Instruction.at, Instruction.id)).scalars()
        for row in rows:
            found[(kind, row.target_id)].append(record(row))
    return found


def briefing(session: Session, principal: Principal, limit: int = LIMIT) -> dict[str, Any]:
    """Open supervision items by level (highest first, oldest first; at most ``limit``) and open
    critical or escalated alerts in the caller's jurisdiction, each with the instructions already
    left on it; ``totals`` counts every open item by level."""
    check_role(principal)
    level_rank = case({lv: n for n, lv in enumerate(LEVEL_ORDER)}, value=SupervisionItem.level,
                      else_=len(LEVEL_ORDER))
    rows = session.execute(
        select(SupervisionItem, Incident.description, Incident.severity, BusinessItem.name,
               BusinessItem.name_en)
        .join(Incident, Incident.id == SupervisionItem.incident_id)
        .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
        .where(SupervisionItem.state == "open", _within(principal, SupervisionItem))
        .order_by(level_rank, SupervisionItem.opened_at, SupervisionItem.id).limit(limit)).all()
    items = [{"kind": "supervision", "id": str(it.id), "incident": it.incident_id, "stage": it.stage,
              "level": it.level, "unit": it.unit_code, "grid": it.grid_code,
              "opened_at": wire_time(it.opened_at), "due_at": wire_time(it.due_at),
              "escalations": it.escalations, "description": desc, "severity": sev,
              "item": name, "item_en": name_en} for it, desc, sev, name, name_en in rows]
    alerts = session.execute(
        select(Alert).where(Alert.state.in_(LIVE_STATES), alert_scope(principal),
                            (Alert.severity >= CRITICAL) | (Alert.level != "village"))
        .order_by(Alert.first_at, Alert.id).limit(limit)).scalars().all()
    prime_titles(session, alerts)
    alert_rows = [{**payload(a), "kind": "alert", "alert_kind": a.kind, "id": str(a.id)} for a in alerts]
    notes = _instructions(session, [("supervision", i["id"]) for i in items]
                          + [("alert", a["id"]) for a in alert_rows])
    for entry in items + alert_rows:
        entry["instructions"] = notes.get((entry["kind"], entry["id"]), [])
    open_items = select(SupervisionItem.level, func.count()).where(
        SupervisionItem.state == "open", _within(principal, SupervisionItem)).group_by(SupervisionItem.level)
    totals = dict(session.execute(open_items).all())
    return {"supervision": items, "alerts": alert_rows, "totals": totals}


def parse(kind: Any, target_id: Any, text: Any) -> tuple[str, str, str]:
    """Validate an instruction's target and text; InstructionError names the bad field."""
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
        if not target_id.isdigit() or int(target_id) > 2_147_483_647:
            return None
        key: Any = int(target_id)
    else:
        key = target_id
    row = session.execute(select(model).where(model.id == key, _within(principal, model))).scalar()
    return row


def instruct(session: Session, principal: Principal, kind: Any, target_id: Any, text: Any,
             source_ip: str | None, now: datetime) -> tuple[Instruction, str]:
    """Record an instruction on a target inside the caller's jurisdiction, with its audit entry and
    its ``alert.instructed`` event (staged in the outbox; returns the outbox key to flush)."""
    check_role(principal, write=True)
    kind, target_id, text = parse(kind, target_id, text)
    target = _target(session, principal, kind, target_id)
    if target is None:
        raise InstructionError(404, f"no {kind} {target_id} in your jurisdiction", "target_id")
    incident = target.id if kind == "incident" else target.incident_id
    unit = target.grid_code if kind == "incident" else target.unit_code
    row = Instruction(target_kind=kind, target_id=target_id, incident_id=incident, unit_code=unit,
                      district_code=target.district_code, town_code=target.town_code,
                      village_code=target.village_code, grid_code=target.grid_code,
                      author=principal.name, text=text, at=now)
    session.add(row)
    session.flush()
    audit.append(session, actor=principal.name, action="instruction", target=f"{kind}:{target_id}",
                 unit_code=unit, detail={"instruction": row.id, "text": text, "incident": incident},
                 source_ip=source_ip, now=now)
    base = payload(target) if kind == "alert" else {"id": None, "incident": incident}
    data = {**base, "unit": unit, "units": _chain(target), "target_kind": kind, "target_id": target_id,
            "instruction": record(row), "by": principal.name}
    key = outbox.stage(session, schema.ALERTS, "alert.instructed", data, now).key
    return row, key
