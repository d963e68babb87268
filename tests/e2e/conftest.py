"""Browser-test fixtures: the seeded world served by real processes, a Chromium page per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from bench.browser import chromium, log_in
from dashboard.auth.accounts import create_user
from dashboard.core.db import session_factory
from dashboard.core.principal import issue_token
from tests.conftest import BROWSER_BACKENDS, REDIS_URL, seeded_world
from tests.e2e.stack import free_port, running, stack_env, watch_console

PASSWORD = "e2e-password-0123456789"


@dataclass
class Stack:
    """A running product on the seeded world: its URL, database, an API token and a log-in."""

    base: str
    engine: Engine
    system_token: str
    username: str

    def url(self, path: str) -> str:
        """A screen URL."""
        return f"{self.base}{path}"


@pytest.fixture(scope="module", params=BROWSER_BACKENDS)
def stack(request, world_dir: Path, tmp_path_factory) -> Iterator[Stack]:
    """serve + ingest + fanout on the seeded world of each backend, with a flushed test Redis."""
    engine = seeded_world(request.param, world_dir)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    username = f"e2e-leader-{uuid.uuid4().hex[:8]}"
    with session_factory(engine).begin() as s:
        system = issue_token(s, "e2e-system", "system", "putian")
        create_user(s, username, PASSWORD, "leader", "putian")
    data_dir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    env = stack_env(engine.url.render_as_string(hide_password=False), REDIS_URL, data_dir, free_port())
    with running(env) as base:
        yield Stack(base=base, engine=engine, system_token=system, username=username)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def browser(stack) -> Iterator:
    """One headless Chromium per module."""
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, stack):
    """A fresh 1920×1080 page, logged in as a city leader; the test fails on any console error."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    pg = context.new_page()
    log_in(pg, stack.base, stack.username, PASSWORD)
    pg.console_errors = watch_console(pg)
    yield pg
    errors = list(pg.console_errors)
    context.close()
    assert not errors, f"browser console errors: {errors}"
