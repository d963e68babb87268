"""Issue 14 (7): failed log-ins slow down the (account, address) pair with growing delays and lock no
one out: a correct password from another address always works, and successes are never counted."""

from __future__ import annotations

import re

import pytest

from dashboard.auth.throttle import ADDRESS_FREE, PAIR_FREE, PREFIX, delay_after
from tests.security.browser import PASSWORD, login

WAIT = re.compile(r"(\d+) 秒后再试")


def from_address(site, address: str):
    """A browser whose connection comes from this address."""
    client = site.app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def rewind(redis_client, seconds: float) -> None:
    """Move every recorded failure this many seconds into the past (instead of sleeping)."""
    for key in redis_client.scan_iter(PREFIX + "*"):
        redis_client.hset(key, "at", float(redis_client.hget(key, "at")) - seconds)


def waits(response) -> int | None:
    """The seconds a 429 page asks the user to wait, or None for another answer."""
    found = WAIT.search(response.get_data(as_text=True))
    return int(found.group(1)) if response.status_code == 429 and found else None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_failures_grow_the_pairs_delay_and_never_lock_the_owner_out(site, redis_client):
    attacker = from_address(site, "10.0.0.66")
    for _ in range(PAIR_FREE):
        assert login(attacker, "zhenhai", "guess guess").status_code == 401
    assert waits(login(attacker, "zhenhai")) == 1  # even the right password waits from there
    for expected in (2, 4, 8):
        rewind(redis_client, expected)
        assert login(attacker, "zhenhai", "guess guess").status_code == 401
        assert waits(login(attacker, "zhenhai", "guess again")) == expected
    # The owner, from the center's address, is not held up by any of it.
    assert login(from_address(site, "10.0.0.8"), "zhenhai").status_code == 303
    assert delay_after(100, PAIR_FREE) == 15 * 60  # capped: a delay, never a lock-out


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_guessing_from_many_addresses_never_locks_the_account(site):
    for i in range(10):
        guesser = from_address(site, f"10.1.0.{i}")
        for _ in range(PAIR_FREE):
            assert login(guesser, "zhenhai", "guess guess").status_code == 401
    assert login(from_address(site, "10.0.0.8"), "zhenhai").status_code == 303


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_spraying_many_names_slows_that_address_only(site, redis_client):
    sprayer = from_address(site, "10.0.0.66")
    for i in range(ADDRESS_FREE):
        assert login(sprayer, f"name-{i}", "guess guess").status_code == 401
    assert waits(login(sprayer, "boss")) == 1
    assert login(from_address(site, "10.0.0.8"), "boss").status_code == 303
    rewind(redis_client, 2)
    assert login(sprayer, "boss", PASSWORD).status_code == 303  # the delay passed: in it goes
