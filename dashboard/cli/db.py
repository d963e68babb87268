"""init-db: create or upgrade the schema."""

from __future__ import annotations

import argparse

from dashboard.core.config import Settings
from dashboard.core.db import drop_all, engine_for, upgrade


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of init-db."""
    parser.add_argument("--reset", action="store_true",
                        help="drop every table first (destroys all data)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Create or upgrade the schema of the configured database."""
    engine = engine_for(settings)
    if args.reset:
        drop_all(engine)
    upgrade(engine)
    print(f"database ready: {engine.url.render_as_string(hide_password=True)}")
    return 0
