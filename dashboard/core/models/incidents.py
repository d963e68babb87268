"""Incidents and their seven-step loop: the incident, its events, supervision items and their
escalations, patrol positions and patrol days, and the on-site check certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
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
