"""The fan-out loop against real Redis with a recording emitter and a hand-driven clock."""

from __future__ import annotations

import threading

import pytest
import redis

from dashboard.contract import schema
from dashboard.contract.keys import FANOUT_CURSOR, heartbeat
from dashboard.ops.fanout_stats import read_counts, read_latency
from dashboard.ops.redis_server import EmbeddedRedis
from feeds.fanout import Fanout
from tests.integration.realtime_support import CHENGXIANG_GRID, LICHENG_GRID, wait_until, xadd


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pushes():
    """A list the emitter appends (event, payload, rooms) to."""
    return []


def make(redis_client, pushes, clock):
    fanout = Fanout(redis_client, lambda event, payload, rooms: pushes.append((event, payload, rooms)),
                    clock=clock)
    assert fanout.acquire()
    return fanout


def positions_entry(r, step: int, staff_chains) -> str:
    positions = [{"staff": staff, "ts": f"2026-11-27T10:00:{step:02d}+00:00", "lat": 25.4, "lon": 119.0,
                  "grid": chain[-1], "role": "patrol", "units": chain} for staff, chain in staff_chains]
    return xadd(r, schema.POSITIONS, schema.T_POSITIONS, ["putian"], positions=positions)


def test_feed_entries_go_at_once_to_every_unit_room(redis_client, pushes):
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    entry = xadd(redis_client, schema.SUPERVISION, "supervision.opened", LICHENG_GRID, id=3)
    assert fanout.step(100) == 1
    assert pushes == [("feed", {"stream": "supervision", "id": entry, "type": "supervision.opened",
                                "data": {"id": 3, "units": LICHENG_GRID}},
                       [f"unit:{u}" for u in LICHENG_GRID])]


def test_positions_are_coalesced_and_only_sent_to_watched_rooms(redis_client, pushes):
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    redis_client.zadd("live:rooms", {"licheng": clock.now, "putian": clock.now,
                                     "chengxiang": clock.now - 3600})  # nobody there for an hour
    fanout.refresh_rooms(clock.now)
    for step in range(3):
        last = positions_entry(redis_client, step, [("s1", LICHENG_GRID), ("s2", CHENGXIANG_GRID)])
    fanout.step(100)
    assert pushes == []  # positions wait for the flush
    fanout.flush(clock.now)
    rooms = {tuple(r): p for e, p, r in pushes}
    assert set(rooms) == {("positions:licheng",), ("positions:putian",)}
    assert rooms[("positions:licheng",)]["id"] == last
    assert [(p["staff"], p["ts"]) for p in rooms[("positions:licheng",)]["positions"]] == [
        ("s1", "2026-11-27T10:00:02+00:00")]
    assert sorted(p["staff"] for p in rooms[("positions:putian",)]["positions"]) == ["s1", "s2"]
    assert all("units" not in p for p in rooms[("positions:putian",)]["positions"])


def test_while_positions_flow_every_screen_gets_one_pulse_a_second(redis_client, pushes):
    # The city's map counts people instead of drawing them and joins no positions room; the pulse
    # is what tells it (and any quiet screen) that the data is live. No room wants positions here.
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    fanout.refresh_rooms(clock.now)
    assert fanout.rooms == set()
    last = None
    for tick in range(30):  # 3 s of entries, one every 100 ms
        clock.now = 1_000.0 + tick * 0.1
        last = positions_entry(redis_client, tick, [("s1", LICHENG_GRID)])
        fanout.step(1)
        if fanout.pulse_due(clock.now):
            fanout.pulse(clock.now)
    pulses = [(p, r) for e, p, r in pushes if e == "pulse"]
    assert [e for e, _, _ in pushes if e != "pulse"] == []  # no positions: nobody draws them
    assert 3 <= len(pulses) <= 4
    assert all(r == ["live:pulse"] and set(p) == {"positions"} for p, r in pulses)
    clock.now += 1  # the newest entry read is in the next pulse
    if fanout.pulse_due(clock.now):
        fanout.pulse(clock.now)
    assert [p for e, p, _ in pushes if e == "pulse"][-1] == {"positions": last}
    count = len(pushes)
    clock.now += 5  # positions stopped: no more pulses, so screens see their data age
    fanout.step(1)
    assert not fanout.pulse_due(clock.now)
    assert len(pushes) == count


