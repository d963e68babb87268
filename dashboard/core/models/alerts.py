"""The duty desk's records: alerts and their acknowledgements, escalation policies, leaders'
instructions (批示) and their receipts, and the outbox of events to publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.core.models.base import Base


class Alert(Base):
    """An alert for duty officers; a burst with one cause is one alert with a count."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    group_key: Mapped[str] = mapped_column(String(128), index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64))
    village_code: Mapped[str | None] = mapped_column(String(64))
    grid_code: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[int] = mapped_column(SmallInteger)  # 1 low .. 4 critical
    title: Mapped[str] = mapped_column(String(256))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column()
    last_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|acked|snoozed|resolved
    level: Mapped[str] = mapped_column(String(16), default="village")  # escalation level
    # Since when it has waited unacknowledged at its level (raised, escalated or reopened): the
    # escalation policy's timer runs from here. None on rows older than the policies: first_at.
    waiting_since: Mapped[datetime | None] = mapped_column()
    incident_id: Mapped[str | None] = mapped_column(String(64))
    supervision_id: Mapped[int | None] = mapped_column(Integer)
    staff_id: Mapped[str | None] = mapped_column(String(32))
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    ack_expires_at: Mapped[datetime | None] = mapped_column()  # also the end of a snooze
    resolved_at: Mapped[datetime | None] = mapped_column()

class AlertAck(Base):
    """One acknowledgement (or other duty action) on an alert; never updated, never deleted."""

    __tablename__ = "alert_acks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(16), default="ack")  # ack|assign|escalate|snooze|resolve|...
    user: Mapped[str] = mapped_column(String(64))
    on_behalf_of: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))  # phone | radio | in_person | screen
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    source_ip: Mapped[str | None] = mapped_column(String(64))
    request_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    # What the action did beyond its columns: an escalation's from/to level and target desk.
    detail: Mapped[dict | None] = mapped_column(JSON)

class EscalationPolicy(Base):
    """How long an alert of a kind and severity may wait unacknowledged at each level before it
    moves up by itself (dashboard.core.escalation); the city is the top and never times out."""

    __tablename__ = "escalation_policies"
    __table_args__ = (UniqueConstraint("kind", "severity", name="uq_escalation_policies_kind_severity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(SmallInteger)
    village_minutes: Mapped[int] = mapped_column(Integer)
    town_minutes: Mapped[int] = mapped_column(Integer)
    district_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(String(64))

class Instruction(Base):
    """A leader's instruction (批示) on a supervision item, an alert or an incident; never updated."""

    __tablename__ = "instructions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # supervision | alert | incident
    target_id: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The target's own unit and its ancestors, so jurisdiction is the same equality test as elsewhere.
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64))
    village_code: Mapped[str | None] = mapped_column(String(64))
    grid_code: Mapped[str | None] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column()
    # Where it went: the target unit's desk (unit_code) and, while the incident is with a department
    # (dispatched or accepted), that department.
    department_code: Mapped[str | None] = mapped_column(String(32))
    request_key: Mapped[str | None] = mapped_column(String(96))  # a retried request finds its row

    __table_args__ = (Index("ix_instructions_target", "target_kind", "target_id"),
                      UniqueConstraint("request_key", name="uq_instructions_request_key"))

class InstructionReceipt(Base):
    """An instruction read by its target desk, or acted on (a step or duty action on its target);
    one of each kind per instruction (the first), never updated."""

    __tablename__ = "instruction_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # read | acted
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), default="")  # what was done: ack, dispatch, ...
    at: Mapped[datetime] = mapped_column()

    __table_args__ = (UniqueConstraint("instruction_id", "kind", name="uq_instruction_receipts_kind"),)

class OutboxEvent(Base):
    """A stream event written in the transaction of its state change, published to Redis after.

    ``published_at``/``stream_id`` stay null until the publisher (dashboard.actions.outbox) has appended it;
    ``key`` names the row in Redis so a retried publish finds the entry instead of adding another.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    stream: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)  # the entry's data field: compact JSON, as published
    created_at: Mapped[datetime] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    stream_id: Mapped[str | None] = mapped_column(String(32))
