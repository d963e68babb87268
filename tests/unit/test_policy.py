"""The role policy table: it covers every role and every capability the code checks, and the
incident loop takes each step exactly as the table says."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.core import policy
from dashboard.core.lifecycle import ACTIONS, STEP_CAPABILITIES, StepRefused, check_actor
from dashboard.core.models import ROLES
from dashboard.core.principal import Principal

ROOT = Path(__file__).resolve().parents[2]
GRID = ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
        "licheng-zhenhai-changshou-g01"]
# Calls whose string arguments name capabilities.
ASKERS = {"may", "roles_with", "require", "desk_principal"}


def checked_in_code() -> dict[str, list[str]]:
    """{capability: [where]} for every string literal the product passes to the policy."""
    found: dict[str, list[str]] = {}
    for folder in ("dashboard", "callbacks", "feeds", "layouts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "policy.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in ASKERS:
                    continue
                for arg in node.args:
                    for const in ast.walk(arg):
                        if isinstance(const, ast.Constant) and isinstance(const.value, str):
                            where = f"{path.relative_to(ROOT)}:{node.lineno}"
                            found.setdefault(const.value, []).append(where)
    for capability in STEP_CAPABILITIES.values():  # the loop's steps, asked by action name
        found.setdefault(capability, []).append("dashboard/core/lifecycle.py STEP_CAPABILITIES")
    return found


def test_the_table_has_a_row_for_every_role_and_no_other():
    assert set(policy.POLICY) == set(ROLES)


def test_every_capability_the_code_checks_is_in_the_table():
    unknown = {c: where for c, where in checked_in_code().items() if c not in policy.CAPABILITIES}
    assert not unknown, f"capabilities checked in the code but missing from dashboard.core.policy: {unknown}"


def test_every_capability_in_the_table_is_checked_somewhere_and_held_by_someone():
    checked = checked_in_code()
    assert sorted(set(policy.CAPABILITIES) - set(checked)) == []
    assert sorted(c for c in policy.CAPABILITIES if not policy.roles_with(c)) == []
    held = set().union(*policy.POLICY.values())
    assert held <= set(policy.CAPABILITIES)


def test_may_and_roles_with_agree():
    for capability in policy.CAPABILITIES:
        assert policy.roles_with(capability) == {r for r in ROLES if policy.may(r, capability)}


def test_an_unknown_role_holds_nothing_and_an_unknown_capability_is_an_error():
    assert not policy.may("intruder", "views") and not policy.may(None, "views")
    with pytest.raises(KeyError):
        policy.may("admin", "alerts.acknowledge")


def test_each_step_has_a_capability():
    assert set(STEP_CAPABILITIES) == {"report", *ACTIONS}


def _step_allowed(principal: Principal, action: str) -> bool:
    try:
        check_actor(principal, action, GRID, "market")
    except StepRefused:
        return False
    return True


PRINCIPALS = [(role, "market") for role in ROLES] + [("system", None)]


@pytest.mark.parametrize(("role", "department"), PRINCIPALS, ids=[f"{r}/{d}" for r, d in PRINCIPALS])
def test_the_loop_takes_steps_as_the_table_says(role, department):
    """Every role at the city, of the incident's own department where it has one; a system token
    without a department relays every party's steps."""
    principal = Principal(name=role, role=role, unit_code="putian", department_code=department)
    relay = policy.may(role, "incidents.relay") and department is None
    for action, capability in STEP_CAPABILITIES.items():
        expected = relay or policy.may(role, capability)
        assert _step_allowed(principal, action) is expected, (role, department, action)
