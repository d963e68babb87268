"""The system of record: SQLAlchemy 2 typed models of the grid world and its incidents, one module
per concern (base: the declarative base, timestamps and vocabularies; tree: units, departments,
business items, staff; incidents: the seven-step loop, positions, patrol days; alerts: the duty
desk's alerts, policies, instructions and outbox; access: accounts, tokens, sessions, audit).
Import them from here.

Incidents carry the codes of every ancestor of their grid (district, town, village) so that any
roll-up is one indexed GROUP BY and children always sum to their parent.
"""

from dashboard.core.models.access import ApiToken, AuditEntry, LoginSession, Meta, User
from dashboard.core.models.alerts import (
    Alert,
    AlertAck,
    EscalationPolicy,
    Instruction,
    InstructionReceipt,
    OutboxEvent,
)
from dashboard.core.models.base import (
    ALERT_KINDS,
    CENTER_LEVELS,
    LEVELS,
    OPEN_STATES,
    ROLES,
    SOURCES,
    STAFF_ROLES,
    STAGES,
    STATES,
    Base,
    UTCDateTime,
)
from dashboard.core.models.incidents import (
    Certificate,
    Incident,
    IncidentEvent,
    PatrolDay,
    Position,
    SupervisionEscalation,
    SupervisionItem,
)
from dashboard.core.models.tree import BusinessItem, BusinessLine, CommandCenter, Department, Staff, Unit

__all__ = [
    "ALERT_KINDS",
    "CENTER_LEVELS",
    "LEVELS",
    "OPEN_STATES",
    "ROLES",
    "SOURCES",
    "STAFF_ROLES",
    "STAGES",
    "STATES",
    "Alert",
    "AlertAck",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BusinessItem",
    "BusinessLine",
    "Certificate",
    "CommandCenter",
    "Department",
    "EscalationPolicy",
    "Incident",
    "IncidentEvent",
    "Instruction",
    "InstructionReceipt",
    "LoginSession",
    "Meta",
    "OutboxEvent",
    "PatrolDay",
    "Position",
    "Staff",
    "SupervisionEscalation",
    "SupervisionItem",
    "UTCDateTime",
    "Unit",
    "User",
]
