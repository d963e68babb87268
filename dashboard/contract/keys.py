"""Every Redis key and Socket.IO room name the web processes and the workers share (docs/contracts.md,
"Live state"): written on one side, read on the other, so both import them from here.

Formats with `{}` take one argument: a unit code, a local date, an incident id, a worker name.
"""

from __future__ import annotations

# Live state, written by the persister (feeds.livestate) and rebuilt by its reconcile.
LATEST_POSITIONS = "live:pos"  # hash: staff id -> its latest position (JSON with ts, lat, lon, grid, role)
OPEN_COUNTS = "live:counts:{}"  # hash per unit: open state -> incidents under the unit in that state
PATROLLED = "live:patrolled:{}"  # set per Asia/Shanghai date (YYYY-MM-DD): grids patrolled that day

# Screens: a unit's room (its incidents, supervision items and alerts), its positions room (joined
# only by screens that draw people, not by the city's and districts' aggregated maps), and the
# pulse room every screen joins (a beat while positions flow: what keeps a quiet screen "fresh").
# ROOMS holds the units whose positions room has a screen in some web process (sorted set, scored
# by when it said so): the fan-out sends position batches only to those.
ROOMS = "live:rooms"
ROOM_PREFIX = "unit:"
POSITIONS_ROOM_PREFIX = "positions:"
PULSE_ROOM = "live:pulse"

# The incident sequencer (dashboard.contract.producer): per-incident state that orders its steps.
INCIDENT = "live:incident:{}"
# The outbox relay's mark per outbox row (dashboard.actions.outbox).
OUTBOX_MARK = "live:outbox:{}"

# Workers: a heartbeat string per worker (`<verb>` or `<verb>:<consumer>`) and its counters.
HEARTBEAT_PREFIX = "live:heartbeat:"
WORKER_PREFIX = "live:worker:"

# The fan-out: its cursor and single-runner lock, and what /metrics reads of it.
FANOUT_CURSOR = "live:fanout:cursor"
FANOUT_LOCK = "live:fanout:lock"
FANOUT_COUNTS = "metrics:fanout"  # hash: events:<stream>, pushes:<event>, malformed, ...
PUSH_LATENCY = "metrics:push_latency:{}"  # hash per event kind: b<i> bucket counts, count, sum


def room(unit: str) -> str:
    """The Socket.IO room of a unit's screens."""
    return ROOM_PREFIX + unit


def positions_room(unit: str) -> str:
    """The Socket.IO room of the screens that draw a unit's people."""
    return POSITIONS_ROOM_PREFIX + unit


def heartbeat(worker: str) -> str:
    """A worker's heartbeat key."""
    return HEARTBEAT_PREFIX + worker


def worker_counters(worker: str) -> str:
    """A worker's counters hash."""
    return WORKER_PREFIX + worker
