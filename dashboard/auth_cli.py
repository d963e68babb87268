"""The account side of `python -m dashboard users`: add, passwd, disable, enable, list-accounts,
audit-verify and audit-export. Passwords come from standard input, never from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select

from dashboard import audit
from dashboard.auth_accounts import LOGIN_ROLES, AccountError, create_user, set_active, set_password
from dashboard.models import Unit, User
from dashboard.timeutil import PeriodError, parse_period

COMMANDS = ("add", "passwd", "disable", "enable", "list-accounts", "audit-verify", "audit-export")


def add_arguments(sub) -> None:
    """Register the account sub-commands on the `users` sub-parser set."""
    add = sub.add_parser("add", help="create a log-in account; the password is read from standard input")
    add.add_argument("name", help="the log-in name")
    add.add_argument("--role", required=True, choices=LOGIN_ROLES)
    add.add_argument("--unit", default="putian", help="jurisdiction unit code (default putian)")
    add.add_argument("--department", help="department code (liaison accounts)")
    add.add_argument("--display-name", default="", help="the name shown on screens")
    passwd = sub.add_parser("passwd", help="set a new password, read from standard input")
    passwd.add_argument("name")
    for verb, what in (("disable", "disable an account (its sessions end)"),
                       ("enable", "re-enable an account")):
        sub.add_parser(verb, help=what).add_argument("name")
    sub.add_parser("list-accounts", help="list log-in accounts (never the password hashes)")
    sub.add_parser("audit-verify", help="check the audit log's hash chain; exit 1 if broken")
    export = sub.add_parser("audit-export", help="write the audit log of a unit and period as CSV")
    export.add_argument("--unit", default="putian")
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


def run(Session, args: argparse.Namespace) -> int:  # noqa: N803 - a session factory
    """Run one account sub-command; 2 for refused input (the message names the field)."""
    command = args.users_command
    try:
        if command == "add":
            password = read_password()
            with Session.begin() as s:
                create_user(s, args.name, password, args.role, args.unit, args.department,
                            display_name=args.display_name)
            print(f"account {args.name} created ({args.role}, unit {args.unit})")
        elif command == "passwd":
            password = read_password()
            with Session.begin() as s:
                set_password(s, args.name, password)
            print(f"password of {args.name} changed; its open sessions have ended")
        elif command in ("disable", "enable"):
            with Session.begin() as s:
                set_active(s, args.name, command == "enable")
            print(f"account {args.name} {command}d")
        elif command == "list-accounts":
            _list(Session)
        elif command == "audit-verify":
            return _verify(Session)
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


def _verify(Session) -> int:  # noqa: N803
    with Session() as s:
        bad = audit.verify(s)
    if bad is None:
        print("audit log intact")
        return 0
    print(f"audit log broken at entry {bad}: it or its predecessor was changed", file=sys.stderr)
    return 1


def _export(Session, args: argparse.Namespace) -> int:  # noqa: N803
    try:
        period = parse_period({"from": args.from_, "to": args.to})
    except PeriodError as exc:
        print(f"error: --{exc.field}: {exc}", file=sys.stderr)
        return 2
    with Session() as s:
        if s.get(Unit, args.unit) is None:
            print(f"error: --unit: unknown unit code {args.unit!r}", file=sys.stderr)
            return 2
        audit.export_csv(s, sys.stdout, args.unit, period.utc_start, period.utc_end)
    return 0
