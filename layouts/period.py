"""The period selector: choices, their URL form, and the Period each one stands for.

Relative choices (`today`, `7d`, `30d`, `year`) stay relative in the URL (`?period=7d`) so a wall
left open for days keeps rolling; a chosen year or a custom range is written as the contract's
`?from=YYYY-MM-DD&to=YYYY-MM-DD`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dashboard.core.i18n import t
from dashboard.core.timeutil import FIRST_DATE, Period, PeriodError, local_today, parse_period

RELATIVE = ("today", "7d", "30d", "year")
FIRST_YEAR = 2018


def resolve_period(query: dict[str, Any], now: datetime | None = None) -> tuple[Period, str]:
    """The Period of a view's query and the selector choice it corresponds to."""
    today = local_today(now)
    choice = query.get("period")
    if choice in RELATIVE and not query.get("from"):
        if choice == "today":
            return Period(today, today), choice
        if choice == "year":
            return Period(date(today.year, 1, 1), today), choice
        days = 7 if choice == "7d" else 30
        return Period(today - timedelta(days=days - 1), today), choice
    is_year = isinstance(choice, str) and choice.isascii() and choice.isdigit() and len(choice) == 4
    if choice and choice not in RELATIVE and not is_year:
        raise PeriodError("period", "period.err.choice", choices=", ".join(RELATIVE), value=repr(choice))
    if is_year and not query.get("from"):
        year = int(choice)
        if not FIRST_DATE.year <= year <= today.year:
            raise PeriodError("period", "period.err.range", first=FIRST_DATE.year, last=today.year,
                              value=repr(choice))
        return Period(date(year, 1, 1), min(date(year, 12, 31), today)), str(year)
    period = parse_period(query, now)
    if period.start == period.end == today and not query.get("from"):
        return period, "today"
    if period.start == date(period.start.year, 1, 1) and period.end == date(period.start.year, 12, 31):
        return period, str(period.start.year)
    return period, "custom"


def period_query(choice: str, start: str | None = None, end: str | None = None) -> dict[str, str]:
    """The URL query for a selector choice (custom uses the picked range)."""
    if choice in RELATIVE:
        return {} if choice == "today" else {"period": choice}
    if choice.isdigit():
        return {"from": f"{choice}-01-01", "to": f"{choice}-12-31"}
    if choice == "custom" and start:
        return {"from": start[:10], "to": (end or start)[:10]}
    return {}


def period_options(lang: str, now: datetime | None = None) -> list[dict[str, str]]:
    """Selector entries: the relative periods, each year since 2018, a custom range."""
    this_year = local_today(now).year
    options = [{"label": t(f"period.{c}", lang), "value": c} for c in RELATIVE]
    options += [{"label": t("period.year_n", lang, year=y), "value": str(y)}
                for y in range(this_year - 1, FIRST_YEAR - 1, -1)]
    options.append({"label": t("period.custom", lang), "value": "custom"})
    return options


def is_live(period: Period, now: datetime | None = None) -> bool:
    """Whether live events can change the period's figures (it includes today)."""
    return period.start <= local_today(now) <= period.end


def trend_bucket(period: Period) -> str:
    """Hours for a day or two, days up to two months, months beyond."""
    if period.days <= 2:
        return "hour"
    if period.days <= 62:
        return "day"
    return "month"
