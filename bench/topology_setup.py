"""Database set-up before the topology starts: create the PostgreSQL database if missing, upgrade
the schema, seed the demo world when empty, issue a simulator and a city-wall token."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.core.config import load_settings
from dashboard.core.db import engine_for, session_factory, upgrade
from dashboard.ops.runner_setup import issue_run_tokens, seed_if_empty


def create_database(url: str) -> str:
    """Create the PostgreSQL database named in url unless it exists; the normalised URL."""
    settings = load_settings({"DASHBOARD_DATABASE_URL": url})
    url = settings.effective_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname=:n"),
                                {"n": parsed.database}).scalar():
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()
    return url


def prepare(topology, seed: bool = True) -> dict[str, str]:
    """Schema, demo world (unless seed is False) and tokens; tokens are also kept in the workdir."""
    from bench.topology import save

    topology.database_url = create_database(topology.database_url)
    save(topology)
    engine = engine_for(load_settings({"DASHBOARD_DATABASE_URL": topology.database_url}))
    try:
        upgrade(engine)
        if seed:
            seed_if_empty(engine)
        tokens = issue_run_tokens(session_factory(engine))
    finally:
        engine.dispose()
    path = topology.workdir / "tokens.json"
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)
    return tokens
