"""Resume for screens: what a subscriber missed on each stream, or that it must resync.

A screen sends the last stream id it applied per feed. While the stream still holds everything
after that id it gets exactly those entries (filtered to its unit); when something after the id
has been trimmed away (or the stream was reset) it is told to resync and re-fetch its snapshot.
Positions are never replayed: the latest position per person (``live:pos``) is the snapshot.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import redis

from dashboard.contract import keys, schema
from dashboard.contract.schema import id_key
from dashboard.core.units import is_under

REPLAY_STREAMS = schema.REPLAYED
PAGE = 1000
# A gap longer than this many entries of one stream is cheaper to repair with a snapshot.
MAX_SCAN = 50_000
_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


@dataclass
class Replay:
    """The missed `feed` events (in id order), whether a resync is needed, and the new last ids."""

    events: list[dict] = field(default_factory=list)
    resynced: bool = False
    last: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamState:
    """Where a stream stands: its newest id, the newest id ever trimmed, its oldest retained id."""

    head: str
    max_deleted: str | None
    first: str | None
    removed: int | None = None  # entries ever trimmed or deleted (Redis 7+), None when unknown


def is_stream_id(value: object) -> bool:
    """Whether a value looks like a Redis stream id ('<ms>-<seq>')."""
    return isinstance(value, str) and bool(_STREAM_ID.match(value))


def stream_state(r: redis.Redis, stream: str) -> StreamState:
    """XINFO STREAM reduced to what resume needs (a missing stream stands at 0-0)."""
    try:
        info = r.xinfo_stream(stream)
    except redis.ResponseError:
        return StreamState("0-0", None, None, 0)
    first = info.get("first-entry")
    # max-deleted-entry-id (Redis 7+) moves on XDEL only; trimming shows in the first entry.
    added = info.get("entries-added")
    return StreamState(info["last-generated-id"], info.get("max-deleted-entry-id"),
                       first[0] if first else None,
                       None if added is None else int(added) - int(info["length"]))


def lost_since(last: str, state: StreamState) -> bool:
    """Whether an entry newer than `last` may be gone: `last` is older than the oldest retained
    entry (XTRIM), an entry after it was deleted (XDEL), or the stream was reset behind it."""
    if id_key(last) > id_key(state.head):
        return True
    if state.removed == 0:
        return False
    if state.max_deleted is not None and id_key(last) < id_key(state.max_deleted):
        return True
    if state.first is None:
        return id_key(last) < id_key(state.head)
    return id_key(last) < id_key(state.first)


def _missed(r: redis.Redis, name: str, stream: str, unit: str, since: str, head: str) -> list[dict] | None:
    """The unit's entries in (since, head] as feed payloads; None when the gap is too long."""
    events: list[dict] = []
    scanned = 0
    start = "(" + since
    while True:
        page = r.xrange(stream, min=start, max=head, count=PAGE)
        for entry_id, fields in page:
            try:
                entry = schema.decode(stream, entry_id, fields)
            except schema.MalformedEntry:
                continue  # the consumers dead-letter it; a screen has nothing to show
            if unit in entry.data["units"]:
                events.append({"stream": name, "id": entry_id, "type": entry.type, "data": entry.data})
        scanned += len(page)
        if len(page) < PAGE:
            return events
        if scanned >= MAX_SCAN:
            return None
        start = "(" + page[-1][0]


def replay(r: redis.Redis, unit: str, last: dict[str, str | None]) -> Replay:
    """Everything `unit` missed after the given last ids, merged across streams in id order."""
    result = Replay()
    for name, stream in REPLAY_STREAMS.items():
        state = stream_state(r, stream)
        result.last[name] = state.head
        since = last.get(name)
        if since is None:
            continue  # a fresh screen: its snapshot is current as of head
        if lost_since(since, state):
            result.resynced = True
            continue
        missed = _missed(r, name, stream, unit, since, state.head)
        if missed is None:
            result.resynced = True
            continue
        result.events.extend(missed)
    result.events.sort(key=lambda ev: id_key(ev["id"]))
    return result


def positions_snapshot(r: redis.Redis, unit: str, root: str) -> dict:
    """The latest position of everyone under `unit`, as a `positions` event."""
    head = stream_state(r, schema.POSITIONS).head
    items = []
    for staff, raw in r.hgetall(keys.LATEST_POSITIONS).items():
        try:
            pos = json.loads(raw)
        except ValueError:
            continue
        if isinstance(pos, dict) and is_under(pos.get("grid"), unit, root):
            items.append({"staff": staff, **pos})
    return {"id": head, "positions": items, "snapshot": True}
