"""Socket.IO end to end: real Redis, the real app served on a port, real WebSocket clients and
the fan-out loop; both databases (tokens and units live there)."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import pytest
import socketio

from dashboard.contract import keys, schema
from tests.integration.realtime_support import (
    CHENGXIANG_GRID,
    LICHENG_GRID,
    Screen,
    add_units,
    close_all,
    fanout_running,
    has_event,
    has_feed,
    served,
    tokens,
    wait_until,
    xadd,
)


@pytest.fixture
def live(engine, Session, services_for):
    """A served app over a two-district unit tree, with tokens; screens are closed afterwards."""
    add_units(Session)
    toks = tokens(Session)
    services = services_for(engine)
    screens: list[Screen] = []

    def screen(token_name: str | None = "city") -> Screen:
        s = Screen(url, toks[token_name] if token_name else None)
        screens.append(s)
        return s

    with served(services) as url:
        try:
            yield SimpleNamespace(url=url, r=services.redis, tokens=toks, screen=screen,
                                  redis_url=services.settings.redis_url)
        finally:
            close_all(screens)


def test_incident_reaches_its_district_and_not_another(live):
    licheng, chengxiang = live.screen(), live.screen()
    assert licheng.subscribe("licheng")["ok"] is True
    assert chengxiang.subscribe("chengxiang")["ok"] is True
    with fanout_running(live.redis_url):
        first = xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="inc-1", severity=3)
        second = xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, CHENGXIANG_GRID, id="inc-2")
        licheng.wait_for(has_feed(first), "the Licheng incident")
        chengxiang.wait_for(has_feed(second), "the Chengxiang incident")
    # The fan-out emits in stream order, so by the time Chengxiang's own entry arrived the
    # Licheng one would have too, had it been routed there.
    assert chengxiang.feed_ids() == [second]
    event = next(d for e, d in licheng.events if e == "feed" and d["id"] == first)
    assert event["stream"] == "incidents" and event["type"] == schema.T_REPORTED
    assert event["data"]["id"] == "inc-1" and event["data"]["units"] == LICHENG_GRID
    # The grid's own room and the city's room hear it too.
    grid, city = live.screen(), live.screen()
    grid.subscribe(LICHENG_GRID[-1])
    city.subscribe("putian")
    with fanout_running(live.redis_url):
        third = xadd(live.r, schema.ALERTS, "alert.raised", LICHENG_GRID, id=7, severity=4)
        grid.wait_for(has_feed(third), "the alert in the grid room")
        city.wait_for(has_feed(third), "the alert in the city room")


def test_away_screen_gets_exactly_what_it_missed_in_order(live):
    screen = live.screen()
    screen.subscribe("licheng")
    with fanout_running(live.redis_url):
        seen = [xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"a{i}") for i in (1, 2)]
        alert = xadd(live.r, schema.ALERTS, "alert.raised", LICHENG_GRID, id=4)
        screen.wait_for(lambda ev: all(has_feed(i)(ev) for i in [*seen, alert]), "the live events")
    screen.close()
    last = {"incidents": seen[-1], "supervision": None, "alerts": alert}
    missed = [
        xadd(live.r, schema.INCIDENTS, schema.T_TRANSITION, LICHENG_GRID, incident="a1", version=2),
        xadd(live.r, schema.SUPERVISION, "supervision.opened", LICHENG_GRID, id=1, incident="a2"),
    ]
    xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, CHENGXIANG_GRID, id="elsewhere")
    missed.append(xadd(live.r, schema.ALERTS, "alert.raised", LICHENG_GRID, id=5))
    missed.append(xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="a3"))

    back = live.screen()
    ack = back.subscribe("licheng", **last)
    resumed_at = next(i for i, (e, _) in enumerate(back.events) if e == "resumed")
    replayed = [d for e, d in back.events[:resumed_at] if e == "feed"]
    # A null last id means no history on that stream (the screen starts from its snapshot), so
    # the supervision item is not replayed; everything else after the last ids is, in order.
    # Order is promised within each stream; entries of different streams added in the same
    # millisecond have no defined order between them (screens sort by id anyway).
    per_stream = {}
    for d in replayed:
        per_stream.setdefault(d["stream"], []).append(d["id"])
    assert per_stream == {"incidents": [missed[0], missed[3]], "alerts": [missed[2]]}
    assert replayed[0]["data"] == {"incident": "a1", "version": 2, "units": LICHENG_GRID}
    assert ack["ok"] is True and ack["resynced"] is False
    assert ack["last"] == {"incidents": missed[3], "supervision": missed[1], "alerts": missed[2]}
    assert back.events[resumed_at][1] == {k: ack[k] for k in ("unit", "resynced", "last")}

    # With every last id given, the supervision item comes too; each stream stays in order.
    full = live.screen()
    full.subscribe("licheng", incidents=seen[-1], supervision="0-0", alerts=alert)
    by_stream = {}
    for event, data in full.events:
        if event == "feed":
            by_stream.setdefault(data["stream"], []).append(data["id"])
    assert by_stream == {"incidents": [missed[0], missed[3]], "supervision": [missed[1]],
                         "alerts": [missed[2]]}


def test_trimmed_gap_says_resynced(live):
    ids = [xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"t{i}") for i in range(5)]
    live.r.xtrim(schema.INCIDENTS, maxlen=2, approximate=False)  # ids[0..2] are gone
    lost = live.screen()
    ack = lost.subscribe("licheng", incidents=ids[1])
    assert ack["resynced"] is True
    assert lost.feed_ids() == []
    assert ack["last"]["incidents"] == ids[-1]
    # A screen that has the oldest retained entry has lost nothing.
    kept = live.screen()
    ack = kept.subscribe("licheng", incidents=ids[3])
    assert ack["resynced"] is False
    assert kept.feed_ids() == ids[4:]


def test_resume_sends_a_positions_snapshot_of_the_unit(live):
    def pos(grid: str) -> str:
        return json.dumps({"lat": 25.43, "lon": 119.01, "ts": "2026-11-27T10:00:00+00:00", "grid": grid,
                           "role": "patrol"})

    live.r.hset(keys.LATEST_POSITIONS, mapping={"s1": pos(LICHENG_GRID[-1]), "s2": pos(CHENGXIANG_GRID[-1])})
    screen = live.screen()
    screen.subscribe("licheng-zhenhai")
    snapshot = next(d for e, d in screen.events if e == "positions")
    assert snapshot["snapshot"] is True
    assert [p["staff"] for p in snapshot["positions"]] == ["s1"]
    assert snapshot["positions"][0]["grid"] == LICHENG_GRID[-1]


def test_subscriptions_outside_jurisdiction_are_refused(live):
    duty = live.screen("licheng")
    ack = duty.subscribe("chengxiang")
    assert ack["ok"] is False and ack["field"] == "unit"
    duty.wait_for(has_event("refused"), "the refusal")
    missing = duty.subscribe("no-such-unit")
    assert missing["field"] == "unit"
    # A unit outside the jurisdiction is refused exactly as one that does not exist (issue 14, item 9).
    assert {k: str(v).replace("chengxiang", "X") for k, v in ack.items()} == \
        {k: str(v).replace("no-such-unit", "X") for k, v in missing.items()}
    assert duty.client.call("subscribe", {"unit": "licheng", "last": {"incidents": "yesterday"}},
                            timeout=10)["field"] == "last.incidents"
    assert duty.subscribe("licheng-zhenhai")["ok"] is True
    with fanout_running(live.redis_url):
        outside = xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, CHENGXIANG_GRID, id="x")
        inside = xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="y")
        duty.wait_for(has_feed(inside), "the incident inside")
    assert outside not in duty.feed_ids()


@pytest.mark.parametrize("token_name", [None, "device"])
def test_connections_without_a_screen_principal_are_refused(live, token_name):
    with pytest.raises(socketio.exceptions.ConnectionError):
        live.screen(token_name)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Screen(live.url, "pt_not-a-real-token")


def test_positions_are_coalesced_per_room(live):
    screen = live.screen()
    screen.subscribe("licheng-zhenhai")
    with fanout_running(live.redis_url) as fanout:
        wait_until(lambda: "licheng-zhenhai" in fanout.rooms, "the fan-out to see the room")
        pipe = live.r.pipeline(transaction=True)  # one atomic batch: one XREAD sees all of it
        for step in range(20):
            ts = f"2026-11-27T10:00:{step:02d}+00:00"
            positions = [{"staff": staff, "ts": ts, "lat": 25.4 + step / 1000, "lon": 119.0,
                          "grid": chain[-1], "role": "patrol", "units": chain}
                         for staff, chain in (("s1", LICHENG_GRID), ("s2", LICHENG_GRID),
                                              ("s3", CHENGXIANG_GRID))]
            pipe.xadd(schema.POSITIONS, schema.encode(schema.T_POSITIONS,
                                                      {"positions": positions, "units": ["putian"]}))
        last = pipe.execute()[-1]
        screen.wait_for(lambda ev: any(e == "positions" and d["id"] == last for e, d in ev), "the push")
    pushes = [d for e, d in screen.events if e == "positions" and not d.get("snapshot")]
    assert len(pushes) == 1
    assert sorted(p["staff"] for p in pushes[0]["positions"]) == ["s1", "s2"]
    assert {p["ts"] for p in pushes[0]["positions"]} == {"2026-11-27T10:00:19+00:00"}


def test_a_screen_that_draws_no_people_gets_its_feed_and_the_pulse_but_no_positions(live):
    # The city's and districts' maps count people per town: their sockets subscribe with
    # positions false. They still get every incident of their unit and, while positions flow, the
    # pulse that keeps their "data N s ago" mark fresh; a town's map beside them gets the dots.
    def pos(grid: str) -> str:
        return json.dumps({"lat": 25.43, "lon": 119.01, "ts": "2026-11-27T10:00:00+00:00", "grid": grid,
                           "role": "patrol"})

    live.r.hset(keys.LATEST_POSITIONS, mapping={"s1": pos(LICHENG_GRID[-1])})
    counts, dots = live.screen(), live.screen()
    assert counts.subscribe("licheng", positions=False)["ok"] is True
    assert dots.subscribe("licheng")["ok"] is True
    assert not [e for e, _ in counts.events if e == "positions"]  # no snapshot either
    assert [d["snapshot"] for e, d in dots.events if e == "positions"] == [True]
    assert live.r.zscore(keys.ROOMS, "licheng") is not None  # announced by the screen with dots
    with fanout_running(live.redis_url) as fanout:
        wait_until(lambda: "licheng" in fanout.rooms, "the fan-out to see the room")
        batch = {"positions": [{"staff": "s1", "ts": "2026-11-27T10:00:01+00:00", "lat": 25.4, "lon": 119.0,
                                "grid": LICHENG_GRID[-1], "role": "patrol", "units": LICHENG_GRID}],
                 "units": ["putian"]}
        moved = live.r.xadd(schema.POSITIONS, schema.encode(schema.T_POSITIONS, batch))
        incident = xadd(live.r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id="i1")
        counts.wait_for(has_feed(incident), "the incident on the city's map")
        counts.wait_for(lambda ev: any(e == "pulse" and d == {"positions": moved} for e, d in ev),
                        "the pulse")
        dots.wait_for(lambda ev: any(e == "positions" and d["id"] == moved for e, d in ev), "the dots")
    assert not [e for e, _ in counts.events if e == "positions"]
    # A drill from the counted view into a town: the same socket now gets that town's dots.
    assert counts.subscribe("licheng-zhenhai", positions=True)["ok"] is True
    assert [d["positions"][0]["staff"] for e, d in counts.events if e == "positions"] == ["s1"]
    assert counts.client.call("subscribe", {"unit": "licheng", "positions": "no"},
                              timeout=10)["field"] == "positions"


def push_until_seen(emit, screen, first: int) -> None:
    """Small position pushes, ids from first up, until the screen has one of them (a push reaching
    a screen that is still catching up is skipped, so one push alone proves nothing)."""
    for n in range(first, first + 100):
        emit("positions", {"id": f"{n}-0", "positions": [{"staff": "s1", "lat": 25.4}]},
             [keys.positions_room("licheng")])
        time.sleep(0.2)
        with screen.cond:
            if any(e == "positions" and int(d["id"].split("-")[0]) >= first for e, d in screen.events):
                return
    raise AssertionError("no position push reached the screen")


def test_a_screen_that_stops_reading_skips_positions_but_no_feed_event(live):
    # A wall whose page (or network) stalls: its packets queue in this web process. Position
    # pushes are then skipped for it (the next one supersedes them) so the queue stays short, while
    # every feed event still reaches it, and a screen that keeps reading keeps getting pushes.
    from dashboard.core.extensions import socketio as server_io
    from dashboard.realtime.queue import BACKLOG
    from feeds.fanout import socketio_emitter

    slow, steady = live.screen(), live.screen()
    slow.subscribe("licheng")
    steady.subscribe("licheng")
    sid = slow.client.get_sid("/")
    eio_sid = server_io.server.manager.eio_sid_from_sid(sid, "/")
    queue = server_io.server.eio.sockets[eio_sid].queue
    ws = slow.client.eio.ws
    resume, recv = threading.Event(), ws.recv
    ws.recv = lambda *a, **kw: (resume.wait(), recv(*a, **kw))[1]  # the page stops reading

    try:
        emit = socketio_emitter(live.redis_url)
        blob = "x" * 200_000  # a city's positions batch is of this order
        feed_ids, longest = [], 0
        for n in range(150):
            emit("positions", {"id": f"{n + 1}-0", "positions": [{"staff": "s1", "pad": blob}]},
                 [keys.positions_room("licheng")])
            if n % 10 == 0:
                entry = xadd(live.r, schema.INCIDENTS, "incident.reported", LICHENG_GRID, id=f"inc-{n}")
                feed_ids.append(entry)
                emit("feed", {"stream": "incidents", "id": entry, "type": "incident.reported",
                              "data": {"id": f"inc-{n}", "units": LICHENG_GRID}}, ["unit:licheng"])
            time.sleep(0.01)
            longest = max(longest, queue.qsize())
        assert server_io.server.manager.conflated > 0
        assert longest <= BACKLOG + len(feed_ids) + 4  # a few in flight while the check runs
        push_until_seen(emit, steady, 200)  # the steady screen keeps getting pushes
    finally:
        resume.set()  # reading again, whatever happened above (a stalled reader blocks its close)
    slow.wait_for(lambda ev: [d["id"] for e, d in ev if e == "feed"] == feed_ids, "every feed event in order")
    push_until_seen(emit, slow, 300)  # and the slow one gets them again once it has caught up
    assert steady.feed_ids() == feed_ids

    def pushes(screen):
        return len([1 for e, d in screen.events if e == "positions" and not d.get("snapshot")])
    assert pushes(slow) < pushes(steady)
