"""Demo log-ins for `run`: one account per role at the demo world's named places, and a district
wall token. Creating them again changes nothing (a changed password is left alone)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.core.models import Department, Unit
from dashboard.core.principal import issue_token, revoke_token
from dashboard.core.timeutil import utcnow

DEMO_PASSWORD = "putian-demo"
DEMO_WALL_TOKEN = "demo-wall-licheng"


@dataclass(frozen=True)
class DemoAccount:
    """One demo log-in: who, with which role, where."""

    username: str
    role: str
    unit_code: str
    unit_name: str
    department: str | None = None

    def __str__(self) -> str:
        where = f"{self.unit_name} ({self.unit_code})" + (f", {self.department}" if self.department else "")
        return f"{self.username} / {DEMO_PASSWORD}  [{self.role}, {where}]"


def _unit(s: Session, name: str, level: str, parent: str | None = None) -> Unit | None:
    query = select(Unit).where(Unit.level == level)
    query = query.where(Unit.name == name) if name else query
    if parent:
        query = query.where(Unit.parent_code == parent)
    return s.execute(query.order_by(Unit.sort_key, Unit.code).limit(1)).scalar()


def _posts(s: Session) -> list[tuple[str, str, Unit, str | None]]:
    """(username, role, unit, department) for each demo account that the world has a place for."""
    city = s.get(Unit, "putian")
    if city is None:
        return []
    district = _unit(s, "荔城区", "district")
    town = _unit(s, "镇海街道", "town", district.code if district else None)
    village = _unit(s, "", "village", town.code) if town else None
    department = s.get(Department, "cgzf") or s.execute(select(Department).order_by(Department.code)
                                                          .limit(1)).scalar()
    posts = [("admin", "admin", city, None), ("leader", "leader", city, None)]
    posts += [(f"duty-{u.code}", "duty", u, None) for u in (district, town, village) if u is not None]
    if department is not None:
        posts.append((f"liaison-{department.code}", "liaison", city, department.code))
    posts.append(("viewer", "viewer", city, None))
    return posts


def demo_accounts(Session: sessionmaker[Session]) -> list[str]:  # noqa: N803 - a session factory
    """Create the demo accounts that are missing, issue a fresh district wall token, and return the
    lines `run` prints (accounts with their password, then the wall URL path)."""
    from dashboard.auth.accounts import create_user, find_user

    lines = []
    with Session.begin() as s:
        posts = _posts(s)
        for username, role, unit, department in posts:
            if find_user(s, username) is None:
                create_user(s, username, DEMO_PASSWORD, role, unit.code, department,
                            display_name=unit.name, actor="demo")
            lines.append(str(DemoAccount(username, role, unit.code, unit.name, department)))
        wall_unit = next((u for name, _, u, _ in posts if name.startswith("duty-") and u.level == "district"),
                         None)
        if wall_unit is not None:
            # A token is shown only once, so each run replaces the previous run's.
            revoke_token(s, DEMO_WALL_TOKEN, utcnow())
            path = f"/wall/unit/{wall_unit.code}"
            token = issue_token(s, DEMO_WALL_TOKEN, "wall", wall_unit.code, wall_path=path)
            lines.append(f"wall {wall_unit.name}: {path}?token={token}")
    return lines
