"""Wall screens: a wall token opens its one wall URL, is exchanged there for a wall session (a
cookie holding only a session id), and the page is sent on to the same URL without the token, so the
token stays out of the browser's history, its storage and every Referer. Tokens expire."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core.models import ApiToken, Unit
from dashboard.core.policy import may
from dashboard.core.principal import Principal, hash_token
from dashboard.core.timeutil import utcnow
from dashboard.core.units import ROOT_LEVEL


def default_wall_path(unit_code: str, unit_level: str) -> str:
    """The wall URL of a unit: /wall/city for the root (the city), else /wall/unit/<code>."""
    return "/wall/city" if unit_level == ROOT_LEVEL else f"/wall/unit/{unit_code}"


def wall_principal(tok: ApiToken, unit_level: str) -> Principal:
    """The principal of a wall session opened from this token."""
    return Principal(name=tok.name, role="wall", unit_code=tok.unit_code, unit_level=unit_level,
                     wall_path=tok.wall_path or default_wall_path(tok.unit_code, unit_level), via="session")


@dataclass(frozen=True)
class Exchange:
    """The outcome of opening a wall URL with `?token=`: a session to start, or why not."""

    token: ApiToken | None
    principal: Principal | None
    refusal: str | None  # None, token_invalid or token_elsewhere


def check_wall_token(s: Session, token: str, path: str) -> Exchange:
    """Whether this token may open a wall session on this path (live, a wall's, its own URL)."""
    row = s.execute(select(ApiToken, Unit.level).join(Unit, Unit.code == ApiToken.unit_code)
                    .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))).first()
    if row is None or (row[0].expires_at is not None and row[0].expires_at <= utcnow()):
        return Exchange(None, None, "token_invalid")
    tok, level = row
    principal = wall_principal(tok, level)
    if not may(tok.role, "wall.screen") or path.rstrip("/") != principal.wall_path.rstrip("/"):
        return Exchange(None, None, "token_elsewhere")
    tok.last_used_at = utcnow()
    return Exchange(tok, principal, None)
