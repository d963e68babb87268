"""A web process whose message-queue subscription dropped delivers what it missed from the streams
(dashboard.realtime.queue). Only this process's own connection is cut (CLIENT KILL ID), so the
test is safe on a Redis server others use."""

from __future__ import annotations

import pytest

from dashboard.contract import schema
from dashboard.core.extensions import socketio
from tests.integration.realtime_support import (
    LICHENG_GRID,
    Screen,
    add_units,
    fanout_running,
    has_feed,
    served,
    tokens,
    wait_until,
    xadd,
)

pytestmark = [pytest.mark.fault]


def own_pubsub_client_id(r, manager) -> str:
    """The Redis client id of this web process's message-queue subscription."""
    port = manager.pubsub.connection._sock.getsockname()[1]
    for client in r.client_list(_type="pubsub"):
        if client["addr"].endswith(f":{port}"):
            return client["id"]
    raise AssertionError("the message-queue subscription is not connected")


def test_entries_published_while_unsubscribed_reach_screens_after_the_subscription_returns(
        engine, Session, services_for):
    add_units(Session)
    toks = tokens(Session)
    services = services_for(engine)
    r = services.redis
    with served(services) as url:
        screen = Screen(url, toks["city"])
        try:
            assert screen.subscribe("putian")["ok"] is True
            manager = socketio.server.manager
            wait_until(lambda: manager.subscriptions == 1, "the first subscription confirmed")
            # Entries nobody pushed: what a fan-out publishes while this process is not listening.
            missed = [xadd(r, schema.INCIDENTS, schema.T_REPORTED, LICHENG_GRID, id=f"gap-{i}")
                      for i in range(3)]
            r.execute_command("CLIENT", "KILL", "ID", own_pubsub_client_id(r, manager))
            screen.wait_for(has_feed(missed[-1]), "the missed entries after the resubscribe")
            assert screen.feed_ids() == missed  # in stream order, each once
            wait_until(lambda: manager.filled >= 3 and manager.subscriptions >= 2, "the gap filled")
            with fanout_running(services.settings.redis_url) as fanout:  # live pushes still arrive
                # `active` is set just before the cursor is read; an entry added in between would
                # be behind the fresh fan-out's starting point.
                wait_until(lambda: schema.ALERTS in fanout.cursor, "the fan-out's starting cursor")
                live = xadd(r, schema.ALERTS, "alert.raised", LICHENG_GRID, id=9, severity=4)
                screen.wait_for(has_feed(live), "a live push after the resubscribe")
            assert screen.feed_ids() == [*missed, live]
        finally:
            screen.close()
