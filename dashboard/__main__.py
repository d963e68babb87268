"""Command line: python -m dashboard <verb>. Each verb has --help."""

from __future__ import annotations

import argparse
import importlib
import sys

from dashboard.core.config import SettingsError, load_settings

VERBS = {
    "init-db": ("dashboard.cli.db", "create or upgrade the database schema"),
    "seed": ("dashboard.demo.seed", "seed the demo world (units, people, catalogue, 2018 history)"),
    "serve": ("dashboard.ops.server", "serve the web app, API and Socket.IO"),
    "ingest": ("feeds.persister", "consume the feeds into the database and live state"),
    "supervise": ("feeds.supervisor", "watch stage deadlines, open and escalate supervision, raise alerts"),
    "fanout": ("feeds.fanout", "push stream entries to screens through Socket.IO rooms"),
    "simulate": ("feeds.simulator", "drive the intake API with a believable city"),
    "run": ("dashboard.ops.runner", "start everything in one process tree"),
    "users": ("dashboard.cli.users", "manage log-in accounts and API/wall tokens"),
    "escalation": ("dashboard.cli.escalation", "list and change the escalation policies (minutes per desk)"),
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; each verb module adds its own arguments."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Grid-governance command center (莆田市网格化指挥中心大屏).",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb, (module_name, help_text) in VERBS.items():
        p = sub.add_parser(verb, help=help_text, description=help_text)
        importlib.import_module(module_name).add_arguments(p)
        p.set_defaults(_module=module_name)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load settings, run the verb; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # a setting refused at load or when the verb starts: one line naming the variable
        settings = load_settings()
        return int(importlib.import_module(args._module).main(args, settings) or 0)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
