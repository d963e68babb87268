"""The "Screens per web process" section of docs/benchmarks.md, from bench.sockets' results."""

from __future__ import annotations

import os

# The reading of the last recorded run, kept with the code that writes it; update it with the figures.
READING = ""


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
