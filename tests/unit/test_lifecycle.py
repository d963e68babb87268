"""The loop's state machine and who may take which step."""

from __future__ import annotations

import pytest

from dashboard.core.lifecycle import ACTIONS, STEPS, NotVisible, StepRefused, check_actor, next_state, plan
from dashboard.core.models import OPEN_STATES, STATES
from dashboard.core.principal import Principal

GRID = ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
        "licheng-zhenhai-changshou-g01"]


def who(role, unit="putian", level="city", department=None) -> Principal:
    return Principal(name=role, role=role, unit_code=unit, unit_level=level,
                     department_code=department)


@pytest.mark.parametrize(("action", "state", "target"), [
    ("dispatch", "reported", "dispatched"),
    ("accept", "dispatched", "accepted"),
    ("resolve", "accepted", "resolved"),
    ("close", "resolved", "closed"),
    ("reopen", "resolved", "dispatched"),
    *[("cancel", s, "cancelled") for s in OPEN_STATES],
])
def test_allowed_steps(action, state, target):
    assert next_state(action, state) == target


def test_every_other_step_is_refused_with_409():
    allowed = {(a, s) for a, (sources, _) in STEPS.items() for s in sources}
    for action in ACTIONS:
        for state in STATES:
            if (action, state) in allowed:
                continue
            with pytest.raises(StepRefused) as err:
                next_state(action, state)
            assert (err.value.status, err.value.field) == (409, "action")


def test_unknown_action_is_a_field_error():
    with pytest.raises(StepRefused) as err:
        next_state("teleport", "reported")
    assert (err.value.status, err.value.field) == (422, "action")


@pytest.mark.parametrize(("principal", "action", "allowed"), [
    (who("device", GRID[-1], "grid"), "close", True),
    (who("device", GRID[-1], "grid"), "reopen", True),
    (who("device", GRID[-1], "grid"), "dispatch", False),
    (who("device", GRID[-1], "grid"), "accept", False),
    (who("device", GRID[-1], "grid"), "cancel", False),
    (who("liaison", department="market"), "accept", True),
    (who("liaison", department="market"), "resolve", True),
    (who("liaison", department="citymgmt"), "accept", False),
    (who("liaison", department="market"), "dispatch", False),
    (who("liaison", department="market"), "close", False),
    (who("system", department="market"), "resolve", True),
    (who("system", department="market"), "cancel", False),
    (who("system"), "dispatch", True),  # a platform integration relays every party
    (who("duty", "licheng", "district"), "dispatch", True),
    (who("duty", "licheng", "district"), "cancel", True),
    (who("duty", "xianyou", "district"), "dispatch", False),  # outside its jurisdiction
    (who("admin"), "close", True),
    (who("viewer"), "close", False),
    (who("leader"), "dispatch", False),
    (who("wall"), "accept", False),
])
def test_who_may_take_which_step(principal, action, allowed):
    if allowed:
        check_actor(principal, action, GRID, "market")
    else:
        with pytest.raises(StepRefused) as err:
            check_actor(principal, action, GRID, "market")
        # Outside the jurisdiction the incident does not exist for the caller (issue 14, item 9).
        outside = not principal.covers_codes(GRID)
        assert err.value.status == (404 if outside else 403)
        assert isinstance(err.value, NotVisible) == outside


def test_plan_checks_role_then_state_then_department():
    with pytest.raises(StepRefused) as err:
        plan(who("viewer"), "close", "reported", GRID, None)
    assert err.value.status == 403
    with pytest.raises(StepRefused) as err:
        plan(who("liaison", department="citymgmt"), "accept", "reported", GRID, None)
    assert err.value.status == 409
    with pytest.raises(StepRefused) as err:
        plan(who("liaison", department="citymgmt"), "accept", "dispatched", GRID, "market")
    assert (err.value.status, err.value.field) == (403, "department")
    step = plan(who("duty"), "dispatch", "reported", GRID, None)
    assert (step.from_state, step.to_state) == ("reported", "dispatched")
