"""What a leader reads first: open supervision items and critical or escalated alerts in the caller's
jurisdiction, highest level and newest first, filtered by level, district and age; every entry with
its full place, its stage deadline and the instructions left on it (where each went, its receipts).

``briefing`` is the one query behind the page, the API (GET /api/v1/briefing) and the PDF.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashboard.actions.alerting import CRITICAL, LIVE_STATES, alerts_in, payload, wire_time
from dashboard.actions.instruction_receipts import on_read, receipts
from dashboard.actions.instructions import (
    KINDS,
    LEVEL_ORDER,
    LIMIT,
    InstructionError,
    check_role,
    record,
    within,
)
from dashboard.core.alert_titles import prime as prime_titles
from dashboard.core.models import (
    Alert,
    BusinessItem,
    Department,
    Incident,
    Instruction,
    SupervisionItem,
    Unit,
)
from dashboard.core.principal import Principal

# Age buckets of an item (since its stage deadline passed; an alert's since it was raised):
# (at least, at most) days, None for open-ended. Up-to buckets include the shorter ones.
AGES: dict[str, tuple[int, int | None]] = {"1d": (0, 1), "7d": (0, 7), "30d": (0, 30), "older": (30, None)}
PLACE_LEVELS = ("district", "town", "village", "grid")


@dataclass(frozen=True)
class Filters:
    """The briefing's filters; None means all."""

    level: str | None = None
    district: str | None = None
    age: str | None = None

    def query(self) -> dict[str, str]:
        """As query parameters (only the ones set)."""
        return {k: v for k, v in asdict(self).items() if v}


def parse_filters(session: Session, args: Mapping[str, Any]) -> Filters:
    """Filters from query parameters or the page's dropdowns; InstructionError names a bad one."""
    values = {name: (args.get(name) or None) for name in ("level", "district", "age")}
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise InstructionError(400, f"{name} must be text", name)
    if values["level"] is not None and values["level"] not in LEVEL_ORDER:
        raise InstructionError(400, f"level must be one of {', '.join(LEVEL_ORDER)}", "level")
    if values["age"] is not None and values["age"] not in AGES:
        raise InstructionError(400, f"age must be one of {', '.join(AGES)}", "age")
    if values["district"] is not None and session.scalar(
            select(func.count()).select_from(Unit).where(Unit.code == values["district"],
                                                         Unit.level == "district")) == 0:
        raise InstructionError(400, f"no district {values['district']!r}", "district")
    return Filters(**values)


def _filtered(stmt: Any, model: Any, since: Any, filters: Filters, now: datetime) -> Any:
    if filters.level:
        stmt = stmt.where(model.level == filters.level)
    if filters.district:
        stmt = stmt.where(model.district_code == filters.district)
    if filters.age:
        low, high = AGES[filters.age]
        stmt = stmt.where(since <= now - timedelta(days=low))
        if high is not None:
            stmt = stmt.where(since > now - timedelta(days=high))
    return stmt


def _rank(column: Any) -> Any:
    return case({lv: n for n, lv in enumerate(LEVEL_ORDER)}, value=column, else_=len(LEVEL_ORDER))


def _places(session: Session, entries: list[dict]) -> None:
    codes = {e[f"{lv}_code"] for e in entries for lv in PLACE_LEVELS if e.get(f"{lv}_code")}
    units = {u.code: {"code": u.code, "name": u.name, "name_en": u.name_en, "level": u.level}
             for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))} if codes else {}
    for e in entries:
        e["place"] = [units[c] for c in dict.fromkeys(e.pop(f"{lv}_code", None) for lv in PLACE_LEVELS)
                      if c in units]


