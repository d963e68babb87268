"""The system of record: SQLAlchemy 2 typed models of the grid world and its incidents.

Incidents carry the codes of every ancestor of their grid (district, town, village) so that any
roll-up is one indexed GROUP BY and children always sum to their parent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

LEVELS = ("city", "district", "town", "village", "grid")
CENTER_LEVELS = ("city", "district", "town", "village")
STATES = ("reported", "dispatched", "accepted", "resolved", "closed", "cancelled")
OPEN_STATES = ("reported", "dispatched", "accepted", "resolved")
SOURCES = ("patrol", "collection", "resident", "department", "hotline")
STAFF_ROLES = ("info_manager", "patrol", "enforcement")
STAGES = ("dispatch", "accept", "resolve", "check")
ROLES = ("admin", "leader", "duty", "liaison", "viewer", "wall", "device", "system")
ALERT_KINDS = ("severe_incident", "supervision_new", "supervision_escalated", "staff_silent",
               "feed_stalled")


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with timezone-aware timestamps."""

    type_annotation_map = {datetime: UTCDateTime}


class Unit(Base):
    """One node of the administrative tree: city, district, town, village or grid."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    # Ancestor codes, denormalised so subtree filters are equality tests.
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64), index=True)
    village_code: Mapped[str | None] = mapped_column(String(64), index=True)
    boundary: Mapped[str] = mapped_column(Text)  # GeoJSON geometry
    centroid_lat: Mapped[float] = mapped_column(Float)
    centroid_lon: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer, default=0)
    urban: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_key: Mapped[int] = mapped_column(Integer, default=0)


class CommandCenter(Base):
    """A command center (综治/网格中心) at the city, district, town or village level."""

    __tablename__ = "command_centers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), unique=True)
    name: Mapped[str] = mapped_column(String(96))
    level: Mapped[str] = mapped_column(String(16), index=True)


class Department(Base):
    """A department sharing data or routing work on the platform (34; 23 enforce through grids)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    enforcement: Mapped[bool] = mapped_column(Boolean, default=False)


class BusinessLine(Base):
    """A "网格+" practice (or the general line) that screens filter by."""

    __tablename__ = "business_lines"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    origin_unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))


class BusinessItem(Base):
    """One of the 118 business items (入格业务事项) with its per-stage time limits in minutes."""

    __tablename__ = "business_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(96))
    name_en: Mapped[str] = mapped_column(String(128))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    line_code: Mapped[str] = mapped_column(ForeignKey("business_lines.code"), index=True)
    limit_dispatch_min: Mapped[int] = mapped_column(Integer)
    limit_accept_min: Mapped[int] = mapped_column(Integer)
    limit_resolve_min: Mapped[int] = mapped_column(Integer)
    limit_check_min: Mapped[int] = mapped_column(Integer)
    default_severity: Mapped[int] = mapped_column(SmallInteger, default=2)


