"""users: API and wall tokens (token, revoke, list; tokens: dashboard.cli.sessions), log-in
sessions (sessions, end-sessions), and log-in accounts (dashboard.cli.accounts: add,
passwd, disable, enable, list-accounts, audit-verify, audit-export). Tokens are shown once and
stored hashed; token changes are audited."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from dashboard.cli import accounts as auth_cli
from dashboard.cli import sessions as auth_cli_sessions
from dashboard.core import audit
from dashboard.core.config import Settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.models import ROLES, ApiToken, Department, Unit
from dashboard.core.policy import may
from dashboard.core.principal import TOKEN_DAYS, issue_token
from dashboard.core.units import ROOT_LEVEL, root_code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of users."""
    sub = parser.add_subparsers(dest="users_command", metavar="COMMAND")
    sub.required = True
    token = sub.add_parser("token", help="create a bearer token; prints it alone on the last line")
    token.add_argument("name", help="who or what holds the token (a device, a system, a wall)")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--unit", help="jurisdiction unit code (default the city; a wall: its path)")
    token.add_argument("--department", help="department code (liaison and department systems)")
    token.add_argument("--wall-path", help="the one wall URL a wall token opens: /wall/city or "
                                           "/wall/unit/<code> (default: its unit's wall)")
    token.add_argument("--days", type=int, default=TOKEN_DAYS,
                       help=f"the token expires after this many days (default {TOKEN_DAYS})")
    revoke = sub.add_parser("revoke", help="revoke every live token of that name")
    revoke.add_argument("name")
    sub.add_parser("list", help="list tokens (never the secrets)")
    auth_cli.add_arguments(sub)
    auth_cli_sessions.add_arguments(sub)


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen users sub-command."""
    engine = engine_for(settings)
    try:
        return _run(session_factory(engine, settings.audit_key()), args, settings)
    finally:
        engine.dispose()


def _run(Session, args: argparse.Namespace, settings: Settings | None = None) -> int:  # noqa: N803
    command = args.users_command
    if command == "token":
        return _token(Session, args)
    if command in auth_cli.COMMANDS:
        return auth_cli.run(Session, args, settings)
    if command in auth_cli_sessions.COMMANDS:
        return auth_cli_sessions.run(Session, args)
    if command == "revoke":
        return auth_cli_sessions.revoke(Session, args.name)
    if command == "list":
        with Session() as session:
            for tok in session.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id)):
                status = f"revoked {tok.revoked_at:%Y-%m-%d %H:%M}" if tok.revoked_at else "live"
                print(f"{tok.name}\t{tok.role}\t{tok.unit_code}\t{tok.department_code or '-'}\t"
                      f"{tok.created_at:%Y-%m-%d %H:%M}\t{status}")
        return 0
    return _unknown(command)


def _wall_unit(args: argparse.Namespace, root: str) -> str | None:
    """Check --wall-path against the role and --unit; the unit a wall path names, or an error line."""
    from dashboard.auth.login import default_wall_path

    if not may(args.role, "wall.screen"):
        return "error: --wall-path: only a wall token opens a wall URL" if args.wall_path else None
    unit = args.unit or root
    path = args.wall_path or default_wall_path(unit, ROOT_LEVEL if unit == root else "")
    code = root if path == "/wall/city" else path.removeprefix("/wall/unit/")
    if not path.startswith(("/wall/city", "/wall/unit/")) or "/" in code or not code:
        return f"error: --wall-path: expected /wall/city or /wall/unit/<code>, got {path!r}"
    if args.unit and args.unit != code:
        return f"error: --wall-path: {path} is not the wall of --unit {args.unit}"
    args.unit, args.wall_path = code, path
    return None


def _token(Session, args: argparse.Namespace) -> int:  # noqa: N803
    with Session.begin() as session:
        root = root_code(session)
        problem = _wall_unit(args, root)
        if not problem and not 1 <= args.days <= 3650:
            problem = f"error: --days: must be 1-3650, got {args.days}"
        if problem:
            print(problem, file=sys.stderr)
            return 2
        args.unit = args.unit or root
        if session.get(Unit, args.unit) is None:
            print(f"error: --unit: unknown unit code {args.unit!r}", file=sys.stderr)
            return 2
        if args.department and session.get(Department, args.department) is None:
            print(f"error: --department: unknown department code {args.department!r}", file=sys.stderr)
            return 2
        if may(args.role, "department.member") and not args.department:
            print("error: --department: a liaison token needs its department", file=sys.stderr)
            return 2
        token = issue_token(session, args.name, args.role, unit_code=args.unit,
                            department_code=args.department, wall_path=args.wall_path, days=args.days)
        audit.append(session, "cli", "token.issue", target=args.name, unit_code=args.unit,
                     detail={"role": args.role, "department": args.department, "wall_path": args.wall_path})
    print(f"token for {args.name} ({args.role}, unit {args.unit}"
          f"{', department ' + args.department if args.department else ''}"
          f"{', opens ' + args.wall_path + '?token=<token>' if args.wall_path else ''}); shown once:")
    print(token)
    return 0


def _unknown(command: str) -> int:
    print(f"error: unknown users command {command!r}", file=sys.stderr)
    return 2
