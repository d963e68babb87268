"""`users sessions NAME`, `users end-sessions NAME` and `users tokens [list | rotate NAME | revoke NAME]`:
the log-in sessions of an account (or of a wall token's screens) and the tokens' lifecycle. Every
change is audited."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from dashboard.auth.sessions import end_sessions_of, sessions_of
from dashboard.core import audit
from dashboard.core.models import ApiToken, User
from dashboard.core.principal import TOKEN_DAYS, issue_token, revoke_token
from dashboard.core.timeutil import LOCAL_TZ, utcnow

COMMANDS = ("sessions", "end-sessions", "tokens")



def revoke(Session, name: str) -> int:  # noqa: N803 - a session factory
    """Revoke every live token of that name (audited); 1 when there was none."""
    with Session.begin() as s:
        n = revoke_token(s, name, utcnow())
        if n:
            audit.append(s, "cli", "token.revoke", target=name, detail={"tokens": n})
    print(f"revoked {n} token(s) of {name}")
    return 0 if n else 1

def _local(value) -> str:
    return f"{value.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}" if value else "-"


def add_arguments(sub) -> None:
    """Register the session and token-lifecycle sub-commands."""
    sub.add_parser("sessions", help="list the open log-in sessions of an account (or a wall token's)"
                   ).add_argument("name")
    sub.add_parser("end-sessions", help="end every open session of an account (or a wall token's)"
                   ).add_argument("name")
    tokens = sub.add_parser("tokens", help="list tokens with their expiry; rotate or revoke a name's")
    tokens.add_argument("action", nargs="?", default="list", choices=("list", "rotate", "revoke"))
    tokens.add_argument("name", nargs="?", help="the tokens' name (rotate, revoke)")
    tokens.add_argument("--days", type=int, default=TOKEN_DAYS,
                        help=f"lifetime of the rotated token in days (default {TOKEN_DAYS})")


def run(Session, args: argparse.Namespace) -> int:  # noqa: N803 - a session factory
    """Run one of these sub-commands; 2 for refused input, 1 when there was nothing to act on."""
    command = args.users_command
    if command == "tokens":
        return _tokens(Session, args)
    with Session.begin() as s:
        known = s.scalar(select(User.id).where(User.username == args.name)) is not None or \
            s.scalar(select(ApiToken.id).where(ApiToken.name == args.name)) is not None
        if not known:
            print(f"error: NAME: no account or token named {args.name!r}", file=sys.stderr)
            return 2
        if command == "sessions":
            rows = sessions_of(s, args.name)
            for row in rows:
                print(f"{row.id}\t{row.kind}\tsince {_local(row.created_at)}\tlast seen {_local(row.seen_at)}"
                      f"\t{row.source_ip or '-'}\t{row.user_agent or '-'}")
            print(f"{len(rows)} open session(s) of {args.name}")
            return 0
        ended = end_sessions_of(s, args.name, "ended by admin")
        audit.append(s, "cli", "session.end", target=args.name, detail={"sessions": ended})
    print(f"ended {ended} session(s) of {args.name}; open screens leave within seconds")
    return 0


def _tokens(Session, args: argparse.Namespace) -> int:  # noqa: N803
    if args.action == "list":
        with Session() as s:
            for tok in s.scalars(select(ApiToken).order_by(ApiToken.name, ApiToken.id)):
                status = f"revoked {_local(tok.revoked_at)}" if tok.revoked_at else \
                    "expired" if tok.expires_at and tok.expires_at <= utcnow() else "live"
                expires = _local(tok.expires_at) if tok.expires_at else "never"
                print(f"{tok.name}\t{tok.role}\t{tok.unit_code}\t{tok.wall_path or '-'}\tissued "
                      f"{_local(tok.created_at)}\texpires {expires}\tlast used {_local(tok.last_used_at)}"
                      f"\t{status}")
        return 0
    if not args.name:
        print(f"error: NAME: `users tokens {args.action}` needs the tokens' name", file=sys.stderr)
        return 2
    if args.action == "revoke":
        return revoke(Session, args.name)
    if not 1 <= args.days <= 3650:
        print(f"error: --days: must be 1-3650, got {args.days}", file=sys.stderr)
        return 2
    with Session.begin() as s:
        live = s.scalars(select(ApiToken).where(ApiToken.name == args.name, ApiToken.revoked_at.is_(None))
                         .order_by(ApiToken.id.desc())).first()
        if live is None:
            print(f"error: NAME: no live token named {args.name!r}", file=sys.stderr)
            return 1
        revoke_token(s, args.name, utcnow())
        token = issue_token(s, live.name, live.role, live.unit_code, live.department_code, live.wall_path,
                            days=args.days)
        audit.append(s, "cli", "token.rotate", target=args.name, unit_code=live.unit_code,
                     detail={"role": live.role, "days": args.days})
    opens = f"; open {live.wall_path}?token=<token> on the wall once" if live.wall_path else ""
    print(f"rotated the token of {args.name} ({live.role}, unit {live.unit_code}, {args.days} days){opens}; "
          "the old one no longer works. Shown once:")
    print(token)
    return 0
