"""Time: UTC inside, Asia/Shanghai for people; periods are inclusive local-date ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class PeriodError(ValueError):
    """A bad period parameter: the offending field and the message as a key with parameters
    (`message.text(lang)` for a screen; str() is the API's English)."""

    def __init__(self, field: str, key: str, **params: Any) -> None:
        from dashboard.core.i18n import Message  # i18n reads LOCAL_TZ from this module

        self.field = field
        self.message = Message(key, {"field": Message(f"field.{field}"), **params})
        super().__init__(self.message.text("en"))


@dataclass(frozen=True)
class Period:
    """Inclusive local dates and the half-open UTC range they cover."""

    start: date
    end: date

    @property
    def utc_start(self) -> datetime:
        """First instant of the period, UTC."""
        return datetime.combine(self.start, time(), LOCAL_TZ).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        """First instant after the period, UTC."""
        return datetime.combine(self.end + timedelta(days=1), time(), LOCAL_TZ).astimezone(UTC)

    @property
    def days(self) -> int:
        """Number of local days covered."""
        return (self.end - self.start).days + 1


def utcnow() -> datetime:
    """The current time, UTC, aware."""
    return datetime.now(UTC)


def local_today(now: datetime | None = None) -> date:
    """Today's local date in Asia/Shanghai."""
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def parse_date(field: str, value: str) -> date:
    """A YYYY-MM-DD string as a date, or PeriodError naming the field."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise PeriodError(field, "period.err.format", value=repr(value))
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise PeriodError(field, "period.err.not_real", value=repr(value)) from exc
    # Far dates overflow the UTC conversion (0001-01-01 local is year 0 in UTC); none is useful.
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise PeriodError(field, "period.err.range", first=FIRST_DATE, last=LAST_DATE, value=repr(value))
    return parsed


def parse_period(args, now: datetime | None = None) -> Period:
    """Period from a mapping with optional 'from'/'to'; none means today (local)."""
    raw_from, raw_to = args.get("from"), args.get("to")
    today = local_today(now)
    start = parse_date("from", raw_from) if raw_from else None
    end = parse_date("to", raw_to) if raw_to else None
    if start is None and end is None:
        return Period(today, today)
    start = start or end
    end = end or (today if start <= today else start)
    if end < start:
        raise PeriodError("to", "period.err.order", end=end, start=start)
    if (end - start).days > 366 * 20:
        raise PeriodError("to", "period.err.too_long")
    return Period(start, end)


def parse_timestamp(field: str, value) -> datetime:
    """An ISO 8601 timestamp with a zone (or Z) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise PeriodError(field, "time.err.type")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PeriodError(field, "time.err.format", value=repr(value)) from exc
    if parsed.tzinfo is None:
        raise PeriodError(field, "time.err.zone", value=repr(value))
    return parsed.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of an aware datetime (None stays None)."""
    return value.isoformat() if value else None
