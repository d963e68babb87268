"""The one order of the duty queue: most severe first, then the highest escalation level, then the
oldest (longest waiting) first, then by id so equal alerts keep a stable place.

``ORDER`` is the fact; the API's list and the desk's query sort by ``sql_order``, the desk's grid
sorts its rows (including those a live event inserts) by hidden columns built from ``ORDER``
(layouts/duty.py), and ``row_key`` sorts plain payloads the same way in Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case

from dashboard.core.models import Alert
from dashboard.core.units import LADDER

# (row field, direction): the fields every alert row carries (dashboard.actions.alerting.payload + rank).
ORDER: tuple[tuple[str, str], ...] = (("severity", "desc"), ("level_rank", "desc"),
                                      ("first_at", "asc"), ("id", "asc"))


def level_rank(level: str | None) -> int:
    """How high an escalation level is on the ladder (grid 0 … city 4)."""
    return LADDER.index(level) if level in LADDER else 0


def sql_order() -> list[Any]:
    """ORDER as SQL ORDER BY clauses on the alerts table."""
    rank = case({lv: n for n, lv in enumerate(LADDER)}, value=Alert.level, else_=0)
    columns = {"severity": Alert.severity, "level_rank": rank, "first_at": Alert.first_at, "id": Alert.id}
    return [columns[f].desc() if d == "desc" else columns[f].asc() for f, d in ORDER]


def row_key(row: dict[str, Any]) -> tuple:
    """ORDER as a Python sort key for alert payloads or desk rows."""
    values = {**row, "level_rank": level_rank(row.get("level"))}
    key = []
    for field, direction in ORDER:
        value = values[field]
        if direction == "desc":
            value = -value if isinstance(value, int) else tuple(-ord(c) for c in value)
        key.append(value)
    return tuple(key)
