"""The seven-step loop as a state machine: states, allowed steps, and who may take each step.

| action   | from                        | to         | who (capability in dashboard.core.policy)     |
| -------- | --------------------------- | ---------- | ---------------------------------------- |
| report   | (new)                       | reported   | incidents.report                         |
| dispatch | reported                    | dispatched | incidents.dispatch (names a department)  |
| accept   | dispatched                  | accepted   | incidents.accept                         |
| resolve  | accepted                    | resolved   | incidents.resolve                        |
| close    | resolved                    | closed     | incidents.close                          |
| reopen   | resolved                    | dispatched | incidents.reopen                         |
| cancel   | any open state              | cancelled  | incidents.cancel (gives a reason)        |

Which roles hold each capability is written once, in dashboard.core.policy. Every caller must also
cover the incident's grid (its jurisdiction); a department's caller (incidents.department) must
belong to the department the incident is dispatched to. A `system` token issued without a
department stands for a platform integration (the 12345 hotline platform, the simulator) that
relays every party's steps (incidents.relay): it may take any step inside its jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.core.models import OPEN_STATES, STATES
from dashboard.core.policy import may
from dashboard.core.principal import Principal

ACTIONS = ("dispatch", "accept", "resolve", "close", "reopen", "cancel")
TERMINAL_STATES = tuple(s for s in STATES if s not in OPEN_STATES)

# action -> (states it may follow, state it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatch": (("reported",), "dispatched"),
    "accept": (("dispatched",), "accepted"),
    "resolve": (("accepted",), "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved",), "dispatched"),
    "cancel": (OPEN_STATES, "cancelled"),
}

# action -> the capability (dashboard.core.policy) a caller's role needs to take it
STEP_CAPABILITIES: dict[str, str] = {
    "report": "incidents.report", "dispatch": "incidents.dispatch", "accept": "incidents.accept",
    "resolve": "incidents.resolve", "close": "incidents.close", "reopen": "incidents.reopen",
    "cancel": "incidents.cancel"}
# The stage whose clock starts when an incident enters a state (DESIGN.md §1 time limits).
STAGE_OF_STATE = {"reported": "dispatch", "dispatched": "accept", "accepted": "resolve",
                  "resolved": "check"}


class StepRefused(Exception):
    """A step that may not be taken: HTTP status, reason and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Step:
    """A validated step: the action and the states it moves between."""

    action: str
    from_state: str
    to_state: str


def next_state(action: str, state: str) -> str:
    """The state an action leads to from ``state``, or StepRefused (409) if not allowed."""
    if action not in STEPS:
        raise StepRefused(422, f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}",
                          "action")
    sources, target = STEPS[action]
    if state not in sources:
        raise StepRefused(409, f"cannot {action} an incident that is {state}", "action")
    return target


def check_actor(principal: Principal, action: str, units: list[str],
                department: str | None) -> None:
    """Refuse (403) a caller whose role, jurisdiction or department may not take this step."""
    check_role(principal, action, units)
    check_department(principal, action, department)


class NotVisible(StepRefused):
    """An incident outside the caller's jurisdiction: answered exactly as one that does not exist."""

    def __init__(self) -> None:
        super().__init__(404, "no such incident", "id")


def check_role(principal: Principal, action: str, units: list[str]) -> None:
    """Refuse a caller whose jurisdiction (NotVisible, 404: for a step on an existing incident it is
    checked first, so nothing tells a foreign incident from a missing one) or role (403) does not
    allow this step; a report outside the jurisdiction is refused with 403 (no incident exists yet)."""
    if action != "report" and not principal.covers_codes(units):
        raise NotVisible()
    capability = STEP_CAPABILITIES.get(action)
    if (capability is None or not may(principal.role, capability)) and not _platform(principal):
        raise StepRefused(403, f"role {principal.role!r} may not {action}", "action")
    if not principal.covers_codes(units):
        raise StepRefused(403, f"the place is outside the jurisdiction of {principal.unit_code}", None)


def check_department(principal: Principal, action: str, department: str | None) -> None:
    """Refuse (403) a department's caller acting on another department's incident."""
    if action in ("accept", "resolve") and may(principal.role, "incidents.department") \
            and not _platform(principal):
        if not principal.department_code or principal.department_code != department:
            raise StepRefused(403, f"incident is dispatched to {department!r}, not to "
                                   f"{principal.department_code!r}", "department")


def _platform(principal: Principal) -> bool:
    return may(principal.role, "incidents.relay") and not principal.department_code


def plan(principal: Principal, action: str, state: str, units: list[str],
         department: str | None) -> Step:
    """Validate a step for this caller on an incident in ``state``: jurisdiction (404) and role
    (403), then the state (409), then the department (403). Returns the planned step."""
    if action in STEPS:
        check_role(principal, action, units)
    target = next_state(action, state)
    check_department(principal, action, department)
    return Step(action=action, from_state=state, to_state=target)


def is_open(state: str) -> bool:
    """Whether an incident in this state still counts as open."""
    return state in OPEN_STATES
