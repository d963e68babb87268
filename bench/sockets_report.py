"""The "Screens per web process" section of docs/benchmarks.md, from bench.sockets' results."""

from __future__ import annotations

import os

# The reading of the last recorded run, kept with the code that writes it; update it with the figures.
READING = """Reading. This run had the lock but not the machine: the load average was 6–34 on 2 cores \
(other sessions' tests, PostgreSQL index builds and browsers ran outside the lock), and the fan-out \
itself fell behind at 20x (its own lag column: up to 0.8 s mean, one flush a second or less instead \
of 4), so these figures are contention first. The first locked run (2026-11-28 02:13–02:33 UTC, \
15 s per load, load average mostly 1.6–5, stopped by hand in eventlet's 1,000 step) is the better \
estimate of the process itself: at 1x threading held 1,000 screens with p99 ≤ 500 ms (incidents \
196 ms, positions 289 ms; serve 40 % of a core) and passed it at 1,500 (580 / 764 ms, serve 69 %); \
gevent and eventlet were within 500 ms up to 500 screens at a third to a half of threading's CPU \
(gevent 14 % at 1,000). At 20x only 100 screens stayed near the limit in any mode (p99 311–513 ms) \
and 250 did not (threading 3.7 s, gevent 1.4 s, eventlet 0.9 s).

- Where 20x goes: serve needs about 40 % of a core for the position volume alone, whatever the \
screen count, because each watched level carries the city's positions again and python-socketio \
unpickles, walks for binary data and JSON-encodes every push (a 2,860-position city push: about \
3 ms + 24 ms, measured alone here); the fan-out's flush grows with watched rooms (34 ms for 100 \
rooms at 1x, 194 ms at 20x); the Python clients, the driver and Redis share the same 2 cores.
- gevent and eventlet dropped screens when overloaded (this run: gevent had 224 of 250 left at 1x after its \
20x step, eventlet 150 of 250 at 20x; the first run: both lost screens after 500 at 20x), while \
threading kept every connected screen through the same overloads; threading spends more CPU per \
socket (a thread each).
- Async mode: threading stays the default. Neither alternative was clearly better: cheaper per \
socket at 1x, no better at design load, and they lose screens under overload; eventlet announces \
itself deprecated; and threading is what docs/contracts.md and the tests run.
- The design target (≥ 500 screens at 20x with p99 ≤ 250 ms) is not met on this shared 2-core \
machine by any mode: the position volume per watched level, not the number of sockets, is the \
first limit."""


def section(title: str, command: str, rows: list[dict], table: list[str], held, load_start: tuple,
            load_end: tuple, skipped: list[str], at: str) -> str:
    """The Markdown section: how it was run, the table, what each mode held, the reading."""
    modes = list(dict.fromkeys(s["mode"] for s in rows))
    lines = [title, "", f"Command: `{command}` ({at}; "
             f"{os.cpu_count()} cores, load average {load_start[0]:.1f} at the start and {load_end[0]:.1f} "
             "at the end).", "",
             "One `serve` process (Socket.IO on the Redis message queue) and one `fanout`, both real "
             "subprocesses on an embedded Redis, with a temporary SQLite database holding the synthetic "
             "city tree and a wall token. Screens are python-socketio AsyncClients over WebSocket, many "
             "per client process, spread over rooms as a city has them: 1 % on the city wall, 4 % on "
             "district walls, 15 % towns, 30 % villages, 50 % grids (`bench/sockets_load.py`). Each "
             "step adds screens to those already connected, then the driver of bench.fanout XADDs "
             "positions and incidents (2 a second) at 1x and at the 20x design load (≈11,440 positions/s). "
             "Incidents: ms from the entry's stream-id time to the `feed` event, at every screen the "
             "incident is routed to; missed counts routed incidents a screen had not got 10 s after the run "
             "(one that came later than 2 s still counts in the latencies). Positions: ms "
             "from the push's id (its newest entry) to arrival, so it holds part of the 250 ms "
             "coalescing window. CPU is per cent of one core over the measured seconds; client CPU is "
             "all client processes together, sharing the same 2 cores as serve, fan-out, Redis and the "
             "driver.", ""]
    lines += table
    lines.append("")
    for mode in modes:
        top = max(s["screens"] for s in rows if s["mode"] == mode)
        scales = [x["scale"] for x in next(s for s in rows if s["mode"] == mode)["loads"]]
        held_at = "; ".join(f"at {scale:g}x {held(rows, mode, 500, scale):,} screens with p99 ≤ 500 ms, "
                            f"{held(rows, mode, 250, scale):,} with p99 ≤ 250 ms" for scale in scales)
        lines.append(f"- {mode}: {held_at} (each step up to it with no failed connect, no screen "
                     f"dropped and nothing missed; largest step run: {top:,}).")
    for mode in skipped:
        lines.append(f"- {mode}: not measured (not installed or did not start).")
    if READING:
        lines += ["", READING]
    return "\n".join(lines) + "\n"
