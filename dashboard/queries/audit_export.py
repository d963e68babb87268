"""The audit log as a CSV file that is safe to open in a spreadsheet.

- Every cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
  single quote (OWASP's CSV-injection rule), so a log-in name like ``=HYPERLINK(...)`` is text.
- The file starts with a UTF-8 byte-order mark, so Excel reads Chinese as UTF-8.
- Times are local (Asia/Shanghai) with their offset, and the column header names the zone.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dashboard.core.audit import canonical
from dashboard.core.models import AuditEntry, Unit
from dashboard.core.timeutil import LOCAL_TZ
from dashboard.core.units import root_code

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("id", f"at ({LOCAL_TZ.key})", "actor", "action", "target", "unit_code", "detail",
               "source_ip", "prev_hash", "hash")


def safe_cell(value: object) -> str:
    """The cell's text, neutralised if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_time(value: datetime) -> str:
    """A stored (UTC) time as local time with its offset: 2026-03-01 10:00:00+08:00."""
    return value.astimezone(LOCAL_TZ).isoformat(sep=" ", timespec="seconds")


def in_subtree(unit_code: str):
    """SQL condition: the entry's unit is this unit or lies under it."""
    codes = select(Unit.code).where(or_(Unit.code == unit_code, Unit.district_code == unit_code,
                                        Unit.town_code == unit_code, Unit.village_code == unit_code))
    return AuditEntry.unit_code.in_(codes)


def entries_query(unit_code: str | None, start: datetime, end: datetime, root: str):
    """Entries of a unit's subtree (all of them for the root) in [start, end)."""
    query = select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < end)
    if unit_code and unit_code != root:
        query = query.where(in_subtree(unit_code))
    return query


def export_csv(session: Session, out: TextIO, unit_code: str | None, start: datetime,
               end: datetime) -> int:
    """Write the entries of a unit's subtree (all for the city) in [start, end) as CSV; returns rows."""
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    query = entries_query(unit_code, start, end, root_code(session)).order_by(AuditEntry.id)
    for row in session.execute(query).scalars():
        writer.writerow([safe_cell(v) for v in (
            row.id, local_time(row.at), row.actor, row.action, row.target, row.unit_code,
            canonical(row.detail), row.source_ip, row.prev_hash, row.hash)])
        count += 1
    return count
