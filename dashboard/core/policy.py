"""Who may do what: the one table of roles (dashboard.core.models.ROLES) and the capabilities each holds.

Every role check in the product asks this table, through `may(role, capability)` or
`roles_with(capability)`: the API (`dashboard.api.require`), the page gate (dashboard.auth.gate),
the Socket.IO connect (dashboard.realtime.sockets), the duty desk's and the briefing's Dash callbacks, the
incident loop (dashboard.core.lifecycle), accounts and tokens. A role holds a capability or it does not;
what is checked next to it stays where it is used: jurisdiction (the subtree of the caller's unit),
a wall token's one URL, a department's own incidents. The authorization matrix test
(tests/integration/test_authz_matrix.py) takes its expected answers from this table.
"""

from __future__ import annotations

from dashboard.core.models import ROLES

# capability -> what holding it lets a role do (and where it is checked)
CAPABILITIES: dict[str, str] = {
    "login": "hold a log-in account (wall, device and system get tokens instead): auth_accounts",
    "views": "open the city, unit and grid views and the briefing page: auth_gate",
    "screens": "connect a screen's socket and join unit rooms: realtime",
    "wall.screen": "open its one wall URL and nothing else; its log-in has no lifetime cap: auth_gate",
    "api": "call /api/v1 (a wall session only loads its map's boundaries there): auth_gate",
    "alerts.read": "list alerts and read an alert's story: api.alerts",
    "desk": "open the duty desk (/duty), its queue and an alert's story there: auth_gate, callbacks.duty",
    "alerts.act": "acknowledge, assign, escalate, snooze, resolve or note an alert; read its roster",
    "desk.officer": "sit at one center's desk: alerts are assigned to it, instructions read there",
    "department.member": "belong to one department: its instructions and incident steps",
    "escalation.policy.read": "read the escalation policies: api.escalation",
    "escalation.policy.write": "change an escalation policy: api.escalation",
    "instructions.read": "read the leaders' briefing and its PDF: instructions, callbacks.briefing",
    "instructions.write": "give an instruction (批示) on the briefing: instructions",
    "incidents.report": "report a new incident: api.intake, lifecycle",
    "positions.report": "send patrol positions: api.intake",
    "incidents.dispatch": "dispatch an incident to a department: lifecycle",
    "incidents.accept": "accept an incident (a department's caller: its own department's only)",
    "incidents.resolve": "resolve an incident (a department's caller: its own department's only)",
    "incidents.close": "close a resolved incident: lifecycle",
    "incidents.reopen": "reopen a resolved incident: lifecycle",
    "incidents.cancel": "cancel an open incident: lifecycle",
    "incidents.department": "take accept and resolve as a department: only on its own department's",
    "incidents.relay": "relay every party's steps when its token has no department: lifecycle",
    "audit": "read, export and verify the audit log: auth_audit",
}

_SCREEN = {"login", "views", "screens", "api"}
_DESK = {"alerts.read", "desk", "alerts.act", "escalation.policy.read", "instructions.read"}
_CENTER_STEPS = {"incidents.report", "incidents.dispatch", "incidents.accept", "incidents.resolve",
                 "incidents.close", "incidents.reopen", "incidents.cancel"}

POLICY: dict[str, frozenset[str]] = {
    "admin": frozenset(_SCREEN | _DESK | _CENTER_STEPS | {
        "instructions.write", "positions.report", "escalation.policy.write", "audit"}),
    "leader": frozenset(_SCREEN | _DESK | {"instructions.write"}),
    "duty": frozenset(_SCREEN | _DESK | _CENTER_STEPS | {"desk.officer"}),
    "liaison": frozenset(_SCREEN | {"incidents.report", "incidents.accept", "incidents.resolve",
                                    "incidents.department", "department.member"}),
    "viewer": frozenset(_SCREEN | {"alerts.read"}),
    "wall": frozenset({"screens", "wall.screen", "alerts.read"}),
    "device": frozenset({"api", "incidents.report", "positions.report", "incidents.close",
                         "incidents.reopen"}),
    "system": frozenset({"api", "incidents.report", "positions.report", "incidents.accept",
                         "incidents.resolve", "incidents.department", "incidents.relay"}),
}


def may(role: str | None, capability: str) -> bool:
    """Whether this role holds the capability (an unknown role holds none; an unknown capability is
    a programming error and raises KeyError)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return capability in POLICY.get(role or "", frozenset())


def roles_with(capability: str) -> frozenset[str]:
    """Every role that holds the capability."""
    return frozenset(role for role in ROLES if may(role, capability))
