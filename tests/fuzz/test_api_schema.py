"""schemathesis against docs/openapi.yaml, in-process through the whole web application: every
endpoint gets generated valid and invalid input (malformed, out-of-range, wrong types, unknown
fields) from callers of several roles. Nothing may answer 5xx, every refusal is a 4xx JSON
`{"error": str, "field": str|null}`, and every answer conforms to the OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import EXAMPLES, ROLES, fuzz_settings, tally

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(str(OPENAPI))
OPERATIONS = {op.definition.raw["operationId"]: op for op in (r.ok() for r in SCHEMA.get_all_operations())}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

pytestmark = pytest.mark.fuzz


def refusal_problem(response) -> str | None:
    """What is wrong with a 4xx answer's body, or None when it is {"error": str, "field": str|null}."""
    try:  # schemathesis' responses and Flask's test responses both carry .text
        body = json.loads(response.text)
    except ValueError:
        return f"not JSON: {response.text[:200]!r}"
    if not isinstance(body, dict) or set(body) != {"error", "field"}:
        return f"keys are not error and field: {body!r}"[:300]
    if not isinstance(body["error"], str) or not body["error"].strip():
        return f"error is not a message: {body!r}"[:300]
    if body["field"] is not None and not isinstance(body["field"], str):
        return f"field is neither a name nor null: {body!r}"[:300]
    return None


def _strategies(op, world) -> list:
    """Generated cases in both modes, plus cases aimed at a real incident or alert."""
    # The caller is chosen apart (a real token of some role, or none): the generated cases carry
    # a placeholder so schemathesis neither generates nor negates the Authorization header.
    auth = {"Authorization": "Bearer placeholder"}
    out = [op.as_strategy(generation_mode=mode, headers=auth) for mode in GenerationMode]
    known = {"/incidents/{id}": world.incidents, "/incidents/{id}/transitions": world.incidents,
             "/alerts/{id}/{action}": world.alerts}.get(op.path)
    for value in known or ():
        out += [op.as_strategy(generation_mode=mode, headers=auth, path_parameters={"id": value})
                for mode in GenerationMode]
    return out


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_no_endpoint_crashes_and_every_refusal_is_clear(fuzz_world, operation):
    op = OPERATIONS[operation]
    callers = st.sampled_from([None, *ROLES])

    @fuzz_settings(EXAMPLES * 2)
    @given(case=st.one_of(_strategies(op, fuzz_world)), who=callers)
    def send(case, who):
        (case.headers or {}).pop("Authorization", None)
        headers = fuzz_world.tokens[who] if who else {}
        response = case.call(app=fuzz_world.app, headers=headers)
        tally(f"api {op.label}")
        assert response.status_code < 500, (response.status_code, response.text[:500])
        if 400 <= response.status_code < 500:
            problem = refusal_problem(response)
            assert problem is None, (response.status_code, problem)
        checks = list(CHECKS)
        # Invalid input must be refused; a query parameter the operation does not define is
        # ignored by design (see the description in docs/openapi.yaml), so it proves nothing.
        declared = {p.name for p in op.query}
        if case.meta and case.meta.generation.mode == GenerationMode.NEGATIVE \
                and set(case.query or {}) <= declared:
            checks.append(negative_data_rejection)
        case.validate_response(response, checks=checks, headers=headers,
                               transport_kwargs={"app": fuzz_world.app})

    send()
