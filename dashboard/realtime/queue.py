"""The web process's end of the Socket.IO message queue, with the gap filled after a reconnect.

Redis pub/sub is at-most-once: what the fan-out publishes while a web process is not subscribed
(Redis restarted, the connection cut) never reaches that process, and its screens, still
connected to it, would not know they missed anything. So the listener remembers the newest feed
id it delivered per stream, and each time its subscription comes back it first delivers to its own
rooms the stream entries after those ids, in order and before any newer live message. Screens drop
the copies they already have by id (docs/contracts.md, Socket.IO). Positions are not filled: the
next batch, a quarter of a second later, supersedes them.

Positions are conflated for slow screens: a screen whose outgoing queue already holds more than
BACKLOG packets (its network or its page is not keeping up) is skipped for position pushes until
it has caught up, so a slow wall neither grows this process's memory with stale positions nor
falls further behind; feed events are never skipped.
"""

from __future__ import annotations

import logging
import time

import redis
import socketio

from dashboard.contract import keys, schema

log = logging.getLogger(__name__)

STREAMS = {stream: name for name, stream in schema.REPLAYED.items()}
PAGE = 1000
MAX_FILL = 50_000  # per stream; beyond that screens are better served by resync (see contracts)
BACKLOG = 8  # packets waiting for one screen beyond which its position pushes are skipped


def _newer(a: str, b: str | None) -> bool:
    if b is None:
        return True
    x, y = a.split("-"), b.split("-")
    return (int(x[0]), int(x[1])) > (int(y[0]), int(y[1]))


class GapFillingRedisManager(socketio.RedisManager):
    """socketio.RedisManager that replays the feed entries missed while unsubscribed."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel)
        self.seen: dict[str, str] = {}  # stream name -> newest feed id delivered to local rooms
        self.subscriptions = 0
        self.filled = 0  # entries delivered by gap filling (for tests and logs)
        self.conflated = 0  # position pushes skipped for screens that were behind

    def _redis_connect(self) -> None:
        super()._redis_connect()
        # Subscribe confirmations tell us when a subscription (re)starts, whether python-socketio
        # reconnected or redis-py re-subscribed by itself inside listen().
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=False)

    def _listen(self):
        channel = self.channel.encode("utf-8")
        for message in self._redis_listen_with_retries():
            if message.get("channel") != channel:
                continue
            if message["type"] == "subscribe":
                if self.subscriptions == 0:
                    self._mark_heads()
                else:
                    self._fill_gap()
                self.subscriptions += 1
            elif message["type"] == "message" and "data" in message:
                yield message["data"]

    def _behind(self, message: dict) -> list[str]:
        """The sids in the push's rooms whose outgoing queue is longer than BACKLOG."""
        sockets = getattr(self.server.eio, "sockets", {})
        slow = []
        for sid, eio_sid in self.get_participants(message.get("namespace") or "/", message.get("room")):
            queue = getattr(sockets.get(eio_sid), "queue", None)
            if queue is not None and queue.qsize() > BACKLOG:
                slow.append(sid)
        return slow

    def _handle_emit(self, message: dict) -> None:
        if message.get("event") == "positions" and message.get("room"):
            slow = self._behind(message)
            if slow:
                self.conflated += len(slow)
                skip = message.get("skip_sid")
                skip = list(skip) if isinstance(skip, list) else ([skip] if skip else [])
                message = {**message, "skip_sid": skip + slow}
        elif message.get("event") == "feed":
            payload = message["data"][0] if isinstance(message["data"], list) else message["data"]
            stream, entry_id = payload.get("stream"), payload.get("id")
            if stream in STREAMS.values() and entry_id and _newer(entry_id, self.seen.get(stream)):
                self.seen[stream] = entry_id
        super()._handle_emit(message)

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, decode_responses=True, socket_timeout=10)

    def _mark_heads(self) -> None:
        """On the first subscription: nothing before the streams' heads is ours to deliver."""
        try:
            with self._client() as r:
                for key, name in STREAMS.items():
                    newest = r.xrevrange(key, count=1)
                    self.seen.setdefault(name, newest[0][0] if newest else "0-0")
        except redis.RedisError:
            log.warning("could not read the stream heads; gaps before the first message go unfilled")

    def _fill_gap(self) -> None:
        """Deliver locally the entries after what we last delivered, stream by stream, in order."""
        filled = 0
        try:
            with self._client() as r:
                for key, name in STREAMS.items():
                    filled += self._fill_stream(r, key, name)
        except redis.RedisError:
            time.sleep(1)  # the listener reconnects and this runs again
            raise
        self.filled += filled
        log.warning("message queue subscription restored; %d missed feed entries delivered", filled)

    def _fill_stream(self, r: redis.Redis, key: str, name: str) -> int:
        done, after = 0, self.seen.get(name, "0-0")
        while done < MAX_FILL:
            entries = r.xrange(key, min=f"({after}", count=PAGE)
            for entry_id, fields in entries:
                try:
                    entry = schema.decode(key, entry_id, fields)
                except schema.MalformedEntry:
                    continue  # the fan-out skips these too
                payload = {"stream": name, "id": entry_id, "type": entry.type, "data": entry.data}
                rooms = [keys.room(unit) for unit in entry.data["units"]]
                self._handle_emit({"method": "emit", "event": "feed", "data": [payload],
                                   "namespace": "/", "room": rooms, "skip_sid": None, "callback": None})
            done += len(entries)
            if len(entries) < PAGE:
                break
            after = entries[-1][0]
        return done


def client_manager(redis_url: str, channel: str) -> GapFillingRedisManager:
    """The message-queue client manager a web process's Socket.IO server uses."""
    return GapFillingRedisManager(redis_url, channel)
