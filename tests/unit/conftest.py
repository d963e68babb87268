"""The unit layer runs without Redis, a database or a browser (`make test-unit`): a test here that
asks for one of the fixtures that open them is refused at collection; it belongs in
tests/integration."""

from __future__ import annotations

import pytest

SERVICE_FIXTURES = {"engine", "Session", "redis_client", "world", "services_for", "backend"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if used and "/tests/unit/" in str(item.path):
            raise pytest.UsageError(f"{item.nodeid} uses {', '.join(sorted(used))}: a unit test opens "
                                    "no database or Redis (move it to tests/integration)")
