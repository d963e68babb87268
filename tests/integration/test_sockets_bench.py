"""bench.sockets' pieces on a real serve + fanout: a few screens of every level subscribe, the
driver appends, and every incident routed to a screen's room is counted as received there."""

from __future__ import annotations

import collections

import pytest

from bench.sockets import measure
from bench.sockets_load import ScreenFleet, rooms_for, tree
from bench.sockets_stack import web_stack
from dashboard.core.config import SettingsError, load_settings

pytestmark = pytest.mark.slow


def test_rooms_spread_like_a_city():
    levels = {code: level for code, (level, _, _) in tree().items()}
    rooms = rooms_for(200)
    counts = collections.Counter(levels[code] for code in rooms)
    assert rooms[:5] == ["putian", "chengxiang", *rooms[2:5]]
    assert counts["grid"] > counts["village"] > counts["town"] > counts["district"] > counts["city"] >= 1
    assert rooms_for(50) == rooms[:50]


def test_async_mode_setting():
    assert load_settings({}).async_mode == "threading"
    assert load_settings({"DASHBOARD_ASYNC_MODE": "gevent"}).async_mode == "gevent"
    with pytest.raises(SettingsError, match="DASHBOARD_ASYNC_MODE"):
        load_settings({"DASHBOARD_ASYNC_MODE": "asyncio"})


def test_every_routed_incident_is_received():
    with web_stack("threading") as stack:
        fleet = ScreenFleet(stack.url, stack.token, processes=2)
        try:
            times, errors = fleet.open(rooms_for(12))
            assert errors == [] and len(times) == 12
            result = measure(1, 4, stack, fleet)
        finally:
            fleet.close()
    assert result["alive"] == 12
    assert result["expected"] >= 4  # the city wall alone gets every incident, 2 a second
    assert result["missed"] == 0
    assert len(result["feed"]) == result["expected"]
    assert result["pos"], "no position push reached any screen"
