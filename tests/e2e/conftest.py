"""Browser-test fixtures: the seeded world served by real processes, a Chromium page per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from dashboard.db import session_factory
from dashboard.principal import issue_token
from tests.conftest import BACKENDS, REDIS_URL, seeded_world
from tests.e2e.stack import chromium, free_port, running, stack_env, watch_console


@dataclass
class Stack:
    """A running product on the seeded world: its URL, database, and tokens for the API and screens."""

    base: str
    engine: Engine
    system_token: str
    screen_token: str

    def url(self, path: str) -> str:
        """A screen URL carrying the screen token (as wall screens open theirs)."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.screen_token}"


@pytest.fixture(scope="module", params=BACKENDS)
def stack(request, world_dir: Path, tmp_path_factory) -> Iterator[Stack]:
    """serve + ingest + fanout on the seeded world of each backend, with a flushed test Redis."""
    engine = seeded_world(request.param, world_dir)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    with session_factory(engine).begin() as s:
        system = issue_token(s, "e2e-system", "system")
        screen = issue_token(s, "e2e-wall", "wall")
    data_dir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    env = stack_env(engine.url.render_as_string(hide_password=False), REDIS_URL, data_dir, free_port())
    with running(env) as base:
        yield Stack(base=base, engine=engine, system_token=system, screen_token=screen)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def browser(stack) -> Iterator:
    """One headless Chromium per module."""
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A fresh 1920×1080 page; the test fails on any console error it logged."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    pg = context.new_page()
    pg.console_errors = watch_console(pg)
    yield pg
    errors = list(pg.console_errors)
    context.close()
    assert not errors, f"browser console errors: {errors}"
