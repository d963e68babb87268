"""Who is looking, and what they may see: every callback opens its unit through `open_view`.

`current_principal()` is the one place a Dash callback learns its caller: the logged-in session
(`dashboard.api.current_principal`, which reads what `dashboard.auth.login` installs). Nobody logged in
means nothing shown: `open_view` refuses, and the callbacks that do not open a view answer empty.
The gate (dashboard.auth.gate) answers 401 before a callback runs without a session; this is the
same rule again where the data is read. Jurisdiction is enforced here, on the server, for every view.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from dashboard.api import current_principal as api_principal
from dashboard.core.models import Unit
from dashboard.core.principal import Principal
from dashboard.core.services import Services
from dashboard.core.timeutil import Period, PeriodError
from dashboard.core.units import root_code
from layouts.period import resolve_period


def services() -> Services:
    """The Services of the Flask app serving this callback."""
    return current_app.extensions["dashboard"]


def current_principal() -> Principal | None:
    """The caller of this callback, or None when nobody is logged in (and then nothing is shown)."""
    return api_principal()


@contextmanager
def session() -> Iterator[Session]:
    """A read session on the system of record, closed afterwards."""
    with services().Session() as s:
        yield s


@dataclass
class ViewScope:
    """A view's unit (inside the caller's jurisdiction), its period, line and query."""

    unit: Unit
    period: Period
    choice: str
    line: str | None
    query: dict[str, Any]


class ViewRefused(Exception):
    """The view cannot be shown; `key` names the message for the user."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def open_view(s: Session, view: dict[str, Any] | None, now: datetime | None = None) -> ViewScope:
    """Resolve a view store into its scope, refusing unknown units and foreign jurisdictions."""
    view = view or {}
    code = view.get("code") or root_code(s)
    principal = current_principal()
    if principal is None:
        raise ViewRefused("forbidden")
    unit = s.get(Unit, code)
    if unit is None:
        raise ViewRefused("not_found", code=code)
    if not principal.covers(unit):
        raise ViewRefused("forbidden")
    query = dict(view.get("query") or {})
    try:
        period, choice = resolve_period(query, now)
    except PeriodError as exc:
        raise ViewRefused("bad_period", field=exc.field, reason=exc.message) from exc
    return ViewScope(unit=unit, period=period, choice=choice, line=query.get("line") or None, query=query)
