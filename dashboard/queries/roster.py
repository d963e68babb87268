"""Who an alert may be assigned to: the staff of its unit and the duty desks of that unit and above.

The stored assignee is an id: a staff id (``S00012``) or a duty account's name. ``candidates`` is
the roster the desk's typeahead offers; ``resolve`` is the check ``alerting_actions.perform`` makes
before it stores an assignment, so the API and the desk accept exactly the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core.i18n import LEVEL_NAMES, ROLE_NAMES, name_of
from dashboard.core.models import Alert, Staff, Unit, User
from dashboard.core.policy import roles_with

MAX_DEPTH = 8  # city → district → town → village → grid, with room to spare


@dataclass(frozen=True)
class Assignee:
    """One person or desk an alert may go to, with what the typeahead shows and matches."""

    id: str
    kind: str  # "staff" | "desk"
    name: str
    role: str  # a staff role code, or a desk officer's account role (dashboard.core.policy)
    unit: str  # the code of the place it answers for
    level: str  # that place's level
    place: str
    place_en: str

    def label(self, lang: str) -> str:
        """Name · role · place, as a duty officer reads it."""
        role = (name_of(LEVEL_NAMES, self.level, lang) + (" duty desk" if lang == "en" else "值班台")
                if self.kind == "desk" else name_of(ROLE_NAMES, self.role, lang))
        return f"{self.name} · {role} · {self.place_en if lang == 'en' else self.place}"

    def search(self) -> str:
        """What a typeahead matches: the name, its pinyin in full and by initials, and the id."""
        full = "".join(lazy_pinyin(self.name)).lower()
        initials = "".join(lazy_pinyin(self.name, style=Style.FIRST_LETTER)).lower()
        return " ".join((self.name, full, initials, self.id.lower()))


def unit_chain(session: Session, code: str) -> list[Unit]:
    """The unit and its ancestors up to the root, nearest first."""
    chain: list[Unit] = []
    unit = session.get(Unit, code)
    while unit is not None and len(chain) < MAX_DEPTH:
        chain.append(unit)
        unit = session.get(Unit, unit.parent_code) if unit.parent_code else None
    return chain


def _display(user: User) -> str:
    return user.display_name or user.username


def candidates(session: Session, alert: Alert) -> list[Assignee]:
    """Staff placed at the alert's unit or above it (grid staff, the town's officers) and the duty
    accounts of those units, nearest place first."""
    chain = unit_chain(session, alert.unit_code)
    units = {u.code: u for u in chain}
    rank = {u.code: i for i, u in enumerate(chain)}
    staff = session.execute(select(Staff).where(Staff.unit_code.in_(units)).order_by(Staff.id)).scalars()
    people = [_staff(s, units[s.unit_code]) for s in staff]
    users = session.execute(select(User).where(User.unit_code.in_(units), User.active.is_(True),
                                               User.role.in_(roles_with("desk.officer")))).scalars()
    desks = [_desk(u, units[u.unit_code]) for u in users]
    # Nearest place first; at each place its people, then its duty desks.
    return sorted(people + desks, key=lambda a: (rank[a.unit], a.kind == "desk", a.id))


def _staff(s: Staff, unit: Unit | None) -> Assignee:
    return Assignee(s.id, "staff", s.name, s.role, s.unit_code, unit.level if unit else "grid",
                    unit.name if unit else s.unit_code, unit.name_en if unit else s.unit_code)


def _desk(u: User, unit: Unit | None) -> Assignee:
    return Assignee(u.username, "desk", _display(u), u.role, u.unit_code, unit.level if unit else "city",
                    unit.name if unit else u.unit_code, unit.name_en if unit else u.unit_code)


def resolve(session: Session, alert: Alert, ident: str) -> Assignee | None:
    """The roster entry with this id for this alert, or None when it is not on the alert's roster."""
    return next((a for a in candidates(session, alert) if a.id == ident), None)


def describe(session: Session, idents: set[str]) -> dict[str, Assignee]:
    """Stored assignees by id, for showing them (names, role, place) wherever the alert is listed."""
    idents = {i for i in idents if i}
    if not idents:
        return {}
    found: dict[str, Assignee] = {}
    for s in session.execute(select(Staff).where(Staff.id.in_(idents))).scalars():
        found[s.id] = _staff(s, session.get(Unit, s.unit_code))
    for u in session.execute(select(User).where(User.username.in_(idents))).scalars():
        found[u.username] = _desk(u, session.get(Unit, u.unit_code))
    return found


def name_rows(session: Session, rows: list[dict], me: str) -> list[dict]:
    """Desk rows with their assignee's name and whether it is the officer looking (``mine``)."""
    known = describe(session, {r.get("assigned_to") or "" for r in rows})
    for row in rows:
        who = known.get(row.get("assigned_to") or "")
        row["assigned_name"] = who.name if who else row.get("assigned_to") or ""
        row["mine"] = bool(row.get("assigned_to")) and row["assigned_to"] == me
    return rows
