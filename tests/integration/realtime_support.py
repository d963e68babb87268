"""Helpers for the Socket.IO tests: a small unit tree, a served app on a free port, a screen
client that records what it receives, and a fan-out running in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis
import socketio
import websocket
from werkzeug.serving import make_server

from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core.extensions import socketio_channel
from dashboard.core.models import Unit
from dashboard.core.principal import issue_token
from dashboard.core.services import Services
from dashboard.realtime.sockets import start_message_queue
from feeds.fanout import Fanout, socketio_emitter

LICHENG_GRID = ["putian", "licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
                "licheng-zhenhai-changshou-g01"]
CHENGXIANG_GRID = ["putian", "chengxiang", "chengxiang-longqiao", "chengxiang-longqiao-xingan",
                   "chengxiang-longqiao-xingan-g03"]
LEVELS = ("city", "district", "town", "village", "grid")
WAIT_S = 15


def add_units(Session) -> None:  # noqa: N803 - a session factory
    """The two grid chains above as unit rows (enough tree for rooms and jurisdiction)."""
    with Session.begin() as s:
        seen = set()
        for chain in (LICHENG_GRID, CHENGXIANG_GRID):
            for depth, code in enumerate(chain):
                if code in seen:
                    continue
                seen.add(code)
                ancestors = chain[1:depth]
                s.add(Unit(code=code, name=code, name_en=code, level=LEVELS[depth],
                           parent_code=chain[depth - 1] if depth else None,
                           district_code=ancestors[0] if len(ancestors) > 0 else None,
                           town_code=ancestors[1] if len(ancestors) > 1 else None,
                           village_code=ancestors[2] if len(ancestors) > 2 else None,
                           boundary="{}", centroid_lat=25.4, centroid_lon=119.0, area_km2=1.0))
            s.flush()


def tokens(Session) -> dict[str, str]:  # noqa: N803
    """Tokens for a city wall, a Licheng duty desk and a field device."""
    with Session.begin() as s:
        return {"city": issue_token(s, "wall-city", "wall", "putian"),
                "licheng": issue_token(s, "duty-licheng", "duty", "licheng"),
                "device": issue_token(s, "phone-1", "device", "licheng-zhenhai-changshou-g01")}


def xadd(r: redis.Redis, stream: str, type_: str, units: list[str], **data) -> str:
    """Append one entry the way the producers do; returns its id."""
    return r.xadd(stream, schema.encode(type_, {**data, "units": units}))


@contextmanager
def served(services: Services) -> Iterator[str]:
    """The real app (create_app) on a free port, listening on the message queue; yields its URL."""
    channel = socketio_channel(services.settings.redis_url)
    before = services.redis.pubsub_numsub(channel)[0][1]
    app = create_app(services.settings, services)
    start_message_queue()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    wait_until(lambda: services.redis.pubsub_numsub(channel)[0][1] > before, "message queue listener")
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fanout_running(redis_url: str, **kwargs) -> Iterator[Fanout]:
    """The fan-out loop in a thread, emitting through the real message queue."""
    fanout = Fanout(redis.Redis.from_url(redis_url, decode_responses=True), socketio_emitter(redis_url),
                    **kwargs)
    stop = threading.Event()
    thread = threading.Thread(target=fanout.run, args=(stop,), daemon=True)
    thread.start()
    wait_until(lambda: fanout.active, "fan-out active")
    try:
        yield fanout
    finally:
        stop.set()
        thread.join(WAIT_S)


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Poll until predicate holds (fails the test after WAIT_S)."""
    done = threading.Event()
    for _ in range(int(WAIT_S / 0.02)):
        if predicate():
            return
        done.wait(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def in_arrival_order(client: socketio.Client) -> socketio.Client:
    """Make a python-socketio client handle events one by one, in the order they arrive.

    python-engineio's client runs each message's handler in a thread of its own, so two events
    that arrive in order can be handled out of order (and a screen that drops what is not newer
    than its last id would then drop the older one). A browser's page handles them in order; so
    must the clients that stand in for it."""
    eio = client.eio
    trigger = eio._trigger_event

    def in_order(event, *args, run_async=False, **kwargs):
        return trigger(event, *args, run_async=False, **kwargs)

    eio._trigger_event = in_order
    return client


class _PromptClose(websocket.WebSocket):
    """websocket-client's close() waits up to 3 s for the server's close frame, but the frame is
    read by python-engineio's reader thread, so every disconnect (and every refused connect, which
    disconnects) took the whole 3 s. A browser does not wait for it; nor do the clients standing in
    for one."""

    def close(self, status: int = websocket.STATUS_NORMAL, reason: bytes = b"", timeout: float = 0.2) -> None:
        super().close(status, reason, timeout)


def screen_client(**options) -> socketio.Client:
    """A python-socketio client that stands in for a browser's screen: events handled in order of
    arrival, a disconnect that does not wait for the close frame."""
    extra = {"class_": _PromptClose, **options.pop("websocket_extra_options", {})}
    return in_arrival_order(socketio.Client(websocket_extra_options=extra, **options))


class Screen:
    """A real python-socketio client over WebSocket that records every event it receives."""

    def __init__(self, url: str, token: str | None) -> None:
        self.events: list[tuple[str, object]] = []
        self.cond = threading.Condition()
        self.client = screen_client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(url, auth={"token": token} if token else None, transports=["websocket"],
                            wait_timeout=WAIT_S)

    def _record(self, event: str, data=None) -> None:
        with self.cond:
            self.events.append((event, data))
            self.cond.notify_all()

    def subscribe(self, unit: str, positions: bool | None = None, **last) -> dict:
        """Emit subscribe (with `positions` when given) and return the server's acknowledgement."""
        request = {"unit": unit, "last": last} | ({} if positions is None else {"positions": positions})
        return self.client.call("subscribe", request, timeout=WAIT_S)

    def wait_for(self, predicate: Callable[[list[tuple[str, object]]], bool], what: str) -> None:
        """Block until the recorded events satisfy predicate."""
        with self.cond:
            if not self.cond.wait_for(lambda: predicate(self.events), WAIT_S):
                raise AssertionError(f"timed out waiting for {what}; got {self.events!r}")

    def feed_ids(self) -> list[str]:
        """Ids of the `feed` events received so far, in arrival order."""
        with self.cond:
            return [data["id"] for event, data in self.events if event == "feed"]

    def close(self) -> None:
        """Disconnect."""
        if self.client.connected:
            self.client.disconnect()


def close_all(screens: list[Screen]) -> None:
    """Disconnect screens in parallel (each client waits up to 3 s for the close handshake)."""
    threads = [threading.Thread(target=s.close) for s in screens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def has_feed(entry_id: str) -> Callable[[list], bool]:
    """Predicate: a feed event with this id arrived."""
    return lambda events: any(e == "feed" and d["id"] == entry_id for e, d in events)


def has_event(name: str) -> Callable[[list], bool]:
    """Predicate: an event of this name arrived."""
    return lambda events: any(e == name for e, _ in events)
