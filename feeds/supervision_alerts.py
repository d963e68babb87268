"""What the supervise worker raises alerts for, and when an alert's cause is gone or persists.

Causes: a new incident of high severity, a new or escalated supervision item, a field staff member
silent too long while on shift, a feed that stopped. Each occurrence is grouped by place and cause
(dashboard.actions.alerting); an acknowledged alert whose ack expired fires again while its cause persists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.actions.alerting import LIVE_STATES, Event, Place, clear, live_alerts, raise_alert, reopen
from dashboard.contract.schema import MalformedEntry
from dashboard.core.alert_titles import MASS_SILENCE, parts
from dashboard.core.models import ALERT_KINDS, OPEN_STATES, Alert, Incident, SupervisionItem
from dashboard.core.units import root_code

SEVERE = 3
__all__ = ["MASS_SILENCE", "on_mass_silence", "on_reported", "on_silent", "on_stalled", "on_supervision",
           "recheck"]


def _place(row, lat: float | None = None, lon: float | None = None, unit: str | None = None) -> Place:
    return Place(unit_code=unit or row.grid_code, district_code=row.district_code,
                 town_code=row.town_code, village_code=row.village_code, grid_code=row.grid_code,
                 lat=lat, lon=lon)


class _Reported:
    """The fields of an incident.reported payload this worker needs, checked."""

    def __init__(self, data: dict) -> None:
        try:
            self.id = str(data["id"])
            self.severity = int(data["severity"])
            self.grid_code = str(data["grid_code"])
            self.village_code, self.town_code = str(data["village_code"]), str(data["town_code"])
            self.district_code = str(data["district_code"])
            self.business_item_code = str(data["business_item_code"])
            self.lat, self.lon = data.get("lat"), data.get("lon")
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedEntry(f"incident.reported lacks a usable field: {exc}") from exc


def on_reported(session: Session, data: dict, now: datetime) -> list[Event]:
    """A new incident of high severity raises (or counts into) its grid's alert for that item."""
    incident = _Reported(data)
    if incident.severity < SEVERE:
        return []
    severity = min(incident.severity, 4)
    event = raise_alert(
        session, kind="severe_incident",
        group_key=f"severe_incident:{incident.grid_code}:{incident.business_item_code}",
        occurrence=f"incident:{incident.id}", cause=incident.id,
        place=_place(incident, incident.lat, incident.lon), severity=severity,
        title_parts=parts(f"alert.severe_incident.{severity}", place=incident.grid_code,
                          item=incident.business_item_code, severity=severity),
        now=now, incident_id=incident.id)
    return [event] if event else []


def on_supervision(session: Session, type_: str, data: dict, now: datetime) -> list[Event]:
    """A supervision item opened or climbed a level: alert the level that now owns it."""
    item = session.get(SupervisionItem, data["id"])
    if item is None or type_ not in ("supervision.opened", "supervision.escalated"):
        return []
    incident = session.get(Incident, item.incident_id)
    place = _place(item, incident.lat if incident else None, incident.lon if incident else None,
                   unit=data["unit"])
    if type_ == "supervision.opened":
        severity = 3 if incident is not None and incident.severity >= SEVERE else 2
        event = raise_alert(
            session, kind="supervision_new", group_key=f"supervision_new:{item.grid_code}",
            occurrence=f"item:{item.id}:opened", cause=str(item.id), place=place,
            severity=severity, title_parts=parts("alert.supervision_new", place=item.grid_code), now=now,
            level=data["level"], incident_id=item.incident_id, supervision_id=item.id)
    else:
        level = data["level"]
        event = raise_alert(
            session, kind="supervision_escalated",
            group_key=f"supervision_escalated:{item.grid_code}:{level}",
            occurrence=f"item:{item.id}:escalated:{data['escalations']}", cause=str(item.id),
            place=place, severity=min(4, 2 + int(data["escalations"])),
            title_parts=parts("alert.supervision_escalated", place=item.grid_code, level=level),
            now=now, level=level,
            incident_id=item.incident_id, supervision_id=item.id)
    return [event] if event else []