class Staff(Base):
    """A field staff member: information manager, patrol inspector or enforcement officer."""

    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), index=True)
    # The grid (or, for officers covering an area, the town) they answer for.
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(64), index=True)
    village_code: Mapped[str | None] = mapped_column(String(64), index=True)
    town_code: Mapped[str | None] = mapped_column(String(64), index=True)
    district_code: Mapped[str | None] = mapped_column(String(64), index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    shift: Mapped[str] = mapped_column(String(16), default="day")  # day | evening | night
    phone: Mapped[str | None] = mapped_column(String(20))


class Incident(Base):
    """An incident and the timestamp of every step of the seven-step loop."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # client-made id
    reported_at: Mapped[datetime] = mapped_column()
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    village_code: Mapped[str] = mapped_column(String(64))
    town_code: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(String(64))
    business_item_code: Mapped[str] = mapped_column(ForeignKey("business_items.code"))
    line_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    severity: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    dispatched_at: Mapped[datetime | None] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    # When the current stage began; stage deadlines count from here.
    stage_started_at: Mapped[datetime] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    bounce_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column()
    # Highest stream entry applied to this row; a redelivered older entry changes nothing.
    stream_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        # Covering indexes for the figures (dashboard.queries.units): a unit's subtree and period, then
        # the state, overdue flag, child level and line, so a roll-up over a year reads no table rows.
        Index("ix_incidents_reported_at", "reported_at", "state", "overdue", "district_code",
              "line_code", "business_item_code"),
        Index("ix_incidents_district_reported", "district_code", "reported_at", "state", "overdue",
              "town_code", "line_code"),
        Index("ix_incidents_town_reported", "town_code", "reported_at", "state", "overdue",
              "village_code", "line_code"),
        Index("ix_incidents_village_reported", "village_code", "reported_at", "state", "overdue",
              "grid_code", "line_code"),
        Index("ix_incidents_grid_reported", "grid_code", "reported_at", "state", "overdue",
              "line_code"),
        Index("ix_incidents_state", "state"),
    )


class IncidentEvent(Base):
    """One step of an incident's timeline, applied exactly once (keyed by its stream entry)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # report, dispatch, accept, ...
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str | None] = mapped_column(String(64))
    department_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # Idempotency key: the client's request id for this step (or the stream id).
    event_key: Mapped[str] = mapped_column(String(96), unique=True)
    stream_id: Mapped[str | None] = mapped_column(String(32))


class SupervisionItem(Base):
    """A supervision item (督办) opened when an incident's stage passes its limit."""

    __tablename__ = "supervision_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))  # village | town | district | city
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    grid_code: Mapped[str] = mapped_column(String(64))
    village_code: Mapped[str] = mapped_column(String(64))
    town_code: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(String(64), index=True)
    opened_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()  # when it climbs a level next
    escalations: Mapped[int] = mapped_column(SmallInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (UniqueConstraint("incident_id", "stage", "opened_at"),)


class SupervisionEscalation(Base):
    """One climb of a supervision item to the next level up."""

    __tablename__ = "supervision_escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("supervision_items.id"), index=True)
    from_level: Mapped[str] = mapped_column(String(16))
    to_level: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()


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


class User(Base):
    """A log-in account with a role and a jurisdiction unit (or a department)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()


class ApiToken(Base):
    """A revocable bearer token for a device, a department system or a wall screen (hash only)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    wall_path: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()  # None: never (tokens issued before expiry)


class LoginSession(Base):
    """A browser's log-in (an account's, or a wall's opened from its token): the cookie carries only
    a random secret whose SHA-256 is the id. An ended session never comes back."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    # Digest of what the account was at log-in (password hash, role, unit, department): any change
    # ends the session, however the row was changed.
    stamp: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    seen_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(128), default="")


class AuditEntry(Base):
    """Append-only audit log; each entry carries the hash of the previous one."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    unit_code: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Position(Base):
    """A patrol position, kept at full resolution for a short window (see feeds.retention)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime] = mapped_column()
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(64))
    downsampled: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("staff_id", "ts", name="uq_positions_staff_ts"),
        Index("ix_positions_ts", "ts"),
        Index("ix_positions_grid_ts", "grid_code", "ts"),
    )


class PatrolDay(Base):
    """A person's patrol summary for one local day; kept forever when raw positions are pruned."""

    __tablename__ = "patrol_days"

    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_code: Mapped[str | None] = mapped_column(String(64), index=True)
    positions: Mapped[int] = mapped_column(Integer, default=0)
    first_ts: Mapped[datetime | None] = mapped_column()
    last_ts: Mapped[datetime | None] = mapped_column()
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    grids_visited: Mapped[str] = mapped_column(Text, default="")  # comma-separated codes


class Certificate(Base):
    """A certificate handled for a resident by grid staff (代办), e.g. a senior card."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # senior_card | love_card | ...
    handled_at: Mapped[datetime] = mapped_column(index=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    village_code: Mapped[str] = mapped_column(String(64))
    town_code: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(32))


class Meta(Base):
    """Key/value facts about the database itself (seed version, seed parameters)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
