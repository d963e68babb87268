"""The intake API's request bodies as pydantic models: one home for every field rule (type, range,
length, pattern, required or optional, no unknown fields). The API validates through them and
docs/openapi.yaml's request schemas are tested equal to their JSON schema
(tests/unit/test_contract_payloads.py).

Times carry a zone and may lie at most MAX_FUTURE ahead of now (phone clocks drift) and, for
reports, at most MAX_PAST behind it. "Now" is passed in the validation context
(``Model.model_validate(body, context={"now": now})``); a step's time must also not precede the
incident's previous step, which only the sequencer knows, so the API checks that after the model
(``not_before``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from dashboard.core.i18n import t
from dashboard.core.lifecycle import ACTIONS
from dashboard.core.models import SOURCES
from dashboard.core.timeutil import PeriodError, parse_timestamp, utcnow

MAX_FUTURE = timedelta(minutes=5)  # phone clocks drift; further ahead is a broken clock
MAX_PAST = timedelta(days=30)  # late reports from phones that were offline
MAX_BATCH = 5000  # positions per request
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"  # client-made ids and idempotency keys
NOT_BLANK = r"\S"  # a required name must hold more than white space
SENSOR_MAX = 100_000  # accuracy, speed, heading, battery: non-negative, sane


def _now(info: ValidationInfo) -> datetime:
    return (info.context or {}).get("now") or utcnow()


def _parse_time(value) -> datetime:
    """An ISO 8601 string with a zone offset, as an aware UTC datetime."""
    try:
        return parse_timestamp("time", value)
    except PeriodError as exc:
        reason = t(exc.message.key, "en", **{**exc.message.params, "field": "time"})
        raise PydanticCustomError("time_format", reason) from exc


def _not_ahead(value: datetime, info: ValidationInfo) -> datetime:
    if value > _now(info) + MAX_FUTURE:
        raise PydanticCustomError("time_future", "is in the future: {value}", {"value": value.isoformat()})
    return value


def _recent(value: datetime, info: ValidationInfo) -> datetime:
    earliest = _now(info) - MAX_PAST
    if value < earliest:
        raise PydanticCustomError("time_past", "is before {earliest}: {value}",
                                  {"earliest": earliest.isoformat(), "value": value.isoformat()})
    return value


_TIME_SCHEMA = WithJsonSchema({"type": "string", "format": "date-time"})
# A time when something happened: not in the future (beyond clock drift).
StepTime = Annotated[datetime, PlainValidator(_parse_time), _TIME_SCHEMA, AfterValidator(_not_ahead)]
# A reported time: neither in the future nor older than MAX_PAST.
ReportTime = Annotated[StepTime, AfterValidator(_recent)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Sensor = Annotated[float | None, Field(ge=0, le=SENSOR_MAX)]
StaffId = Annotated[str, Field(max_length=32)]
GridCode = Annotated[str, Field(max_length=64)]
Text = Annotated[str, Field(max_length=4000)]
Id = Annotated[str, Field(max_length=64, pattern=ID_PATTERN)]


class Payload(BaseModel):
    """Strict JSON types (no "2" for 2, no true for 1), finite numbers, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class Position(Payload):
    """One patrol position (a known staff id; the grid is found from the point when omitted)."""

    staff: Annotated[StaffId, Field(pattern=NOT_BLANK)]
    ts: ReportTime
    lat: Lat
    lon: Lon
    grid: GridCode | None = None
    accuracy: Sensor = None
    speed: Sensor = None
    heading: Sensor = None
    battery: Sensor = None


class PositionBatch(Payload):
    """POST /api/v1/positions: accepted whole or refused whole."""

    positions: Annotated[list[Position], Field(min_length=1, max_length=MAX_BATCH)]


class NewIncident(Payload):
    """POST /api/v1/incidents (severity: the business item's default when omitted)."""

    id: Id
    reported_at: ReportTime
    lat: Lat
    lon: Lon
    grid: GridCode | None = None
    business_item: Annotated[str, Field(max_length=32, pattern=NOT_BLANK)]
    source: Literal[SOURCES]
    severity: Annotated[int | None, Field(ge=1, le=4)] = None
    description: Text | None = None
    reporter: StaffId | None = None


class Transition(Payload):
    """POST /api/v1/incidents/{id}/transitions: one step of the loop."""

    action: Literal[ACTIONS]
    department: Annotated[str | None, Field(max_length=32, validate_default=True)] = None
    note: Annotated[Text | None, Field(validate_default=True)] = None
    key: Id | None = None
    at: StepTime | None = None

    @field_validator("department")
    @classmethod
    def _dispatch_names_a_department(cls, value, info: ValidationInfo):
        if value is None and info.data.get("action") == "dispatch":
            raise PydanticCustomError("dispatch_department",
                                      "dispatch needs the department to send the incident to")
        return value

    @field_validator("note")
    @classmethod
    def _cancel_gives_a_reason(cls, value, info: ValidationInfo):
        if info.data.get("action") == "cancel" and not (value or "").strip():
            raise PydanticCustomError("cancel_reason", "cancel needs a reason in note")
        return value


def id_ok(value: str) -> bool:
    """Whether a path's incident id could be one (the same rule as a body's id)."""
    return re.fullmatch(ID_PATTERN, value) is not None
