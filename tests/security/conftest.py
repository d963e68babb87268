"""The security tests' site: the real app (real Redis; SQLite and PostgreSQL through tests/conftest.py)
with a town duty officer and a city administrator."""

from __future__ import annotations

import pytest

from tests.integration.auth_world import add_account, build
from tests.security.browser import make_site


@pytest.fixture
def site(engine, Session, redis_client, tmp_path):  # noqa: N803
    """The app with `zhenhai` (duty, 镇海街道) and `boss` (admin, city)."""
    build(Session)
    add_account(Session, "zhenhai", "duty", "licheng-zhenhai")
    add_account(Session, "boss", "admin", "putian")
    return make_site(engine, Session, redis_client, tmp_path)
