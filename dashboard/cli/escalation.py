"""escalation: list and change the escalation policies (how long an alert may wait unacknowledged
at each desk before it moves up by itself). Changes are audited as done by "cli"."""

from __future__ import annotations

import argparse
import sys

from dashboard.core.config import Settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.escalation import TIMED_LEVELS, PolicyError, policies, set_policy
from dashboard.core.models import ALERT_KINDS
from dashboard.core.timeutil import utcnow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of escalation."""
    sub = parser.add_subparsers(dest="escalation_command", metavar="COMMAND")
    sub.required = True
    sub.add_parser("list", help="list the policies: minutes at the village, town and district desks")
    change = sub.add_parser("set", help="change one policy's minutes at some levels")
    change.add_argument("kind", choices=ALERT_KINDS)
    change.add_argument("severity", type=int, choices=(1, 2, 3, 4))
    for level in TIMED_LEVELS:
        change.add_argument(f"--{level}", type=int, metavar="MIN",
                            help=f"minutes an alert may wait at the {level} desk")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen escalation sub-command."""
    engine = engine_for(settings)
    try:
        return run(session_factory(engine, settings.audit_key()), args)
    finally:
        engine.dispose()


def run(Session, args: argparse.Namespace) -> int:  # noqa: N803 - a session factory
    """List or set; 2 for refused input (the message names the option)."""
    if args.escalation_command == "list":
        with Session() as s:
            print("kind\tseverity\t" + "\t".join(TIMED_LEVELS) + "\tupdated_by")
            for p in policies(s):
                print(f"{p.kind}\t{p.severity}\t" + "\t".join(str(p.minutes[lv]) for lv in TIMED_LEVELS)
                      + f"\t{p.updated_by or '-'}")
        return 0
    minutes = {lv: getattr(args, lv) for lv in TIMED_LEVELS if getattr(args, lv) is not None}
    if not minutes:
        print("error: give at least one of --village, --town, --district", file=sys.stderr)
        return 2
    try:
        with Session.begin() as s:
            p = set_policy(s, args.kind, args.severity, minutes, actor="cli", now=utcnow())
            print(f"{p.kind} severity {p.severity}: " +
                  ", ".join(f"{lv} {p.minutes[lv]} min" for lv in TIMED_LEVELS))
    except PolicyError as exc:
        print(f"error: --{exc.field}: {exc}", file=sys.stderr)
        return 2
    return 0
