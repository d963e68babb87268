"""Alerts shared by the supervise worker and the duty API: grouping, payloads, jurisdiction scope,
and the query of a caller's alerts (``alerts_in``).

A burst with one cause in one place is one alert: an occurrence with the same group key within the
grouping window raises the count (``alert.updated``) instead of a new alert. Every occurrence has a
key remembered on the alert, so a redelivered stream entry or a rerun scan changes nothing.
Duty actions (ack, assign, escalate, resolve) live in ``dashboard.actions.alert_actions``, performed
through ``dashboard.actions.alert_service.act``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.orm import Session, object_session

from dashboard.core import units
from dashboard.core.alert_titles import PARTS, derived_parts, titles
from dashboard.core.models import Alert, Unit
from dashboard.core.principal import Principal
from dashboard.core.units import PARENT_LEVEL, code_at, root_code, row_chain

GROUP_WINDOW = timedelta(minutes=30)
# Occurrence keys remembered per alert; a burst larger than this in one window is counted anyway.
MAX_KEYS = 500
MAX_CAUSES = 200
CRITICAL = 4  # alert severity 1 low .. 4 critical: what the wall's banner and the briefing show
ALERT_STATES = ("open", "acked", "snoozed", "resolved")
LIVE_STATES = ("open", "acked", "snoozed")
# What a desk works on: the queue (open) and the board (acked); a snoozed alert is off both lists
# until it returns.
QUEUE_STATES = ("open", "acked")
# Escalation climbs from the grid's own center up to the city.

Event = tuple[str, dict]  # (type, data) for feed:alerts, staged in the outbox (dashboard.actions.outbox)


@dataclass(frozen=True)
class Place:
    """Where an alert belongs: its unit and the grid chain it routes to."""

    unit_code: str
    district_code: str | None = None
    town_code: str | None = None
    village_code: str | None = None
    grid_code: str | None = None
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def of_city(cls, root: str) -> Place:
        """The whole city, the tree's root (feed-wide alerts)."""
        return cls(unit_code=root)


def wire_time(value: datetime | None) -> str | None:
    """A time as the feeds carry it: UTC ISO 8601 with milliseconds (string order is time order)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds") if value else None


def units_of(alert: Alert) -> list[str]:
    """Routing chain from the city down to the alert's grid (or as far as it is known)."""
    return row_chain(alert, root_code(object_session(alert)))


def payload(alert: Alert, **extra) -> dict:
    """The ``data`` of an alert.* entry (docs/contracts.md)."""
    detail = alert.detail or {}
    zh, en = titles(alert)
    data = {
        "id": alert.id, "kind": alert.kind, "group_key": alert.group_key, "unit": alert.unit_code,
        "severity": alert.severity, "title": zh, "title_en": en, "title_parts": derived_parts(alert),
        "count": alert.count, "state": alert.state, "first_at": wire_time(alert.first_at),
        "last_at": wire_time(alert.last_at), "level": alert.level, "incident": alert.incident_id,
        "supervision": alert.supervision_id, "staff": alert.staff_id,
        "lat": detail.get("lat"), "lon": detail.get("lon"), "assigned_to": alert.assigned_to,
        "ack_expires_at": wire_time(alert.ack_expires_at), "units": units_of(alert),
        "waiting_since": wire_time(alert.waiting_since or alert.first_at),
    }
    data.update(extra)
    return data


