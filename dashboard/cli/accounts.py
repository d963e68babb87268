"""The account side of `python -m dashboard users`: add, passwd, move, disable, enable, list-accounts,
audit-verify and audit-export. Passwords come from standard input, never from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select

from dashboard.auth.accounts import LOGIN_ROLES, AccountError, create_user, set_active, set_password, set_unit
from dashboard.core import audit_anchor
from dashboard.core.models import Unit, User
from dashboard.core.timeutil import PeriodError, parse_period
from dashboard.core.units import root_code
from dashboard.queries import audit_export

COMMANDS = ("add", "passwd", "move", "disable", "enable", "list-accounts", "audit-verify", "audit-export")


def add_arguments(sub) -> None:
    """Register the account sub-commands on the `users` sub-parser set."""
    add = sub.add_parser("add", help="create a log-in account; the password is read from standard input")
    add.add_argument("name", help="the log-in name")
    add.add_argument("--role", required=True, choices=LOGIN_ROLES)
    add.add_argument("--unit", help="jurisdiction unit code (default: the city)")
    add.add_argument("--department", help="department code (liaison accounts)")
    add.add_argument("--display-name", default="", help="the name shown on screens")
    passwd = sub.add_parser("passwd", help="set a new password, read from standard input")
    passwd.add_argument("name")
    move = sub.add_parser("move", help="move an account to another unit (its sessions end)")
    move.add_argument("name")
    move.add_argument("--unit", required=True, help="the new jurisdiction unit code")
    for verb, what in (("disable", "disable an account (its sessions end)"),
                       ("enable", "re-enable an account")):
        sub.add_parser(verb, help=what).add_argument("name")
    sub.add_parser("list-accounts", help="list log-in accounts (never the password hashes)")
    verify = sub.add_parser("audit-verify", help="check the audit log's hash chain and its checkpoints "
                                                 "(Redis, and log lines given); exit 1 if broken")
    verify.add_argument("--checkpoints-from", metavar="LOG", action="append", default=[],
                        help="a log file: its 'audit checkpoint' lines are checked too (repeatable)")
    export = sub.add_parser("audit-export", help="write the audit log of a unit and period as CSV")
    export.add_argument("--unit", help="unit code (default: the city, all entries)")
    export.add_argument("--from", dest="from_", metavar="YYYY-MM-DD")
    export.add_argument("--to", metavar="YYYY-MM-DD")


def read_password(stdin=None) -> str:
    """The password: typed twice at a terminal, else the first line of standard input."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise AccountError("password", "the two entries differ")
        return first
    return stdin.readline().rstrip("\r\n")


def run(Session, args: argparse.Namespace, settings=None) -> int:  # noqa: N803 - a session factory
    """Run one account sub-command; 2 for refused input (the message names the field)."""
    command = args.users_command
    try:
        if command == "add":
            password = read_password()
            with Session.begin() as s:
                args.unit = args.unit or root_code(s)
                create_user(s, args.name, password, args.role, args.unit, args.department,
                            display_name=args.display_name)
            print(f"account {args.name} created ({args.role}, unit {args.unit})")
        elif command == "passwd":
            password = read_password()
            with Session.begin() as s:
                set_password(s, args.name, password)
            print(f"password of {args.name} changed; its open sessions have ended")
        elif command == "move":
            with Session.begin() as s:
                set_unit(s, args.name, args.unit)
            print(f"account {args.name} moved to unit {args.unit}; its open sessions have ended")
        elif command in ("disable", "enable"):
            with Session.begin() as s:
                set_active(s, args.name, command == "enable")
            print(f"account {args.name} {command}d")
        elif command == "list-accounts":
            _list(Session)
        elif command == "audit-verify":
            return _verify(Session, args, settings)
        else:
            return _export(Session, args)
    except AccountError as exc:
        print(f"error: --{exc.field}: {exc.message}" if exc.field != "username"
              else f"error: NAME: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _list(Session) -> None:  # noqa: N803
    with Session() as s:
        for user in s.scalars(select(User).order_by(User.username)):
            print(f"{user.username}\t{user.role}\t{user.unit_code}\t{user.department_code or '-'}\t"
                  f"{user.created_at:%Y-%m-%d %H:%M}\t{'active' if user.active else 'disabled'}")


def _verify(Session, args: argparse.Namespace, settings) -> int:  # noqa: N803
    checkpoints, source = _redis_checkpoints(settings)
    for path in args.checkpoints_from:
        with open(path, encoding="utf-8", errors="replace") as log:
            checkpoints += [audit_anchor.Checkpoint.parse(line) for line in log
                            if "audit checkpoint {" in line]
    with Session() as s:
        verdict = audit_anchor.verify(s, checkpoints)
    print(f"{verdict.entries} entries, {verdict.checkpoints} checkpoints ({source})")
    if verdict.intact:
        print("audit log intact")
        return 0
    if verdict.first_bad is not None:
        print(f"audit log broken at entry {verdict.first_bad}: it or its predecessor was changed",
              file=sys.stderr)
    if verdict.broken is not None:
        cp = verdict.broken
        print(f"audit log does not match checkpoint {cp.line()}: {verdict.reason}", file=sys.stderr)
    return 1


def _redis_checkpoints(settings) -> tuple[list[audit_anchor.Checkpoint], str]:
    """The checkpoints kept in Redis, if this configuration reaches one."""
    import redis

    url = settings.redis_url if settings else None
    marker = settings.data_dir / "redis" / "url" if settings else None
    if not url and marker is not None and marker.exists():
        url = marker.read_text().strip()
    if not url:
        return [], "no Redis configured"
    try:
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2)
        return audit_anchor.stored(client), "from Redis"
    except redis.RedisError as exc:
        return [], f"Redis unreachable: {exc}"


def _export(Session, args: argparse.Namespace) -> int:  # noqa: N803
    try:
        period = parse_period({"from": args.from_, "to": args.to})
    except PeriodError as exc:
        print(f"error: --{exc.field}: {exc}", file=sys.stderr)
        return 2
    with Session() as s:
        args.unit = args.unit or root_code(s)
        if s.get(Unit, args.unit) is None:
            print(f"error: --unit: unknown unit code {args.unit!r}", file=sys.stderr)
            return 2
        audit_export.export_csv(s, sys.stdout, args.unit, period.utc_start, period.utc_end)
    return 0
