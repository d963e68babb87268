"""The declarative base, the UTC timestamp type every model uses, and the closed vocabularies
(levels, states, sources, roles, alert kinds) the models and the rest of the product share."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import DeclarativeBase
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