def _lock_group(session: Session, group_key: str) -> None:
    """Serialise raisers of one group (several supervise processes may see one burst)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(group_key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    else:
        # A write statement takes SQLite's database write lock before we read the group.
        session.execute(text("UPDATE alerts SET id = id WHERE 0 = 1"))


def _latest_of_group(session: Session, group_key: str) -> list[Alert]:
    return list(session.execute(select(Alert).where(Alert.group_key == group_key)
                                .order_by(Alert.id.desc()).limit(3)).scalars())


def raise_alert(session: Session, *, kind: str, group_key: str, occurrence: str, cause: str,
                place: Place, severity: int, now: datetime, title_parts: dict | None = None,
                title: str = "", title_en: str = "", level: str = "village",
                window: timedelta = GROUP_WINDOW, incident_id: str | None = None,
                supervision_id: int | None = None, staff_id: str | None = None) -> Event | None:
    """Record one occurrence: a new alert, a count on the group's live alert, or nothing if seen.

    The title is stored as parts (dashboard.core.alert_titles) and rendered in each screen's language;
    the Chinese and English sentences are kept beside them for readers of the stored row."""
    _lock_group(session, group_key)
    recent = _latest_of_group(session, group_key)
    if any(occurrence in (a.detail or {}).get("keys", ()) for a in recent):
        return None
    live = next((a for a in recent if a.state in LIVE_STATES and a.last_at >= now - window), None)
    if live is not None:
        detail = dict(live.detail or {})
        detail["keys"] = [*detail.get("keys", ()), occurrence][-MAX_KEYS:]
        causes = detail.get("causes", [])
        if cause not in causes:
            detail["causes"] = [*causes, cause][-MAX_CAUSES:]
        live.detail = detail  # a new dict, so the JSON column sees the change
        live.count += 1
        live.last_at = max(live.last_at, now)
        live.severity = max(live.severity, severity)
        if live.state == "snoozed":  # a repeat ends a snooze at once
            live.state, live.ack_expires_at, live.waiting_since = "open", None, now
        session.flush()
        return "alert.updated", payload(live)
    alert = Alert(kind=kind, group_key=group_key, unit_code=place.unit_code,
                  district_code=place.district_code, town_code=place.town_code,
                  village_code=place.village_code, grid_code=place.grid_code, severity=severity,
                  title=title[:256], count=1, first_at=now, last_at=now, state="open", level=level,
                  waiting_since=now, incident_id=incident_id, supervision_id=supervision_id,
                  staff_id=staff_id,
                  detail={"keys": [occurrence], "causes": [cause], "title_en": title_en,
                          "lat": place.lat, "lon": place.lon,
                          **({PARTS: title_parts} if title_parts else {})})
    if title_parts:
        zh, en = titles(alert, session)
        alert.title, alert.detail = zh[:256], {**alert.detail, "title_en": en}
    session.add(alert)
    session.flush()
    return "alert.raised", payload(alert)


def reopen(alert: Alert, now: datetime) -> Event:
    """An acknowledgement or a snooze expired while the cause persists: the alert fires again and
    waits, unacknowledged, from now (the escalation timer restarts)."""
    alert.state = "open"
    alert.ack_expires_at = None
    alert.waiting_since = now
    alert.last_at = max(alert.last_at, now)
    return "alert.reopened", payload(alert)


def clear(alert: Alert, now: datetime, reason: str) -> Event:
    """The cause is gone: the system resolves the alert."""
    alert.state = "resolved"
    alert.resolved_at = now
    return "alert.resolved", payload(alert, by="system", reason=reason)


def live_alerts(session: Session, kinds: tuple[str, ...], only: set[int] | None = None) -> list[Alert]:
    """Open, acknowledged and snoozed alerts of these kinds (the ones whose cause is worth
    re-checking); ``only`` narrows them to some ids (a test watching its own alerts in a big world)."""
    query = select(Alert).where(Alert.state.in_(LIVE_STATES), Alert.kind.in_(kinds))
    if only is not None:
        query = query.where(Alert.id.in_(only))
    return list(session.execute(query).scalars())


def under(level: str, code: str) -> ColumnElement[bool]:
    """SQL condition: the alert lies in the subtree of the unit at this level with this code."""
    return units.under(Alert, level, code)


def scope(principal: Principal) -> ColumnElement[bool]:
    """SQL condition: the alert lies inside the principal's jurisdiction."""
    return under(principal.unit_level, principal.unit_code)


def alerts_in(principal: Principal, states: Iterable[str] = QUEUE_STATES,
              unit: Unit | None = None) -> Select[tuple[Alert]]:
    """The alerts in these states inside the caller's jurisdiction (and under ``unit``, when given,
    which the caller has checked is theirs): the one query behind the API's list, the desk's queue
    and board, the wall's banner and the briefing. Callers add their own order and limits."""
    query = select(Alert).where(scope(principal), Alert.state.in_(tuple(states)))
    return query if unit is None else query.where(under(unit.level, unit.code))


def next_level(level: str) -> str | None:
    """The center level above this one (None at the city)."""
    return PARENT_LEVEL.get(level)


def level_unit(alert: Alert, level: str) -> str:
    """The unit code of the center at a level above the alert's grid."""
    return code_at(alert, level, root_code(object_session(alert)))

