"""Field checks for the intake API: each failure is a 422 naming the field and the reason."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from dashboard.api import ApiError
from dashboard.core.timeutil import PeriodError, parse_timestamp

MAX_FUTURE = timedelta(minutes=5)  # phone clocks drift; further ahead is a broken clock
MAX_PAST = timedelta(days=30)  # late reports from phones that were offline
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def refuse(field: str, message: str, status: int = 422) -> ApiError:
    """A validation error for one field."""
    return ApiError(status, message, field)


def unknown_fields(body: dict, allowed: set[str], prefix: str = "") -> None:
    """Refuse fields the API does not define (a typo would otherwise be silently dropped)."""
    for name in body:
        if name not in allowed:
            raise refuse(prefix + str(name), f"unknown field {name!r}")


def text(body: dict, name: str, *, required: bool = False, max_len: int = 2000,
         pattern: re.Pattern | None = None, prefix: str = "") -> str | None:
    """An optional (or required) string field."""
    value = body.get(name)
    if value is None:
        if required:
            raise refuse(prefix + name, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise refuse(prefix + name, f"{name} must be a string")
    if required and not value.strip():
        raise refuse(prefix + name, f"{name} must not be empty")
    if len(value) > max_len:
        raise refuse(prefix + name, f"{name} is longer than {max_len} characters")
    if pattern is not None and not pattern.match(value):
        raise refuse(prefix + name, f"{name} has an invalid format: {value!r}")
    return value


def number(body: dict, name: str, lo: float, hi: float, prefix: str = "") -> float:
    """A required finite number within [lo, hi]."""
    value = body.get(name)
    if value is None:
        raise refuse(prefix + name, f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise refuse(prefix + name, f"{name} must be a number")
    if not lo <= value <= hi:
        raise refuse(prefix + name, f"{name} must be between {lo} and {hi}, got {value}")
    return float(value)


def integer(body: dict, name: str, lo: int, hi: int, default: int | None = None,
            prefix: str = "") -> int:
    """An integer within [lo, hi] (the default when absent, if one is given)."""
    value = body.get(name)
    if value is None and default is not None:
        return default
    if value is None:
        raise refuse(prefix + name, f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(prefix + name, f"{name} must be an integer")
    if not lo <= value <= hi:
        raise refuse(prefix + name, f"{name} must be between {lo} and {hi}, got {value}")
    return value


def choice(body: dict, name: str, options, prefix: str = "") -> str:
    """A required string that is one of ``options``."""
    value = body.get(name)
    if value is None:
        raise refuse(prefix + name, f"{name} is required")
    if not isinstance(value, str) or value not in options:
        raise refuse(prefix + name, f"{name} must be one of {', '.join(options)}, got {value!r}")
    return value


def when(body: dict, name: str, now: datetime, *, required: bool = True,
         not_before: datetime | None = None, prefix: str = "") -> datetime | None:
    """An ISO 8601 time with a zone, not in the future (beyond clock drift) nor too old."""
    value = body.get(name)
    if value is None:
        if required:
            raise refuse(prefix + name, f"{name} is required")
        return None
    try:
        parsed = parse_timestamp(prefix + name, value)
    except PeriodError as exc:
        raise refuse(prefix + name, str(exc)) from exc
    if parsed > now + MAX_FUTURE:
        raise refuse(prefix + name, f"{name} is in the future: {value}")
    earliest = not_before or now - MAX_PAST
    if parsed < earliest:
        raise refuse(prefix + name, f"{name} is before {earliest.isoformat()}: {value}")
    return parsed


def stamp(value: datetime) -> str:
    """The wire form of a time: UTC, milliseconds, so string order is time order."""
    return value.isoformat(timespec="milliseconds")
