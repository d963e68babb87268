"""kill -9 of each worker type during a burst: nothing accepted is lost or doubled."""

from __future__ import annotations

import signal
import time

import pytest
import redis

from dashboard.contract import schema
from tests.fault.conftest import assert_no_loss, loss_report
from tests.fault.traffic import burst, in_background

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def pending_of(r: redis.Redis, group: str, consumer: str) -> int:
    """Entries of feed:incidents delivered to that consumer and not yet acknowledged."""
    try:
        return r.xpending_range(schema.INCIDENTS, group, min="-", max="+", count=100_000,
                                consumername=consumer).__len__()
    except redis.ResponseError:  # no group yet
        return 0


def group_done(r: redis.Redis, group: str) -> bool:
    """The group has read and acknowledged every entry of feed:incidents."""
    info = {g["name"]: g for g in r.xinfo_groups(schema.INCIDENTS)}.get(group)
    return info is not None and info["pending"] == 0 and not info.get("lag")


def wait(predicate, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def kill_while_holding(topology, r: redis.Redis, name: str, timeout_s: float = 120) -> int:
    """kill -9 an ingest process at a moment it holds unacknowledged entries; how many it held.
    It is frozen (SIGSTOP) before its pending entries are counted, so the count is what it had."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pending_of(r, schema.GROUP_PERSIST, f"{name}-incidents") > 0:
            topology.signal(name, signal.SIGSTOP)
            held = pending_of(r, schema.GROUP_PERSIST, f"{name}-incidents")
            if held > 0:
                topology.signal(name, signal.SIGKILL)
                return held
            topology.signal(name, signal.SIGCONT)  # it acknowledged in between; try again
        time.sleep(0.01)
    raise AssertionError(f"{name} never held entries")


def test_a_killed_ingest_consumer_leaves_its_pending_entries_to_the_other(env):
    r = redis.Redis.from_url(env.topology.redis_url, decode_responses=True)
    screen = env.screen(1)
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=300, threads=3)
    orphaned = kill_while_holding(env.topology, r, "ingest-1")
    thread.join(300)
    assert not errors, errors
    counts = loss_report(f"ingest-1 killed holding {orphaned} entries", env, env.ledger, [screen])
    wait(lambda: group_done(r, schema.GROUP_PERSIST), "the persist group to finish")
    assert pending_of(r, schema.GROUP_PERSIST, "ingest-1-incidents") == 0  # ingest-2 took them
    claimed = int(r.hget("live:worker:ingest:ingest-2-incidents", "claimed") or 0)
    print(f"[fault] ingest-2 claimed {claimed} entries (XAUTOCLAIM)", flush=True)
    assert orphaned > 0 and claimed >= orphaned
    assert r.xlen(schema.DEAD) == 0
    assert_no_loss(counts)


@pytest.mark.parametrize("worker", ["fanout", "supervise"])
def test_a_killed_and_restarted_worker_loses_nothing(env, worker):
    r = redis.Redis.from_url(env.topology.redis_url, decode_responses=True)
    screens = [env.screen(1), env.screen(2)]
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=200, threads=3)
    screens[0].wait(lambda: len(screens[0].keys) >= 20, "the burst under way")
    env.topology.signal(worker)  # kill -9
    time.sleep(1)
    env.topology.start(worker)  # as systemd's Restart= would
    thread.join(300)
    assert not errors, errors
    counts = loss_report(f"{worker} killed and restarted during a burst", env, env.ledger, screens)
    wait(lambda: group_done(r, schema.GROUP_SUPERVISE), "the supervise group to finish")
    assert_no_loss(counts)
    assert all(n == 0 for n in counts["reconnects"].values())  # no web process was touched
