"""Screens that go offline: 30 s and 5 min (they get what they missed from the streams) and longer
than the stream retention (they are told `resynced` and their snapshot holds everything)."""

from __future__ import annotations

import time

import pytest
import redis
import requests

from dashboard.contract import schema
from tests.fault.conftest import assert_no_loss, loss_report, settle
from tests.fault.test_workers import group_done, wait
from tests.fault.traffic import Ledger, burst

pytestmark = [pytest.mark.fault, pytest.mark.slow]


# The five-minute absence runs under `make fault` only (marked `long`): CI runs the rest.
@pytest.mark.parametrize("seconds", [30, pytest.param(300, marks=pytest.mark.long)], ids=["30s", "5min"])
def test_a_screen_offline_gets_everything_it_missed(env, seconds):
    watcher, away = env.screen(1), env.screen(2, f"offline-{seconds}s@web-2")
    burst(env.poster, env.ledger, incidents=10)
    assert not away.wait_keys(set(env.ledger.keys))
    away.go_offline()
    started = time.monotonic()
    while time.monotonic() - started < seconds:  # incidents keep coming while it is away
        burst(env.poster, env.ledger, incidents=2, threads=2)
        time.sleep(1)
    away.open()  # subscribes with its last ids
    assert away.resumes[-1]["resynced"] is False
    counts = loss_report(f"a screen offline for {seconds} s", env, env.ledger, [watcher, away])
    assert_no_loss(counts)


def snapshot_states(url: str, token: str) -> dict[str, str]:
    """What a screen re-fetches after a resync: the unit's incidents and their states."""
    states, before = {}, None
    while True:
        params = {"unit": "putian", "limit": 500, **({"before": before} if before else {})}
        reply = requests.get(url + "/api/v1/incidents", params=params, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        reply.raise_for_status()
        body = reply.json()
        states.update({item["id"]: item["state"] for item in body["items"]})
        before = body.get("next")
        if not before:
            return states


def test_a_screen_offline_longer_than_retention_is_resynced_and_its_snapshot_holds_everything(env):
    r = redis.Redis.from_url(env.topology.redis_url, decode_responses=True)
    away = env.screen(2, "offline-past-retention@web-2")
    burst(env.poster, env.ledger, incidents=5)
    assert not away.wait_keys(set(env.ledger.keys))
    away.go_offline()
    missed = Ledger()
    burst(env.poster, missed, incidents=40)
    settle(env, missed)
    wait(lambda: group_done(r, schema.GROUP_PERSIST) and group_done(r, schema.GROUP_SUPERVISE),
         "both groups to finish")
    # What MAXLEN retention does once enough newer entries exist (100,000 for feed:incidents):
    # the entries the screen missed are gone from the stream (all of them already persisted).
    r.xtrim(schema.INCIDENTS, maxlen=3, approximate=False)
    away.open()
    assert away.resumes[-1]["resynced"] is True
    states = snapshot_states(env.topology.url, env.tokens["duty"])  # a wall reads through its page
    dispatched = {key.split(":")[0] for key in missed.keys if not key.endswith(":v1")}
    wrong = [iid for iid in missed.incidents
             if states.get(iid) != ("dispatched" if iid in dispatched else "reported")]
    print(f"\n[fault] screen offline past retention: missed {len(missed.incidents)} incidents, "
          f"resynced={away.resumes[-1]['resynced']}, missing or stale in its snapshot: {len(wrong)}",
          flush=True)
    assert not wrong
    assert_no_loss(loss_report("past retention (database side)", env, missed, []) | {
        "missing_on_screens": {}})
