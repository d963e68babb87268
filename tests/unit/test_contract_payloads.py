"""The intake contract: the pydantic models of dashboard/contract/payloads.py and the request
bodies docs/openapi.yaml describes are one contract.

Tested equal rather than generated: docs/openapi.yaml is written for people (descriptions, flow
style, the order a reader wants) and schemathesis fuzzes the API from it, so it stays a
hand-kept file; this test makes the models the authority for every rule a client or the fuzzer
acts on (field names, JSON types with null where the API takes it, required, enums,
minimum/maximum, maxLength, pattern, format, array bounds, unknown fields refused) and fails,
naming the schema and the field, the moment the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dashboard.api.intake_fields import field_path
from dashboard.contract import payloads

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
MODELS = {"PositionBatch": payloads.PositionBatch, "Position": payloads.Position,
          "NewIncident": payloads.NewIncident, "Transition": payloads.Transition}
RULES = ("enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "minItems",
         "maxItems")


def _rules(prop: dict, defs: dict) -> dict:
    """What a client must obey about one property, in a form both sources reduce to."""
    if "$ref" in prop:
        return {"ref": prop["$ref"].rsplit("/", 1)[-1]}
    types: set[str] = set()
    inner = prop
    for option in prop.get("anyOf", [prop]):  # pydantic's X | None is anyOf [X, null]
        kind = option.get("type")
        types |= set(kind) if isinstance(kind, list) else {kind} if kind else set()
        if option.get("type") != "null":
            inner = option
    out = {"type": types, **{k: inner[k] for k in RULES if k in inner}}
    if "items" in inner:
        out["items"] = _rules(inner["items"], defs)
    return out


def _object(schema: dict, defs: dict) -> dict:
    return {"required": set(schema.get("required", [])),
            "additionalProperties": schema.get("additionalProperties", True),
            "properties": {name: _rules(prop, defs) for name, prop in schema["properties"].items()}}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_openapi_request_bodies_equal_the_models(name):
    documented = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"][name]
    model = MODELS[name].model_json_schema()
    want, got = _object(model, model.get("$defs", {})), _object(documented, {})
    assert got["required"] == want["required"], name
    assert got["additionalProperties"] is want["additionalProperties"] is False, name
    assert sorted(got["properties"]) == sorted(want["properties"]), name
    for field, rules in want["properties"].items():
        assert got["properties"][field] == rules, f"{name}.{field}"


def test_the_api_names_a_field_as_a_client_wrote_it():
    assert field_path(("positions", 3, "lat")) == "positions[3].lat"
    assert field_path(("positions", 1)) == "positions[1]"
    assert field_path(("severity",)) == "severity"


NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


def _report(**changes) -> dict:
    body = {"id": "r-1", "reported_at": "2026-06-01T15:59:00+08:00", "lat": 25.4, "lon": 119.0,
            "business_item": "A01", "source": "patrol"}
    return {**body, **changes}


@pytest.mark.parametrize(("changes", "field"), [
    ({"lat": "25.4"}, "lat"),  # strict: a string is not a number
    ({"severity": True}, "severity"),  # nor is true an integer
    ({"lon": float("inf")}, "lon"),
    ({"reported_at": "2026-06-01T08:00:00"}, "reported_at"),  # no zone
    ({"reported_at": (NOW + payloads.MAX_FUTURE + timedelta(seconds=1)).isoformat()}, "reported_at"),
    ({"reported_at": (NOW - payloads.MAX_PAST - timedelta(seconds=1)).isoformat()}, "reported_at"),
    ({"business_item": "  "}, "business_item"),
    ({"id": "ok\n"}, "id"),
])
def test_a_report_breaking_one_rule_is_refused_at_that_field(changes, field):
    with pytest.raises(ValidationError) as refused:
        payloads.NewIncident.model_validate(_report(**changes), context={"now": NOW})
    assert [field_path(e["loc"]) for e in refused.value.errors()] == [field]


def test_a_valid_report_reads_its_time_in_utc():
    report = payloads.NewIncident.model_validate(_report(), context={"now": NOW})
    assert report.reported_at == datetime(2026, 6, 1, 7, 59, tzinfo=UTC)
    assert report.severity is None  # the business item's default is the API's to fill
