"""Receipts of instructions (批示): read by the desk they went to, acted on by a step or duty action.

``feed_back`` is the one place receipts are written. The briefing's reads call it for the reading
desk's instructions; the action service calls it when an action is taken on an instruction's target
(``dashboard.actions.alert_actions.perform`` for alerts, the persister for incident steps). A receipt is
kept once per instruction and kind (the first one), so a redelivered step or a reread adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.core.models import Instruction, InstructionReceipt
from dashboard.core.policy import may
from dashboard.core.principal import Principal

KINDS = ("read", "acted")


def feed_back(session: Session, kind: str, which: ColumnElement[bool], actor: str | None, action: str,
              at: datetime) -> int:
    """Write a ``kind`` receipt for every instruction matching ``which`` given by ``at`` that has
    none of that kind yet; returns how many were written."""
    if kind not in KINDS:
        raise ValueError(f"receipt kind must be one of {KINDS}")
    taken = select(InstructionReceipt.instruction_id).where(InstructionReceipt.kind == kind)
    ids = session.scalars(select(Instruction.id).where(which, Instruction.at <= at,
                                                       Instruction.id.not_in(taken))).all()
    if not ids:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(InstructionReceipt.__table__)
            .on_conflict_do_nothing(index_elements=["instruction_id", "kind"])
            .returning(InstructionReceipt.__table__.c.id))
    rows = [{"instruction_id": i, "kind": kind, "actor": actor, "action": action, "at": at} for i in ids]
    return len(session.scalars(stmt, rows).all())


def desk_of(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: instructions that went to the caller's own desk (a duty desk of their unit,
    or a liaison's department)."""
    if may(principal.role, "desk.officer"):
        return Instruction.unit_code == principal.unit_code
    if may(principal.role, "department.member") and principal.department_code:
        return Instruction.department_code == principal.department_code
    return false()


def on_read(session: Session, principal: Principal, instruction_ids: Iterable[int], now: datetime) -> int:
    """The caller has seen these instructions: those that went to their desk are read."""
    ids = list(instruction_ids)
    if not ids:
        return 0
    return feed_back(session, "read", Instruction.id.in_(ids) & desk_of(principal), principal.name,
                     "read", now)


def on_action(session: Session, actor: str | None, action: str, at: datetime, alert_id: int | None = None,
              incident_ids: Iterable[str] = ()) -> int:
    """An action was taken on an alert or on incidents: instructions on them are acted on."""
    incidents = list(incident_ids)
    which = []
    if alert_id is not None:
        which.append((Instruction.target_kind == "alert") & (Instruction.target_id == str(alert_id)))
    if incidents:
        which.append(Instruction.incident_id.in_(incidents))
    if not which:
        return 0
    return feed_back(session, "acted", or_(*which), actor, action, at)


def receipts(session: Session, instruction_ids: Iterable[int]) -> dict[int, dict[str, dict]]:
    """The receipts of these instructions: {id: {kind: {actor, action, at}}}."""
    ids = list(instruction_ids)
    found: dict[int, dict[str, dict]] = {}
    if not ids:
        return found
    for row in session.scalars(select(InstructionReceipt).where(InstructionReceipt.instruction_id.in_(ids))):
        found.setdefault(row.instruction_id, {})[row.kind] = {"actor": row.actor, "action": row.action,
                                                              "at": row.at}
    return found
