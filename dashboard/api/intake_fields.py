"""The intake API's refusals: a request body validated through its model
(dashboard.contract.payloads), each failure a 422 naming the field (``positions[3].lat``) and the
reason."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from dashboard.api import ApiError
from dashboard.contract.payloads import NOT_BLANK

M = TypeVar("M", bound=BaseModel)
# pydantic's own refusals of a single value, whose reason is clearer with the value refused
SHOW_INPUT = {"less_than_equal", "greater_than_equal", "literal_error", "float_type", "int_type",
              "string_type", "finite_number", "string_pattern_mismatch"}


def refuse(field: str, message: str, status: int = 422) -> ApiError:
    """A validation error for one field."""
    return ApiError(status, message, field)


def parse(model: type[M], body: dict, now: datetime) -> M:
    """The body as the model, or a 422 for its first problem (an unknown field first of all: a
    typo would otherwise be reported as the missing field it was meant to be)."""
    try:
        return model.model_validate(body, context={"now": now})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise refusal(first) from None


def field_path(loc: tuple) -> str:
    """pydantic's location as the API names a field: ("positions", 3, "lat") -> positions[3].lat."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def refusal(error: dict) -> ApiError:
    """One pydantic error as the API's 422."""
    field, kind = field_path(error["loc"]), error["type"]
    if kind == "missing":
        return refuse(field, f"{field} is required")
    if kind == "extra_forbidden":
        return refuse(field, f"unknown field {error['loc'][-1]!r}")
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NOT_BLANK:
        return refuse(field, f"{field} must not be empty")
    if kind == "model_type":
        return refuse(field, f"{field} must be a JSON object")
    reason = error["msg"]
    if kind in SHOW_INPUT:
        reason += f", got {repr(error['input'])[:80]}"
    return refuse(field, f"{field}: {reason[0].lower()}{reason[1:]}")


def stamp(value: datetime) -> str:
    """The wire form of a time: UTC, milliseconds, so string order is time order."""
    return value.isoformat(timespec="milliseconds")
