"""Socket.IO for screens: authenticate on connect, one room per unit, resume on subscribe.

The protocol is fixed in docs/contracts.md ("Socket.IO"). Rooms are the jurisdiction boundary:
a socket joins `unit:<code>` only after the server has checked the unit against the caller's
principal, and the fan-out process only ever emits to unit rooms.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, session
from flask_socketio import emit, join_room, leave_room, rooms

from dashboard.extensions import socketio
from dashboard.models import Unit
from dashboard.principal import Principal, principal_for_token
from dashboard.realtime_replay import REPLAY_STREAMS, is_stream_id, positions_snapshot, replay
from dashboard.services import Services

log = logging.getLogger(__name__)

ROOM_PREFIX = "unit:"
# Unit rooms with a watching screen somewhere, scored by when a web process last said so; the
# fan-out sends position batches only to these (incidents and alerts go to every room).
ROOMS_KEY = "live:rooms"
ROOMS_REFRESH_S = 10
SCREEN_ROLES = frozenset({"admin", "leader", "duty", "liaison", "viewer", "wall"})

_registered = False
_refreshers: set[int] = set()
_refreshers_lock = threading.Lock()


class Refused(Exception):
    """A subscribe request that is refused: a message and the offending field."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _services() -> Services:
    return current_app.extensions["dashboard"]


def authenticate(auth: object) -> Principal:
    """The principal of a connecting socket: a bearer token in `auth`, else the browser session."""
    if auth is not None and not isinstance(auth, dict):
        raise ConnectionRefusedError({"error": "auth must be an object", "field": "auth"})
    token = (auth or {}).get("token")
    principal = None
    if token is not None:
        if not isinstance(token, str) or not token:
            raise ConnectionRefusedError({"error": "token must be a non-empty string",
                                          "field": "auth.token"})
        with _services().Session() as s:
            principal = principal_for_token(s, token)
        if principal is None:
            raise ConnectionRefusedError({"error": "invalid or revoked token", "field": "auth.token"})
    else:
        lookup = current_app.extensions.get("dashboard.session_principal")
        principal = lookup() if lookup is not None else None
        if principal is None:
            raise ConnectionRefusedError({"error": "authentication required", "field": "auth"})
    if principal.role not in SCREEN_ROLES:
        raise ConnectionRefusedError({"error": f"role {principal.role!r} may not watch screens",
                                      "field": "auth"})
    return principal


def on_connect(auth: dict | None = None) -> None:
    """Accept only authenticated screen roles; remember who the socket is."""
    session["principal"] = authenticate(auth)
    _ensure_refresher(_services())


def parse_subscribe(data: object) -> tuple[str, dict[str, str | None]]:
    """The unit code and last ids of a subscribe request, or Refused naming the bad field."""
    if not isinstance(data, dict):
        raise Refused("subscribe takes an object {unit, last}", None)
    unit = data.get("unit")
    if not isinstance(unit, str) or not unit or len(unit) > 64:
        raise Refused("unit must be a unit code", "unit")
    last = data.get("last") or {}
    if not isinstance(last, dict):
        raise Refused("last must be an object of stream ids", "last")
    ids: dict[str, str | None] = {}
    for name in REPLAY_STREAMS:
        value = last.get(name)
        if value is not None and not is_stream_id(value):
            raise Refused(f"not a stream id: {value!r}", f"last.{name}")
        ids[name] = value
    return unit, ids


def _check_unit(principal: Principal, code: str) -> None:
    with _services().Session() as s:
        unit = s.get(Unit, code)
    if unit is None:
        raise Refused(f"unknown unit {code!r}", "unit")
    if not principal.covers(unit):
        raise Refused(f"unit {code!r} is outside your jurisdiction", "unit")


def on_subscribe(data: object = None) -> dict:
    """Move the socket into its unit's room, replay what it missed, then say `resumed`."""
    principal: Principal | None = session.get("principal")
    try:
        if principal is None:
            raise Refused("not authenticated", "auth")
        unit, last = parse_subscribe(data)
        _check_unit(principal, unit)
    except Refused as exc:
        refusal = {"unit": data.get("unit") if isinstance(data, dict) else None,
                   "error": exc.message, "field": exc.field}
        emit("refused", refusal)
        return {"ok": False, **refusal}
    room = ROOM_PREFIX + unit
    for other in rooms():
        if other.startswith(ROOM_PREFIX) and other != room:
            leave_room(other)
    # Join before reading the streams: anything newer than the replay then arrives live, and the
    # screen drops what it already has by id.
    join_room(room)
    r = _services().redis
    r.zadd(ROOMS_KEY, {unit: time.time()})
    missed = replay(r, unit, last)
    for event in missed.events:
        emit("feed", event)
    emit("positions", positions_snapshot(r, unit))
    resumed = {"unit": unit, "resynced": missed.resynced, "last": missed.last}
    emit("resumed", resumed)
    return {"ok": True, **resumed}


def local_unit_rooms(server) -> list[str]:
    """Unit codes of the rooms that have a socket on this web process."""
    try:
        namespace_rooms = dict(server.manager.rooms.get("/", {}))
    except RuntimeError:  # resized by another thread mid-copy; the next round catches up
        return []
    return [room[len(ROOM_PREFIX):] for room, members in namespace_rooms.items()
            if isinstance(room, str) and room.startswith(ROOM_PREFIX) and members]


def _refresh_rooms(services: Services, server) -> None:
    """Keep telling the fan-out which unit rooms this process has screens in."""
    while socketio.server is server:
        try:
            units = local_unit_rooms(server)
            if units:
                now = time.time()
                services.redis.zadd(ROOMS_KEY, dict.fromkeys(units, now))
        except Exception:  # noqa: BLE001 - a Redis hiccup must not kill the refresher
            log.warning("could not refresh %s", ROOMS_KEY, exc_info=True)
        time.sleep(ROOMS_REFRESH_S)


def _ensure_refresher(services: Services) -> None:
    server = socketio.server
    with _refreshers_lock:
        if id(server) in _refreshers:
            return
        _refreshers.add(id(server))
    thread = threading.Thread(target=_refresh_rooms, args=(services, server),
                              name="socketio-rooms", daemon=True)
    thread.start()


HANDLERS = (("connect", on_connect), ("subscribe", on_subscribe))


def init_app(server: Flask, services: Services) -> None:
    """Register the Socket.IO handlers (once per process; every later server gets them too)."""
    global _registered
    if _registered:
        return
    # Handlers registered while no server is bound are kept and given to every server that
    # SocketIO.init_app builds, which is what an application factory needs.
    bound, socketio.server = socketio.server, None
    try:
        for event, handler in HANDLERS:
            socketio.on_event(event, handler)
    finally:
        socketio.server = bound
    _registered = True


def start_message_queue() -> None:
    """Listen on the Socket.IO message queue now instead of at the first connection, so the first
    screen cannot miss a push published while its subscribe is being answered."""
    server = socketio.server
    if server is not None and not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()