def test_at_most_four_pushes_a_second_per_room(redis_client, pushes):
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    redis_client.zadd("live:rooms", {"licheng": clock.now})
    fanout.refresh_rooms(clock.now)
    flushed_at = []
    for tick in range(40):  # 2 s of entries, one every 50 ms
        clock.now = 1_000.0 + tick * 0.05
        positions_entry(redis_client, tick % 60, [("s1", LICHENG_GRID)])
        fanout.step(1)
        if fanout.flush_due(clock.now):
            fanout.flush(clock.now)
            flushed_at.append(clock.now)
    assert len(pushes) == len(flushed_at) <= 8
    gaps = [b - a for a, b in zip(flushed_at, flushed_at[1:], strict=False)]
    assert all(gap >= 0.25 - 1e-9 for gap in gaps)


def test_fresh_start_begins_at_the_end_and_a_restart_continues(redis_client, pushes):
    old = xadd(redis_client, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="old")
    clock = Clock(1_000.0)
    first = make(redis_client, pushes, clock)
    assert first.cursor[schema.INCIDENTS] == old  # `$`: what came before is not pushed
    a = xadd(redis_client, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="a")
    first.step(100)
    first.stop()  # saves the cursor and hands the lock back
    assert redis_client.hget(FANOUT_CURSOR, schema.INCIDENTS) == a
    assert redis_client.get(heartbeat("fanout"))
    b = xadd(redis_client, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="b")
    second = make(redis_client, pushes, clock)
    second.step(100)
    assert [p["id"] for e, p, _ in pushes] == [a, b]


def test_a_second_fanout_stands_by_while_the_first_holds_the_lock(redis_client, pushes):
    clock = Clock(1_000.0)
    first = make(redis_client, pushes, clock)
    standby = Fanout(redis_client, lambda *a: pushes.append(a), clock=clock)
    assert standby.acquire() is False
    first.stop()
    assert standby.acquire() is True


def test_counters_and_latency_reach_redis(redis_client, pushes):
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    xadd(redis_client, schema.ALERTS, "alert.raised", CHENGXIANG_GRID, id=1)
    redis_client.xadd(schema.ALERTS, {"type": "alert.raised", "data": "not json"})
    clock.now = redis_client.time()[0] + 2.0
    fanout.step(100)
    fanout.housekeeping(clock.now)
    counts = read_counts(redis_client)
    assert counts["events:alerts"] == 2 and counts["malformed"] == 1 and counts["pushes:feed"] == 1
    buckets, total, count = read_latency(redis_client, "feed")
    assert count == 1 and buckets[-1] == (float("inf"), 1) and total > 0


def test_fanout_survives_a_redis_restart_without_losing_entries(tmp_path, pushes):
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    r = redis.Redis.from_url(url, decode_responses=True)
    fanout = Fanout(r, lambda event, payload, rooms: pushes.append(payload["id"]))
    stop = threading.Event()
    thread = threading.Thread(target=fanout.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: fanout.active, "the fan-out to start")
        before = [xadd(r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"b{i}") for i in range(3)]
        wait_until(lambda: set(before) <= set(pushes), "the entries before the restart")
        wait_until(lambda: r.hget(FANOUT_CURSOR, schema.INCIDENTS) == before[-1], "the cursor to be saved")
        server.stop()
        again = EmbeddedRedis(tmp_path)
        again.port = server.port
        again.start()
        server = again
        after = [xadd(r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"a{i}") for i in range(3)]
        wait_until(lambda: set(after) <= set(pushes), "the entries after the restart")
    finally:
        stop.set()
        thread.join(10)
        server.stop()
    first_seen = list(dict.fromkeys(pushes))
    assert first_seen == before + after


def test_a_stale_positions_backlog_is_skipped_but_incidents_are_not(redis_client, pushes):
    clock = Clock(1_000.0)
    fanout = make(redis_client, pushes, clock)
    redis_client.zadd("live:rooms", {"licheng": clock.now})
    fanout.refresh_rooms(clock.now)
    old = [positions_entry(redis_client, i, [("s1", LICHENG_GRID)]) for i in range(3)]
    incident = xadd(redis_client, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="late")
    clock.now = redis_client.time()[0] + 120  # the fan-out comes back two minutes later
    fanout.step(100)
    assert fanout.cursor[schema.POSITIONS] == old[-1]
    assert fanout.pending == {}
    assert [p["id"] for e, p, _ in pushes] == [incident]  # incidents are never skipped
    fresh = positions_entry(redis_client, 9, [("s1", LICHENG_GRID)])
    clock.now = redis_client.time()[0] + 1
    fanout.step(100)
    fanout.flush(clock.now)
    assert pushes[-1][1]["id"] == fresh
