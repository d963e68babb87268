"""Log-in accounts: argon2 password hashes, creation, password changes, disabling, checking a
log-in. Every change and every log-in attempt is appended to the audit log by the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.core import audit
from dashboard.core.models import CENTER_LEVELS, ROLES, Department, Unit, User
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.timeutil import utcnow

# Roles a person logs in with, in the order of models.ROLES; wall, device and system are tokens
# (`users token`).
LOGIN_ROLES = tuple(role for role in ROLES if may(role, "login"))
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[\w.@-]{2,64}$")

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("no such account")


class AccountError(ValueError):
    """A refused account change; names the field and the reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a log-in attempt: the account and principal, or why not."""

    user: User | None
    principal: Principal | None
    reason: str | None  # None on success, else unknown | password | disabled


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; the text itself is never stored)."""
    return _hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    """Whether the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_of(user: User, unit_level: str) -> Principal:
    """The principal a logged-in account stands for."""
    return Principal(name=user.username, role=user.role, unit_code=user.unit_code, unit_level=unit_level,
                     department_code=user.department_code, via="session")


def _check_password_text(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError("password", f"must be at least {MIN_PASSWORD} characters")
    if password != password.strip():
        raise AccountError("password", "must not start or end with spaces")


def _check_post(session: Session, role: str, unit_code: str, department: str | None) -> Unit:
    if role not in LOGIN_ROLES:
        raise AccountError("role", f"must be one of {', '.join(LOGIN_ROLES)} "
                                   "(wall, device and system use `users token`)")
    unit = session.get(Unit, unit_code)
    if unit is None:
        raise AccountError("unit", f"unknown unit code {unit_code!r}")
    # A desk officer sits at a center: the city's, a district's, a town's or a village's.
    if may(role, "desk.officer") and unit.level not in CENTER_LEVELS:
        raise AccountError("unit", f"a duty officer sits at a city, district, town or village center, "
                                   f"not a {unit.level}")
    if department is not None and session.get(Department, department) is None:
        raise AccountError("department", f"unknown department code {department!r}")
    if may(role, "department.member") and department is None:
        raise AccountError("department", "a liaison account needs its department")
    return unit


def find_user(session: Session, username: str) -> User | None:
    """The account of that name, or None."""
    return session.execute(select(User).where(User.username == username)).scalar()


def create_user(session: Session, username: str, password: str, role: str, unit_code: str,
                department: str | None = None, display_name: str = "", actor: str = "cli",
                source_ip: str | None = None, now: datetime | None = None) -> User:
    """Create an account (audited); AccountError names a bad field."""
    if not isinstance(username, str) or not USERNAME.match(username):
        raise AccountError("username", "2-64 letters, digits or . _ @ -")
    if find_user(session, username) is not None:
        raise AccountError("username", f"an account named {username!r} already exists")
    unit = _check_post(session, role, unit_code, department)
    _check_password_text(password)
    now = now or utcnow()
    user = User(username=username, password_hash=hash_password(password), role=role, unit_code=unit.code,
                department_code=department, display_name=display_name or username, active=True,
                created_at=now)
    session.add(user)
    session.flush()
    audit.append(session, actor, "account.create", target=username, unit_code=unit.code,
                 detail={"role": role, "department": department}, source_ip=source_ip, now=now)
    return user


def _existing(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise AccountError("username", f"no account named {username!r}")
    return user


def set_password(session: Session, username: str, password: str, actor: str = "cli",
                 source_ip: str | None = None) -> User:
    """Replace an account's password (audited); its open sessions end for good."""
    from dashboard.auth.sessions import end_user_sessions

    user = _existing(session, username)
    _check_password_text(password)
    user.password_hash = hash_password(password)
    end_user_sessions(session, user.id, "password")
    audit.append(session, actor, "account.password", target=username, unit_code=user.unit_code,
                 source_ip=source_ip)
    return user


def set_active(session: Session, username: str, active: bool, actor: str = "cli",
               source_ip: str | None = None) -> User:
    """Disable (or re-enable) an account (audited); a disabled account's sessions end for good
    (re-enabling revives none of them)."""
    from dashboard.auth.sessions import end_user_sessions

    user = _existing(session, username)
    user.active = active
    if not active:
        end_user_sessions(session, user.id, "disabled")
    audit.append(session, actor, "account.enable" if active else "account.disable", target=username,
                 unit_code=user.unit_code, source_ip=source_ip)
    return user


def set_unit(session: Session, username: str, unit_code: str, actor: str = "cli",
             source_ip: str | None = None) -> User:
    """Move an account to another unit (audited); its open sessions end for good."""
    from dashboard.auth.sessions import end_user_sessions

    user = _existing(session, username)
    unit = _check_post(session, user.role, unit_code, user.department_code)
    before, user.unit_code = user.unit_code, unit.code
    end_user_sessions(session, user.id, "moved")
    audit.append(session, actor, "account.move", target=username, unit_code=unit.code,
                 detail={"from": before}, source_ip=source_ip)
    return user


def attempt_login(session: Session, username: str, password: str, source_ip: str | None) -> LoginResult:
    """Check a log-in and audit it either way (the reason is logged, never the password)."""
    row = session.execute(select(User, Unit.level).join(Unit, Unit.code == User.unit_code)
                          .where(User.username == username)).first()
    if row is None:
        check_password(_DUMMY_HASH, password)
        reason, user, level = "unknown", None, None
    else:
        user, level = row
        ok = check_password(user.password_hash, password)
        reason = None if ok and user.active else ("password" if not ok else "disabled")
    if reason is not None:
        audit.append(session, username[:64], "login.failure", target=username[:128],
                     unit_code=user.unit_code if user else None, detail={"reason": reason},
                     source_ip=source_ip)
        return LoginResult(None, None, reason)
    if _hasher.check_needs_rehash(user.password_hash):
        # New hash parameters: the account's other open sessions lapse (their stamp changes).
        user.password_hash = hash_password(password)
    audit.append(session, user.username, "login.success", target=user.username, unit_code=user.unit_code,
                 source_ip=source_ip)
    return LoginResult(user, principal_of(user, level), None)
