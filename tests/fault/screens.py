"""A screen as the contract describes it (docs/contracts.md, Socket.IO): it connects through
nginx, subscribes with the last id it applied per stream on every (re)connect, applies a `feed`
event only when its id is newer than the last one of its stream, and remembers each `resumed`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from tests.integration.realtime_support import screen_client

WAIT_S = 30


def stream_key(entry_id: str) -> tuple[int, int]:
    """A stream id as a comparable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class Screen:
    """A python-socketio client that reconnects by itself and resumes from its last ids."""

    def __init__(self, url: str, token: str, node: str, unit: str = "putian", name: str = "screen") -> None:
        self.url, self.token, self.unit, self.name = url, token, unit, name
        self.last: dict[str, str | None] = {"incidents": None, "supervision": None, "alerts": None}
        # event key (<incident>:v<n>) or ack:<alert action row id> -> stream id, as applied
        self.keys: dict[str, str] = {}
        self.dropped = 0  # events received again and ignored by id (replays overlapping live pushes)
        self.reordered = 0  # resumes whose buffer arrived out of stream-id order
        self.resumes: list[dict] = []
        self.connects = 0
        self.ready = False  # False from a (re)subscribe until its `resumed`: feed events are buffered
        self.buffer: list[dict] = []
        self.cond = threading.Condition()
        http = requests.Session()
        http.cookies.set("dash_node", node)  # nginx's sticky cookie: which web process we land on
        self.client = screen_client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1,
                                    http_session=http)
        self.client.on("connect", self._on_connect)
        self.client.on("feed", self._on_feed)
        self.client.on("resumed", self._on_resumed)

    def open(self) -> Screen:
        """Connect (long-polling, then the WebSocket upgrade, as a browser does) and wait for resumed."""
        before = len(self.resumes)
        self.client.connect(self.url, auth={"token": self.token}, wait_timeout=WAIT_S)
        self.wait(lambda: len(self.resumes) > before, "the first resumed")
        return self

    def _on_connect(self) -> None:
        with self.cond:
            self.connects += 1
            self.ready, self.buffer = False, []
            last = dict(self.last)
        # An emit, not a call: a call would wait for its ack on the thread that reads it.
        self.client.emit("subscribe", {"unit": self.unit, "last": last})

    def _on_feed(self, event: dict) -> None:
        with self.cond:
            if not self.ready:
                self.buffer.append(event)
                return
            self._apply(event)
            self.cond.notify_all()

    def _apply(self, event: dict) -> None:
        stream, entry_id = event["stream"], event["id"]
        last = self.last.get(stream)
        if last is not None and stream_key(entry_id) <= stream_key(last):
            self.dropped += 1
            return
        self.last[stream] = entry_id
        data = event.get("data") or {}
        key = data.get("key")
        if key:
            self.keys[key] = entry_id
        ack = data.get("ack")  # a duty action on an alert (alert.acked and the like)
        if isinstance(ack, dict) and ack.get("id") is not None:
            self.keys[f"ack:{ack['id']}"] = entry_id

    def _on_resumed(self, resumed: dict) -> None:
        with self.cond:
            # Replayed entries and live pushes may interleave on the wire (the replay is sent by
            # the subscribe handler while the message-queue thread emits to the room), so the
            # buffer is applied in stream-id order, not in arrival order.
            ordered = sorted(self.buffer, key=lambda e: stream_key(e["id"]))
            self.reordered += ordered != self.buffer
            for event in ordered:
                self._apply(event)
            self.ready, self.buffer = True, []
            for stream, newest in (resumed.get("last") or {}).items():
                mine = self.last.get(stream)
                if newest and (mine is None or stream_key(newest) > stream_key(mine)):
                    self.last[stream] = newest  # the replay ended here; newer arrives live
            self.resumes.append(resumed)
            self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        """Block until predicate holds (under the screen's lock)."""
        with self.cond:
            if not self.cond.wait_for(predicate, timeout_s):
                raise AssertionError(f"{self.name}: timed out waiting for {what}")

    def wait_keys(self, keys: set[str], timeout_s: float = 60) -> set[str]:
        """Wait until every key has been applied (or the time is up); the keys still missing."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                missing = keys - self.keys.keys()
                left = deadline - time.monotonic()
                if not missing or left <= 0:
                    return missing
                self.cond.wait(min(left, 0.5))

    def go_offline(self) -> None:
        """Disconnect on purpose (no automatic reconnection after this)."""
        self.client.disconnect()

    def close(self) -> None:
        """Disconnect if connected."""
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - closing a half-dead client must not fail a test
            pass


def node_cookies(url: str, web_ports: list[int], tries: int = 200) -> dict[int, str]:
    """A sticky-cookie value for each web process, found by asking nginx who answers."""
    found: dict[int, str] = {}
    for i in range(tries):
        value = f"screen-{i}"
        reply = requests.get(url + "/healthz", cookies={"dash_node": value}, timeout=5)
        port = int(reply.headers["X-Upstream"].rsplit(":", 1)[1])
        found.setdefault(port, value)
        if len(found) == len(web_ports):
            return found
    raise AssertionError(f"nginx sent every cookie to {sorted(found)}")
