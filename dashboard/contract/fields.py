"""What the persist group stores: every field of a stream payload that reaches a table column must
have the column's type, length and range (docs/contracts.md gives the payloads). The API only
writes such payloads, but anything can XADD to a stream: a wrong field is a MalformedEntry, i.e. a
dead letter with a reason, never a row SQLite would take and PostgreSQL refuse.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, SmallInteger, String, Table

from dashboard.contract.schema import T_POSITIONS, T_REPORTED, T_TRANSITION, MalformedEntry
from dashboard.core.models import SOURCES, STATES, Incident, IncidentEvent, Position

ACTIONS = ("dispatch", "accept", "resolve", "close", "reopen", "cancel")
SMALLINT = 32_767
# Payload field -> (table, column) for fields stored under another name.
TRANSITION_COLUMNS = {"incident": "incident_id", "action": "action", "from": "from_state",
                      "to": "to_state", "at": "at", "actor": "actor",
                      "department": "department_code", "note": "note", "key": "event_key"}
POSITION_COLUMNS = {"staff": "staff_id", "ts": "ts", "lat": "lat", "lon": "lon", "grid": "grid_code"}
RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "severity": (1, 4),
          "reopen_count": (0, SMALLINT), "bounce_count": (0, SMALLINT)}
FILLED = {"note"}  # the persister stores a missing note as ""
CHOICES = {"source": SOURCES, "state": STATES, "from": STATES, "to": STATES, "action": ACTIONS}


def _wrong(where: str, name: str, why: str) -> MalformedEntry:
    return MalformedEntry(f"{where}: {name} {why}")


def check_value(where: str, name: str, value, table: Table, column: str, key: str | None = None) -> None:
    """Refuse a value the column would not hold as the contract means it (``key``: the field's
    name for its range or choices, when ``name`` is a path like positions[3].lat)."""
    col, key = table.c[column], key or name
    if value is None:
        if not col.nullable and key not in FILLED:
            raise _wrong(where, name, "is missing")
        return
    kind = col.type
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            raise _wrong(where, name, "must be an ISO 8601 time string")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _wrong(where, name, f"is not an ISO 8601 time: {value[:40]!r}") from exc
        if parsed.tzinfo is None:
            raise _wrong(where, name, "has no time zone offset")
    elif isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise _wrong(where, name, "must be true or false")
    elif isinstance(kind, Integer):  # SmallInteger and BigInteger too
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(where, name, "must be an integer")
        limit = SMALLINT if isinstance(kind, SmallInteger) else 2**63 - 1
        if abs(value) > limit:
            raise _wrong(where, name, "is out of range")
    elif isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _wrong(where, name, "must be a finite number")
    elif isinstance(kind, String):  # Text too
        if not isinstance(value, str):
            raise _wrong(where, name, "must be a string")
        if kind.length is not None and len(value) > kind.length:
            raise _wrong(where, name, f"is longer than {kind.length} characters")
        if "\x00" in value:  # PostgreSQL text cannot hold it; SQLite would
            raise _wrong(where, name, "contains a NUL character")
    if key in RANGES and not RANGES[key][0] <= value <= RANGES[key][1]:
        raise _wrong(where, name, f"must be between {RANGES[key][0]} and {RANGES[key][1]}")
    if key in CHOICES and value not in CHOICES[key]:
        raise _wrong(where, name, f"must be one of {', '.join(CHOICES[key])}")


def check_report(data: dict) -> None:
    """An incident.reported payload: every Incident column it carries."""
    table = Incident.__table__
    for column in table.c:
        if column.name != "stream_id":
            check_value("incident.reported", column.name, data.get(column.name), table, column.name)


def check_transition(data: dict) -> None:
    """An incident.transition payload: the IncidentEvent columns, and a positive version."""
    table = IncidentEvent.__table__
    for name, column in TRANSITION_COLUMNS.items():
        check_value("incident.transition", name, data.get(name), table, column)
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _wrong("incident.transition", "version", "must be a positive integer")


def check_positions(data: dict) -> None:
    """A positions payload: a list of positions, each with the Position columns."""
    positions = data.get("positions")
    if not isinstance(positions, list):
        raise _wrong("positions", "positions", "must be a list")
    table = Position.__table__
    for i, position in enumerate(positions):
        if _plain_position(position):
            continue
        # Something is wrong with this one: the field by field checks say what.
        if not isinstance(position, dict):
            raise _wrong("positions", f"positions[{i}]", "must be an object")
        for name, column in POSITION_COLUMNS.items():
            check_value("positions", f"positions[{i}].{name}", position.get(name), table, column, name)
        raise _wrong("positions", f"positions[{i}]", "is not a valid position")


_NUMBER = (int, float)


def _plain_position(p) -> bool:
    """The fast check of one position (batches hold up to 5,000): exact types, lengths, ranges."""
    try:
        staff, ts, lat, lon, grid = p["staff"], p["ts"], p["lat"], p["lon"], p.get("grid")
        return (type(staff) is str and len(staff) <= 32 and "\x00" not in staff and type(lat) in _NUMBER
                and -90 <= lat <= 90 and type(lon) in _NUMBER and -180 <= lon <= 180
                and (grid is None or (type(grid) is str and len(grid) <= 64 and "\x00" not in grid))
                and type(ts) is str and datetime.fromisoformat(ts).tzinfo is not None)
    except (TypeError, KeyError, ValueError, AttributeError):
        return False


BY_TYPE = {T_REPORTED: check_report, T_TRANSITION: check_transition, T_POSITIONS: check_positions}


def check(type_: str, data: dict) -> None:
    """Refuse (MalformedEntry) a payload of a persisted type whose stored fields are wrong."""
    checker = BY_TYPE.get(type_)
    if checker is not None:
        checker(data)