def _notes(session: Session, principal: Principal, entries: list[dict], now: datetime) -> None:
    targets = [(e["kind"], e["id"]) for e in entries]
    rows: list[Instruction] = []
    for kind in KINDS:
        ids = [i for k, i in targets if k == kind]
        if ids:
            rows += session.scalars(select(Instruction).where(Instruction.target_kind == kind,
                                                              Instruction.target_id.in_(ids))).all()
    on_read(session, principal, [r.id for r in rows], now)
    got = receipts(session, [r.id for r in rows])
    desk_codes = {r.unit_code for r in rows}
    desks = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(desk_codes)))}
    depts = {d.code: d for d in session.scalars(select(Department).where(
        Department.code.in_({r.department_code for r in rows if r.department_code})))}
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.at, r.id)):
        desk, dept = desks.get(row.unit_code), depts.get(row.department_code or "")
        found[(row.target_kind, row.target_id)].append({
            **record(row),
            "desk": {"code": desk.code, "name": desk.name, "name_en": desk.name_en} if desk else None,
            "department": {"code": dept.code, "name": dept.name, "name_en": dept.name_en} if dept else None,
            "receipts": {k: {**v, "at": wire_time(v["at"])} for k, v in got.get(row.id, {}).items()}})
    for e in entries:
        e["instructions"] = found.get((e["kind"], e["id"]), [])


def briefing(session: Session, principal: Principal, now: datetime, filters: Filters | None = None,
             limit: int = LIMIT) -> dict[str, Any]:
    """Open supervision items (highest level first, then newest; at most ``limit``) and open critical
    or escalated alerts in the caller's jurisdiction, filtered; ``totals`` counts the matching open
    items by level. Reading it marks the instructions sent to the caller's desk as read."""
    check_role(principal)
    filters = filters or Filters()
    items_q = _filtered(
        select(SupervisionItem, Incident.description, Incident.severity, BusinessItem.name,
               BusinessItem.name_en)
        .join(Incident, Incident.id == SupervisionItem.incident_id)
        .join(BusinessItem, BusinessItem.code == Incident.business_item_code)
        .where(SupervisionItem.state == "open", within(principal, SupervisionItem)),
        SupervisionItem, SupervisionItem.opened_at, filters, now)
    rows = session.execute(items_q.order_by(_rank(SupervisionItem.level), SupervisionItem.opened_at.desc(),
                                            SupervisionItem.id.desc()).limit(limit)).all()
    items = [{"kind": "supervision", "id": str(it.id), "incident": it.incident_id, "stage": it.stage,
              "level": it.level, "unit": it.unit_code, "grid": it.grid_code,
              "district_code": it.district_code, "town_code": it.town_code,
              "village_code": it.village_code, "grid_code": it.grid_code,
              "opened_at": wire_time(it.opened_at), "deadline": wire_time(it.opened_at),
              "late_minutes": max(0, int((now - it.opened_at).total_seconds() // 60)),
              "due_at": wire_time(it.due_at), "escalations": it.escalations, "description": desc,
              "severity": sev, "item": name, "item_en": name_en} for it, desc, sev, name, name_en in rows]
    alerts_q = _filtered(
        alerts_in(principal, LIVE_STATES).where((Alert.severity >= CRITICAL) | (Alert.level != "village")),
        Alert, Alert.first_at, filters, now)
    alerts = session.scalars(alerts_q.order_by(_rank(Alert.level), Alert.first_at.desc(), Alert.id.desc())
                             .limit(limit)).all()
    prime_titles(session, alerts)
    alert_rows = [{**payload(a), "kind": "alert", "alert_kind": a.kind, "id": str(a.id),
                   "district_code": a.district_code, "town_code": a.town_code,
                   "village_code": a.village_code, "grid_code": a.grid_code} for a in alerts]
    _places(session, items + alert_rows)
    _notes(session, principal, items + alert_rows, now)
    counted = _filtered(select(SupervisionItem.level, func.count()).where(
        SupervisionItem.state == "open", within(principal, SupervisionItem)),
        SupervisionItem, SupervisionItem.opened_at, filters, now).group_by(SupervisionItem.level)
    return {"supervision": items, "alerts": alert_rows, "totals": dict(session.execute(counted).all()),
            "filters": filters.query()}


def districts(session: Session, principal: Principal) -> list[Unit]:
    """The districts the caller's briefing can be filtered by (those in their jurisdiction)."""
    stmt = select(Unit).where(Unit.level == "district").order_by(Unit.sort_key, Unit.code)
    if principal.unit_level != "city":
        code = principal.unit_code if principal.unit_level == "district" else None
        stmt = stmt.where(Unit.code == (code or select(Unit.district_code).where(
            Unit.code == principal.unit_code).scalar_subquery()))
    return list(session.scalars(stmt))
