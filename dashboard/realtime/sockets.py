"""Socket.IO for screens: authenticate on connect, one room per unit, resume on subscribe.

The protocol is fixed in docs/contracts.md ("Socket.IO"). Rooms are the jurisdiction boundary:
a socket joins `unit:<code>` only after the server has checked the unit against the caller's
principal (and `positions:<code>` with it, unless the screen draws no people), and the fan-out
emits unit data only to those rooms; the pulse room carries nothing but a stream id. What let a
socket in is checked again every ROOMS_REFRESH_S while it stays connected: a revoked token, a
disabled account, a changed password, role or unit, or a log-in session past its lifetime ends
the socket (`revoked`, then a disconnect).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room, rooms

from dashboard.auth.login import app_now, login_principals, session_ends_at
from dashboard.contract import keys
from dashboard.core.extensions import socketio
from dashboard.core.models import Unit
from dashboard.core.policy import may
from dashboard.core.principal import Principal, hash_token, principal_for_token, principals_for_hashes
from dashboard.core.services import Services
from dashboard.realtime.replay import REPLAY_STREAMS, is_stream_id, positions_snapshot, replay

log = logging.getLogger(__name__)

# Units whose positions room has a screen somewhere (keys.ROOMS) are scored by when a web process
# last said so; the fan-out sends position batches only to these (incidents and alerts go to every
# unit room).
ROOMS_REFRESH_S = 10


@dataclass(frozen=True)
class Grant:
    """What let a socket in: a bearer token (by its hash) or a browser session (its Flask-Login id,
    and when the session passes its lifetime: None for tokens and walls' log-ins)."""

    token_hash: str | None = None
    login_id: str | None = None
    ends_at: float | None = None


class Sockets:
    """One web app's sockets: what let each in (sid -> its grant and the principal it stood for at
    connect), and the thread that keeps the fan-out told of its rooms and the grants checked."""

    def __init__(self, services: Services, app: Flask) -> None:
        self.services = services
        self.app = app
        self.grants: dict[str, tuple[Grant, Principal]] = {}
        self.lock = threading.Lock()
        self.refresher: threading.Thread | None = None

    def add(self, sid: str, grant: Grant, principal: Principal) -> None:
        with self.lock:
            self.grants[sid] = (grant, principal)
            if self.refresher is None:
                self.refresher = threading.Thread(target=_refresh_rooms, args=(self, socketio.server),
                                                  name="socketio-rooms", daemon=True)
                self.refresher.start()

    def drop(self, sid: str) -> None:
        with self.lock:
            self.grants.pop(sid, None)

    def current(self) -> dict[str, tuple[Grant, Principal]]:
        with self.lock:
            return dict(self.grants)


class Refused(Exception):
    """A subscribe request that is refused: a message and the offending field."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _services() -> Services:
    return current_app.extensions["dashboard"]


def _sockets() -> Sockets:
    return current_app.extensions["dashboard.sockets"]


def authenticate(auth: object) -> tuple[Principal, Grant]:
    """The principal of a connecting socket, and what let it in: a bearer token in `auth`, else
    the browser session."""
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
        grant = Grant(token_hash=hash_token(token))
    else:
        lookup = current_app.extensions.get("dashboard.session_principal")
        principal = lookup() if lookup is not None else None
        if principal is None:
            raise ConnectionRefusedError({"error": "authentication required", "field": "auth"})
        grant = Grant(login_id=current_user.get_id(), ends_at=session_ends_at())
    if not may(principal.role, "screens"):
        raise ConnectionRefusedError({"error": f"role {principal.role!r} may not watch screens",
                                      "field": "auth"})
    return principal, grant


def on_connect(auth: dict | None = None) -> None:
    """Accept only authenticated screen roles; remember who the socket is and what let it in."""
    principal, grant = authenticate(auth)
    session["principal"] = principal
    _sockets().add(request.sid, grant, principal)


def on_disconnect(reason: object = None) -> None:
    """Forget the socket's grant."""
    _sockets().drop(request.sid)


def still_granted(Session, grants: list[Grant]) -> dict[Grant, Principal]:  # noqa: N803
    """{grant: the principal it stands for now} for the grants still valid (a few queries)."""
    hashes = sorted({g.token_hash for g in grants if g.token_hash})
    logins = sorted({g.login_id for g in grants if g.login_id})
    with Session.begin() as s:  # sessions found lapsed are ended for good
        by_hash = principals_for_hashes(s, hashes) if hashes else {}
        by_login = login_principals(s, logins) if logins else {}
    found = {}
    for grant in grants:
        now = by_hash.get(grant.token_hash) if grant.token_hash else by_login.get(grant.login_id)
        if now is not None:
            found[grant] = now
    return found


def revalidate(sockets: Sockets, server, now: float | None = None) -> list[str]:
    """Disconnect the app's sockets whose grant no longer stands for the principal they were
    let in as (revoked, disabled, password, role or unit changed) or whose log-in session passed
    its lifetime at `now` (epoch seconds); the sids that were ended."""
    now = time.time() if now is None else now
    current = sockets.current()
    if not current:
        return []
    granted = still_granted(sockets.services.Session, list({grant for grant, _ in current.values()}))
    ended = []
    for sid, (grant, principal) in current.items():
        expired = grant.ends_at is not None and now > grant.ends_at  # as auth.session_expired
        if granted.get(grant) == principal and not expired:
            continue
        reason = "expired" if expired else "revoked" if grant not in granted else "changed"
        log.info("socket %s of %s ended: credentials %s", sid, principal.name, reason)
        try:
            server.emit("revoked", {"reason": reason}, to=sid, namespace="/")
            server.disconnect(sid, namespace="/")
        except Exception:  # noqa: BLE001 - gone already; the grant goes either way
            log.debug("socket %s already gone", sid, exc_info=True)
        sockets.drop(sid)
        ended.append(sid)
    return ended


def parse_subscribe(data: object) -> tuple[str, dict[str, str | None], bool]:
    """The unit code, last ids and whether the screen wants its people's positions (default yes)
    of a subscribe request, or Refused naming the bad field."""
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
    positions = data.get("positions", True)
    if not isinstance(positions, bool):
        raise Refused("positions must be true or false", "positions")
    return unit, ids, positions


def _check_unit(principal: Principal, code: str) -> None:
    with _services().Session() as s:
        unit = s.get(Unit, code)
    if unit is None or not principal.covers(unit):  # one answer: foreign units cannot be probed
        raise Refused(f"unknown unit {code!r}", "unit")


def on_subscribe(data: object = None) -> dict:
    """Move the socket into its unit's rooms, replay what it missed, then say `resumed`."""
    principal: Principal | None = session.get("principal")
    try:
        if principal is None:
            raise Refused("not authenticated", "auth")
        unit, last, positions = parse_subscribe(data)
        _check_unit(principal, unit)
    except Refused as exc:
        refusal = {"unit": data.get("unit") if isinstance(data, dict) else None,
                   "error": exc.message, "field": exc.field}
        emit("refused", refusal)
        return {"ok": False, **refusal}
    wanted = {keys.room(unit), keys.PULSE_ROOM} | ({keys.positions_room(unit)} if positions else set())
    for other in rooms():
        if other.startswith((keys.ROOM_PREFIX, keys.POSITIONS_ROOM_PREFIX)) and other not in wanted:
            leave_room(other)
    # Join before reading the streams: anything newer than the replay then arrives live, and the
    # screen drops what it already has by id.
    for room in wanted:
        join_room(room)
    r = _services().redis
    if positions:
        r.zadd(keys.ROOMS, {unit: time.time()})
    missed = replay(r, unit, last)
    for event in missed.events:
        emit("feed", event)
    if positions:
        emit("positions", positions_snapshot(r, unit, _services().root()))
    resumed = {"unit": unit, "resynced": missed.resynced, "last": missed.last}
    emit("resumed", resumed)
    return {"ok": True, **resumed}


def local_unit_rooms(server) -> list[str]:
    """Unit codes of the positions rooms that have a socket on this web process."""
    try:
        namespace_rooms = dict(server.manager.rooms.get("/", {}))
    except RuntimeError:  # resized by another thread mid-copy; the next round catches up
        return []
    prefix = keys.POSITIONS_ROOM_PREFIX
    return [room[len(prefix):] for room, members in namespace_rooms.items()
            if isinstance(room, str) and room.startswith(prefix) and members]


def _refresh_rooms(sockets: Sockets, server) -> None:
    """Keep telling the fan-out which positions rooms this process has screens in, and end the
    sockets whose credentials were withdrawn (until the server is replaced)."""
    while socketio.server is server:
        try:
            units = local_unit_rooms(server)
            if units:
                now = time.time()
                sockets.services.redis.zadd(keys.ROOMS, dict.fromkeys(units, now))
        except Exception:  # noqa: BLE001 - a Redis hiccup must not kill the refresher
            log.warning("could not refresh %s", keys.ROOMS, exc_info=True)
        try:
            revalidate(sockets, server, app_now(sockets.app))
        except Exception:  # noqa: BLE001 - nor a database one; the next round tries again
            log.warning("could not check the sockets' credentials again", exc_info=True)
        time.sleep(ROOMS_REFRESH_S)


HANDLERS = (("connect", on_connect), ("disconnect", on_disconnect), ("subscribe", on_subscribe))


def init_app(server: Flask, services: Services) -> None:
    """Give the app its socket registry, and register the Socket.IO handlers on the shared
    extension (once: every later server it builds gets them too)."""
    server.extensions["dashboard.sockets"] = Sockets(services, server)
    if any(getattr(handler, "__wrapped__", None) is on_connect for _, handler, _ in socketio.handlers):
        return
    # Handlers registered while no server is bound are kept and given to every server that
    # SocketIO.init_app builds, which is what an application factory needs.
    bound, socketio.server = socketio.server, None
    try:
        for event, handler in HANDLERS:
            socketio.on_event(event, handler)
    finally:
        socketio.server = bound


def start_message_queue() -> None:
    """Listen on the Socket.IO message queue now instead of at the first connection, so the first
    screen cannot miss a push published while its subscribe is being answered."""
    server = socketio.server
    if server is not None and not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()
