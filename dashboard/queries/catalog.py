"""Read-side queries on the catalogue (business items, lines, departments) and name search."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from dashboard.core.models import LEVELS, BusinessItem, BusinessLine, Department, Staff, Unit
from dashboard.queries.units import LEVEL_COLUMN, ancestors, unit_ref

MAX_SEARCH = 100
_LATIN = re.compile(r"^[A-Za-z][A-Za-z\s'’-]*$")


def business_items(session: Session) -> list[dict[str, Any]]:
    """The business-item catalogue with department, line and per-stage limits (minutes)."""
    rows = session.execute(
        select(BusinessItem, Department.name, BusinessLine.name)
        .join(Department, Department.code == BusinessItem.department_code)
        .join(BusinessLine, BusinessLine.code == BusinessItem.line_code)
        .order_by(BusinessItem.code))
    return [{"code": item.code, "name": item.name, "name_en": item.name_en,
             "department": item.department_code, "department_name": dept_name,
             "line": item.line_code, "line_name": line_name,
             "default_severity": item.default_severity,
             "limits_min": {"dispatch": item.limit_dispatch_min, "accept": item.limit_accept_min,
                            "resolve": item.limit_resolve_min, "check": item.limit_check_min}}
            for item, dept_name, line_name in rows]


def business_lines(session: Session) -> list[dict[str, Any]]:
    """The business lines ("网格+" practices) with the unit each started in."""
    return [{"code": line.code, "name": line.name, "name_en": line.name_en,
             "origin_unit": line.origin_unit_code}
            for line in session.scalars(select(BusinessLine).order_by(BusinessLine.code))]


def departments(session: Session) -> list[dict[str, Any]]:
    """The departments on the platform, with how many business items each owns."""
    counts = dict(session.execute(select(BusinessItem.department_code, func.count())
                                  .group_by(BusinessItem.department_code)).all())
    return [{"code": d.code, "name": d.name, "name_en": d.name_en,
             "enforcement": bool(d.enforcement), "business_items": counts.get(d.code, 0)}
            for d in session.scalars(select(Department).order_by(Department.code))]


def _contains(column: Any, text: str) -> Any:
    # LIKE with escaping, so a user's % or _ is matched literally; lower() makes Latin case-blind.
    return func.lower(column).contains(text.lower(), autoescape=True)


def search(session: Session, text: str, within: Unit | None = None,
           limit: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Units (any level) and staff whose Chinese or English/pinyin name (or code/id) contains
    `text`, limited to the subtree of `within` when given; exact and prefix matches first. Units
    carry their `path` above them, staff their `place` (city down to their grid).
    Staff names are Chinese only: a Latin query also matches their pinyin (linzhi → 林志强)."""
    text = text.strip()
    limit = max(1, min(limit, MAX_SEARCH))
    if not text:
        return {"units": [], "staff": []}
    level_order = case({level: i for i, level in enumerate(LEVELS)}, value=Unit.level)
    exact = case((or_(Unit.name == text, func.lower(Unit.name_en) == text.lower()), 0),
                 (Unit.name.startswith(text, autoescape=True), 1), else_=2)
    units_q = (select(Unit)
               .where(or_(_contains(Unit.name, text), _contains(Unit.name_en, text),
                          _contains(Unit.code, text)))
               .order_by(exact, level_order, Unit.sort_key, Unit.code).limit(limit))
    staff_q = (select(Staff)
               .where(or_(_contains(Staff.name, text), _contains(Staff.id, text)))
               .order_by(case((Staff.name == text, 0), else_=1), Staff.name, Staff.id).limit(limit))
    staff_scope: list[Any] = []
    if within is not None and within.level != "city":
        column = LEVEL_COLUMN[within.level]
        staff_scope = [getattr(Staff, column) == within.code]
        inside = Unit.code == within.code
        if within.level != "grid":  # units carry no grid_code: a grid has no units beneath it
            inside = or_(inside, getattr(Unit, column) == within.code)
        units_q = units_q.where(inside)
        staff_q = staff_q.where(*staff_scope)
    units = []
    for u in session.scalars(units_q):
        path = ancestors(session, u.code)
        units.append({**unit_ref(u), "path": [unit_ref(a) for a in path[:-1]]})
    rows = list(session.scalars(staff_q))
    if _LATIN.match(text):
        rows = _by_pinyin(session, text, staff_scope, rows, limit)
    # Namesakes are common (three 刘芳 in the demo city): each person carries where they work, the
    # chain of units from the city down to their grid, so a list can tell them apart.
    staff = [{"id": s.id, "name": s.name, "role": s.role, "unit": s.unit_code, "grid": s.grid_code,
              "department": s.department_code,
              "place": [unit_ref(u) for u in ancestors(session, s.grid_code or s.unit_code)]}
             for s in rows]
    return {"units": units, "staff": staff}


@lru_cache(maxsize=20_000)
def name_pinyin(name: str) -> tuple[str, ...]:
    """A Chinese name's toneless pinyin from each syllable on: 林志强 → (linzhiqiang, zhiqiang, qiang)."""
    syllables = [p.lower() for p in lazy_pinyin(name)]
    return tuple("".join(syllables[i:]) for i in range(len(syllables)))


def _by_pinyin(session: Session, text: str, scope: list[Any], found: list[Staff],
               limit: int) -> list[Staff]:
    # Staff names are stored in Chinese only; a Latin query is matched against their pinyin from a
    # syllable boundary on (so "zhiq" finds 林志强, "anl" finds nobody); whole-name and surname
    # matches come first.
    wanted = re.sub(r"[\s'’-]", "", text.lower())
    seen = {s.id for s in found}
    hits = []
    for staff_id, name in session.execute(select(Staff.id, Staff.name).where(*scope)):
        tails = name_pinyin(name)
        if staff_id not in seen and tails and any(t.startswith(wanted) for t in tails):
            hits.append((tails[0] != wanted, not tails[0].startswith(wanted), name, staff_id))
    ids = [hit[-1] for hit in sorted(hits)[:max(0, limit - len(found))]]
    by_id = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))} if ids else {}
    return found + [by_id[staff_id] for staff_id in ids]
