"""What `run` does before it starts the children: schema, demo world, tokens, accounts to show."""

from __future__ import annotations

from dashboard.core.config import Settings
from dashboard.core.db import engine_for, session_factory, upgrade
from dashboard.core.principal import issue_token, revoke_token
from dashboard.core.timeutil import utcnow
from dashboard.core.units import NoRootError, root_code
from dashboard.demo.accounts import demo_accounts
from dashboard.demo.seed import seed_world, world_is_seeded
from dashboard.ops.server import display_url

SIM_TOKEN_NAME = "run-simulator"
WALL_TOKEN_NAME = "run-wall-city"


def seed_if_empty(engine) -> None:
    """Seed the demo world (with a progress bar) unless the database already holds one."""
    if world_is_seeded(engine):
        return
    print("seeding the demo world (first start only) ...", flush=True)
    seed_world(engine, progress=True)


def issue_run_tokens(Session) -> dict[str, str]:  # noqa: N803 - a session factory
    """Fresh tokens for this run's simulator and for a city wall; earlier runs' are revoked."""
    now = utcnow()
    with Session.begin() as s:
        try:
            root = root_code(s)
        except NoRootError:
            print("no city unit in the database: no tokens issued", flush=True)
            return {}
        tokens = {}
        for key, name, role, wall in (("simulator", SIM_TOKEN_NAME, "system", None),
                                      ("wall", WALL_TOKEN_NAME, "wall", "/wall/city")):
            revoke_token(s, name, now)
            tokens[key] = issue_token(s, name, role, root, wall_path=wall, now=now)
    return tokens


def prepare_database(settings: Settings) -> dict[str, str]:
    """Upgrade the schema, seed if empty, and issue this run's tokens."""
    engine = engine_for(settings)
    try:
        upgrade(engine)
        print(f"database: {engine.url.render_as_string(hide_password=True)}", flush=True)
        seed_if_empty(engine)
        return issue_run_tokens(session_factory(engine))
    finally:
        engine.dispose()


def demo_lines(settings: Settings, tokens: dict[str, str]) -> list[str]:
    """Lines telling people how to get in: the demo log-in accounts and the wall link this run
    created."""
    base = display_url(settings.host, settings.port)
    lines = ["demo accounts (log in at /login):"]
    engine = engine_for(settings)
    try:
        for line in demo_accounts(session_factory(engine)):
            # Wall lines carry a path; people want something to click.
            lines.append("  " + line.replace(": /", f": {base}/", 1) if line.startswith("wall ")
                         else "  " + line)
    finally:
        engine.dispose()
    if tokens.get("wall"):
        lines.append(f"city wall: {base}/wall/city?token={tokens['wall']}")
    return lines