def on_silent(session: Session, staff, last_ts: datetime | None, since: datetime,
              now: datetime) -> list[Event]:
    """A staff member on shift has sent nothing since ``since``: count them into their grid's alert."""
    where = staff.grid_code or staff.unit_code
    minutes = int((now - since).total_seconds() // 60)
    event = raise_alert(
        session, kind="staff_silent", group_key=f"staff_silent:{where}",
        occurrence=f"{staff.id}@{(last_ts or since).isoformat()}", cause=staff.id,
        place=Place(unit_code=where, district_code=staff.district_code, town_code=staff.town_code,
                    village_code=staff.village_code, grid_code=staff.grid_code),
        severity=2, title_parts=parts("alert.staff_silent", place=where, minutes=minutes), now=now,
        staff_id=staff.id)
    return [event] if event else []


def on_stalled(stream: str, last_id: str | None, since: datetime | None, now: datetime,
               session: Session) -> list[Event]:
    """A feed that should be flowing has had no entry for too long."""
    minutes = int((now - since).total_seconds() // 60) if since else None
    event = raise_alert(
        session, kind="feed_stalled", group_key=f"feed_stalled:{stream}",
        occurrence=f"{stream}@{last_id}", cause=stream, place=Place.of_city(root_code(session)), severity=3,
        title_parts=parts("alert.feed_stalled.minutes", feed=stream, minutes=minutes) if minutes is not None
        else parts("alert.feed_stalled", feed=stream), now=now, level="city")
    return [event] if event else []


def on_mass_silence(session: Session, silent: int, judged: int, now: datetime) -> list[Event]:
    """Most people on shift are silent at once: one systemic alert instead of one per grid."""
    group_key = f"feed_stalled:{MASS_SILENCE}"
    live = session.execute(select(Alert.id).where(Alert.group_key == group_key,
                                                  Alert.state.in_(LIVE_STATES))).first()
    if live is not None:
        return []
    event = raise_alert(
        session, kind="feed_stalled", group_key=group_key, occurrence=f"{MASS_SILENCE}@{now.isoformat()}",
        cause=MASS_SILENCE, place=Place.of_city(root_code(session)), severity=3,
        title_parts=parts("alert.mass_silence", silent=silent, judged=judged), now=now, level="city")
    return [event] if event else []


def _persisting(session: Session, alerts, silent: set[str] | None,
                stalled: set[str] | None) -> dict[int, bool | None]:
    """For each live alert: does its cause persist (None: not known this pass)?"""
    causes = {a.id: set((a.detail or {}).get("causes", ())) for a in alerts}
    incident_ids = {c for a in alerts if a.kind == "severe_incident" for c in causes[a.id]}
    for a in alerts:
        if a.kind.startswith("supervision"):
            # Causes are item ids; an alert made elsewhere (the seed) may only name its item.
            causes[a.id] = {c for c in causes[a.id] if str(c).isdigit()} | \
                ({str(a.supervision_id)} if a.supervision_id else set())
    item_ids = {int(c) for a in alerts if a.kind.startswith("supervision") for c in causes[a.id]}
    known = dict(session.execute(select(Incident.id, Incident.state)
                                 .where(Incident.id.in_(incident_ids))).all()) if incident_ids else {}
    open_items = set(session.execute(select(SupervisionItem.id).where(
        SupervisionItem.id.in_(item_ids), SupervisionItem.state == "open")).scalars()) \
        if item_ids else set()
    result: dict[int, bool | None] = {}
    for a in alerts:
        mine = causes[a.id]
        if a.kind == "severe_incident":
            # Not yet persisted counts as open: the persister may simply be behind.
            result[a.id] = any(known.get(c, "reported") in OPEN_STATES for c in mine)
        elif a.kind.startswith("supervision"):
            result[a.id] = any(int(c) in open_items for c in mine)
        elif a.kind == "staff_silent":
            result[a.id] = None if silent is None else bool(mine & silent)
        elif a.kind == "feed_stalled":
            result[a.id] = None if stalled is None else bool(mine & stalled)
        else:
            result[a.id] = None
    return result


def recheck(session: Session, now: datetime, silent: set[str] | None,
            stalled: set[str] | None, only: set[int] | None = None) -> list[Event]:
    """Resolve alerts whose cause is gone; reopen acknowledged ones whose ack expired meanwhile and
    snoozed ones whose snooze ended."""
    alerts = live_alerts(session, ALERT_KINDS, only)
    events: list[Event] = []
    verdicts = _persisting(session, alerts, silent, stalled)
    for alert in alerts:
        persists = verdicts[alert.id]
        if persists is False:
            events.append(clear(alert, now, "cause gone"))
        elif alert.ack_expires_at is not None and alert.ack_expires_at <= now and (
                (persists and alert.state == "acked") or alert.state == "snoozed"):
            # A snooze is a promise of time: it ends even when the cause cannot be judged now.
            events.append(reopen(alert, now))
    session.flush()
    return events

