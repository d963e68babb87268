"""Server-side log-in sessions: one row per browser log-in, the cookie holding only a random secret.

A session stands for its account while the row is open, the account is active and the account's
password, role, unit and department are what they were at log-in (the row's `stamp`); for a wall,
while its token is neither revoked nor expired. The first lookup that finds otherwise ends the row
for good, so re-enabling an account or changing it back revives nothing. Log-out, `users
end-sessions`, disabling an account and changing its password end rows explicitly too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dashboard.auth.accounts import principal_of
from dashboard.auth.walls import wall_principal
from dashboard.core.models import ApiToken, LoginSession, Unit, User
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.timeutil import utcnow

PREFIX = "s:"  # Flask-Login ids of server-side sessions: s:<secret>
SESSION_HOURS = 12  # an account's session ends this long after log-in, whatever happens
IDLE_MINUTES = 120  # ... or after this long without a request (walls: neither)


@dataclass(frozen=True)
class SessionRow:
    """A session as `users sessions` shows it (never its secret)."""

    id: str
    kind: str  # account | wall
    created_at: datetime
    seen_at: datetime
    source_ip: str | None
    user_agent: str


def session_key(login_id: str) -> str | None:
    """The row id of a Flask-Login id `s:<secret>` (SHA-256 of the secret), None for any other id."""
    if not isinstance(login_id, str) or not login_id.startswith(PREFIX) or len(login_id) > 200:
        return None
    return hashlib.sha256(login_id[len(PREFIX):].encode()).hexdigest()


def account_stamp(user: User) -> str:
    """Digest of what a session's principal depends on; kept on the server only."""
    parts = (user.password_hash, user.role, user.unit_code, user.department_code or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def open_session(s: Session, *, user: User | None = None, token: ApiToken | None = None,
                 source_ip: str | None = None, user_agent: str = "") -> str:
    """Store a new session for an account or a wall token; the Flask-Login id for the cookie."""
    secret = secrets.token_urlsafe(32)
    login_id = PREFIX + secret
    now = utcnow()
    s.add(LoginSession(id=session_key(login_id), user_id=user.id if user else None,
                       token_id=token.id if token else None,
                       stamp=account_stamp(user) if user else "wall", created_at=now, seen_at=now,
                       source_ip=source_ip, user_agent=user_agent[:128]))
    return login_id


def session_principals(s: Session, login_ids: list[str]) -> dict[str, Principal]:
    """{Flask-Login id: principal} for the ids whose sessions still stand; the sessions found to
    have lapsed (account disabled or changed, token revoked or expired) are ended here, for good."""
    keys = {key: login_id for login_id in login_ids if (key := session_key(login_id))}
    if not keys:
        return {}
    found: dict[str, Principal] = {}
    dead: list[str] = []
    now = utcnow()
    accounts = s.execute(select(LoginSession, User, Unit.level)
                         .join(User, User.id == LoginSession.user_id)
                         .join(Unit, Unit.code == User.unit_code)
                         .where(LoginSession.id.in_(list(keys)), LoginSession.ended_at.is_(None)))
    for row, user, level in accounts:
        if user.active and row.stamp == account_stamp(user):
            found[keys[row.id]] = principal_of(user, level)
        else:
            dead.append(row.id)
    walls = s.execute(select(LoginSession, ApiToken, Unit.level)
                      .join(ApiToken, ApiToken.id == LoginSession.token_id)
                      .join(Unit, Unit.code == ApiToken.unit_code)
                      .where(LoginSession.id.in_(list(keys)), LoginSession.ended_at.is_(None)))
    for row, tok, level in walls:
        live = tok.revoked_at is None and (tok.expires_at is None or tok.expires_at > now)
        if live and may(tok.role, "wall.screen"):
            found[keys[row.id]] = wall_principal(tok, level)
        else:
            dead.append(row.id)
    if dead:
        s.execute(update(LoginSession).where(LoginSession.id.in_(dead))
                  .values(ended_at=now, end_reason="lapsed"))
    return found


def end_session_row(s: Session, login_id: str, reason: str = "logout") -> None:
    """End one session (log-out)."""
    key = session_key(login_id)
    if key:
        s.execute(update(LoginSession).where(LoginSession.id == key, LoginSession.ended_at.is_(None))
                  .values(ended_at=utcnow(), end_reason=reason))


def _of(user_ids: list[int], token_ids: list[int]):
    return or_(LoginSession.user_id.in_(user_ids), LoginSession.token_id.in_(token_ids))


def _owners(s: Session, name: str) -> tuple[list[int], list[int]]:
    users = list(s.scalars(select(User.id).where(User.username == name)))
    tokens = list(s.scalars(select(ApiToken.id).where(ApiToken.name == name)))
    return users, tokens


def end_sessions_of(s: Session, name: str, reason: str) -> int:
    """End every open session of an account, or of the wall tokens of that name; how many."""
    users, tokens = _owners(s, name)
    result = s.execute(update(LoginSession).where(_of(users, tokens), LoginSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount


def end_user_sessions(s: Session, user_id: int, reason: str) -> int:
    """End every open session of one account (password changed, disabled, moved)."""
    result = s.execute(update(LoginSession).where(LoginSession.user_id == user_id,
                                                  LoginSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))
    return result.rowcount


def sessions_of(s: Session, name: str) -> list[SessionRow]:
    """The sessions of an account (or of wall tokens of that name) that still stand, oldest first:
    open, the account unchanged, within the lifetime and not idle (walls: no cap)."""
    users, tokens = _owners(s, name)
    now = utcnow()
    rows = s.execute(select(LoginSession, User).outerjoin(User, User.id == LoginSession.user_id)
                     .where(_of(users, tokens), LoginSession.ended_at.is_(None))
                     .order_by(LoginSession.created_at))
    shown = []
    for r, user in rows:
        if user is not None and (not user.active or r.stamp != account_stamp(user)
                                 or now - r.created_at > timedelta(hours=SESSION_HOURS)
                                 or now - r.seen_at > timedelta(minutes=IDLE_MINUTES + 1)):
            continue
        shown.append(SessionRow(r.id[:12], "account" if user else "wall", r.created_at, r.seen_at,
                                r.source_ip, r.user_agent))
    return shown


def note_seen(s: Session, login_id: str) -> None:
    """Record a session's latest activity (called at most once a minute per session)."""
    key = session_key(login_id)
    if key:
        s.execute(update(LoginSession).where(LoginSession.id == key).values(seen_at=utcnow()))
