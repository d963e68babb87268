"""Who is calling: a principal with a role and a jurisdiction, resolved on the server."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dashboard.core.models import ApiToken, Unit
from dashboard.core.timeutil import utcnow

TOKEN_PREFIX = "pt_"
TOKEN_DAYS = 180  # default lifetime of a new token (`users token --days`)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user session or a bearer token."""

    name: str
    role: str
    unit_code: str
    unit_level: str = "city"
    department_code: str | None = None
    wall_path: str | None = None
    via: str = "token"  # token | session

    def covers(self, unit: Unit) -> bool:
        """Whether a unit lies inside this principal's jurisdiction (its subtree)."""
        if self.unit_level == "city":
            return True
        return self.unit_code in (unit.code, unit.district_code, unit.town_code, unit.village_code)

    def covers_codes(self, units: list[str]) -> bool:
        """Whether an event routed to these unit codes (city→grid chain) is in jurisdiction."""
        return self.unit_level == "city" or self.unit_code in units


def hash_token(token: str) -> str:
    """The stored form of a bearer token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue_token(session: Session, name: str, role: str, unit_code: str,
                department_code: str | None = None, wall_path: str | None = None,
                now: datetime | None = None, days: int | None = TOKEN_DAYS) -> str:
    """Create a token row and return the token itself (shown once, stored hashed); it expires
    after `days` (None: never)."""
    now = now or utcnow()
    token = new_token()
    session.add(ApiToken(name=name, token_hash=hash_token(token), role=role, unit_code=unit_code,
                         department_code=department_code, wall_path=wall_path, created_at=now,
                         expires_at=None if days is None else now + timedelta(days=days)))
    return token


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None if unknown or revoked."""
    digest = hash_token(token)
    return principals_for_hashes(session, [digest]).get(digest)


def principals_for_hashes(session: Session, hashes: list[str]) -> dict[str, Principal]:
    """{token hash: principal} for the tokens among these that are known, unexpired and not revoked (one
    query; open sockets are checked again with it, dashboard.realtime.sockets)."""
    rows = session.execute(
        select(ApiToken, Unit.level).join(Unit, Unit.code == ApiToken.unit_code)
        .where(ApiToken.token_hash.in_(hashes), ApiToken.revoked_at.is_(None),
               or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow())))
    return {tok.token_hash: Principal(name=tok.name, role=tok.role, unit_code=tok.unit_code,
                                      unit_level=level, department_code=tok.department_code,
                                      wall_path=tok.wall_path, via="token")
            for tok, level in rows}


def revoke_token(session: Session, name: str, now: datetime) -> int:
    """Revoke every live token of that name; returns how many."""
    result = session.execute(update(ApiToken).where(ApiToken.name == name,
                                                    ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now))
    return result.rowcount
