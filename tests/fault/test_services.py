"""Redis killed and restarted from its AOF, PostgreSQL crashed and restarted, and the Socket.IO
message-queue connections cut, each during a burst: nothing accepted is lost or doubled."""

from __future__ import annotations

import time

import pytest
import redis

from dashboard.contract import schema
from dashboard.core.extensions import socketio_channel
from tests.fault.conftest import assert_no_loss, loss_report
from tests.fault.traffic import burst, in_background

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def under_way(screens) -> None:
    screens[0].wait(lambda: len(screens[0].keys) >= 20, "the burst under way")


def test_redis_killed_and_restarted_from_its_aof_during_a_burst(env):
    screens = [env.screen(1), env.screen(2)]
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=200, threads=3)
    under_way(screens)
    env.topology.signal("redis")  # kill -9; with appendfsync always every acknowledged write is on disk
    time.sleep(2)
    env.topology.start("redis")
    thread.join(300)
    assert not errors, errors
    counts = loss_report("Redis kill -9 and restart (AOF) during a burst", env, env.ledger, screens)
    assert_no_loss(counts)
    assert redis.Redis.from_url(env.topology.redis_url).xlen(schema.DEAD) == 0


def test_postgresql_crashed_and_restarted_during_a_burst(env):
    screens = [env.screen(1), env.screen(2)]
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=200, threads=3)
    under_way(screens)
    env.cluster.stop("immediate")  # a crash: the restart replays the WAL
    time.sleep(2)
    env.cluster.start()
    thread.join(300)
    assert not errors, errors
    counts = loss_report("PostgreSQL crash and restart during a burst", env, env.ledger, screens)
    assert_no_loss(counts)
    assert redis.Redis.from_url(env.topology.redis_url).xlen(schema.DEAD) == 0


def test_web_processes_resubscribe_to_the_message_queue_after_their_connections_are_cut(env):
    r = redis.Redis.from_url(env.topology.redis_url, decode_responses=True)
    channel = socketio_channel(env.topology.redis_url)
    screens = [env.screen(1), env.screen(2)]
    assert r.pubsub_numsub(channel)[0][1] == 2  # one listener per web process
    thread, errors = in_background(burst, env.poster, env.ledger, incidents=200, threads=3)
    under_way(screens)
    cut = r.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    deadline = time.monotonic() + 60
    while r.pubsub_numsub(channel)[0][1] < 2:
        assert time.monotonic() < deadline, "the web processes did not resubscribe"
        time.sleep(0.05)
    thread.join(300)
    assert not errors, errors
    counts = loss_report(f"{cut} message-queue connections cut during a burst", env, env.ledger, screens)
    assert cut == 2
    assert_no_loss(counts)
