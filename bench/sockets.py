"""Screens per web process: how many connected Socket.IO screens one `serve` holds, per async mode.

    .venv/bin/python -m bench.sockets --write

gevent and eventlet are deliberately not in requirements*.txt: installed into .venv they change
every Socket.IO server built without an explicit async_mode (the fan-out's write-only emitter would
pick eventlet, whose import warns, and warnings are errors in the tests). Put them aside and hand
them to serve alone:

    .venv/bin/pip install --target /tmp/hs_async gevent==26.9.0 gevent-websocket==0.10.1
    .venv/bin/pip install --target /tmp/hs_eventlet eventlet==0.41.3
    .venv/bin/python -m bench.sockets --site /tmp/hs_async:/tmp/hs_eventlet --write

Self-contained like bench.fanout: an embedded Redis, a temporary SQLite database holding the
synthetic city tree (city, 7 districts, towns, villages, 2,408 grids) with a wall token, the real
`serve` (one process, DASHBOARD_ASYNC_MODE per run) and `fanout` verbs. Screens are
python-socketio AsyncClients, many per process on a few processes, spread over the rooms as a city
would have them (bench.sockets_load.SHARES); each subscribes to its unit. The number of screens
steps up; at each step the driver of bench.fanout XADDs positions and incidents at 1x and at the
20x design load, and every screen records what reaches it.

Reported per mode, step and load: incident latency (stream-id time to the `feed` event at every
screen the incident is routed to) and position push latency (the push's id, its newest entry, to
arrival) p50 / p99, connects that failed, incidents missed (routed to a screen's room but never
received), serve's CPU and RSS, and the CPU the client processes used. A mode stops stepping
once p99 passes 500 ms at design load. ``--write`` puts the tables into the "Screens per web
process" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import redis

from bench.fanout import run_driver
from bench.fanout_load import ms_of, percentile
from bench.sockets_load import ScreenFleet, expected_feeds, rooms_for
from bench.sockets_stack import Stack, routed_incidents, web_stack
from dashboard.ops.fanout_stats import read_counts, read_latency

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Screens per web process"
LIMIT_MS = 500
DRAIN_S = 10
LATE_S = 10  # how long after the run a routed incident may still arrive before it counts as missed


def fanout_lag(before: tuple, after: tuple) -> tuple[float, float]:
    """From the fan-out's own histogram of stream-id → handed to the message queue, for the
    incidents of one run: the mean and the bucket bound the 99th percentile falls in (ms)."""
    counts = [b[1] - a[1] for a, b in zip(before[0], after[0], strict=True)]
    total = after[2] - before[2]
    if not total:
        return float("nan"), float("nan")
    bound = next(bound for (bound, _), n in zip(after[0], counts, strict=True) if n >= 0.99 * total)
    return (after[1] - before[1]) / total * 1000, bound * 1000


def _missing(screens: list[tuple[str, list, list]], rooms: dict[str, set[str]]) -> int:
    return sum(len(rooms.get(unit, set()) - {e for _, e in feeds}) for unit, _, feeds in screens)


def measure(scale: float, seconds: float, stack: Stack, fleet: ScreenFleet) -> dict:
    """One load level for the screens already connected: drive, then count and time arrivals."""
    redis_url, serve, fanout = stack.redis_url, stack.serve, stack.fanout
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    run_driver(redis_url, scale, 3, False)
    connected = fleet.reset()
    before, feed_before = read_counts(r), read_latency(r, "feed")
    serve.cpu_percent(None)
    fanout.cpu_percent(None)
    started = time.monotonic()
    sent, _, incident_ids = run_driver(redis_url, scale, seconds, True)
    wall = time.monotonic() - started
    cpu = {"serve": serve.cpu_percent(None), "fanout": fanout.cpu_percent(None)}
    time.sleep(2)  # the last pushes land
    after, feed_after = read_counts(r), read_latency(r, "feed")
    flushes = after.get("flushes", 0) - before.get("flushes", 0)
    flush_ms = (after.get("flush_us", 0) - before.get("flush_us", 0)) / 1000 / max(flushes, 1)
    screens, client_cpu_s, alive = fleet.collect()
    ids = [e for e, _ in incident_ids]
    rooms = expected_feeds(iter(routed_incidents(r, ids[0], ids[-1]))) if ids else {}
    if _missing(screens, rooms):
        time.sleep(LATE_S)  # late, or lost? a late one still counts in the latencies
        screens, _, alive = fleet.collect()
    feed_ms, pos_ms, expected, missed = [], [], 0, 0
    for unit, positions, feeds in screens:
        arrived = {}
        for at, entry_id in feeds:
            arrived.setdefault(entry_id, at)
        want = rooms.get(unit, set())
        expected += len(want)
        missed += len(want - arrived.keys())
        feed_ms += [arrived[e] - ms_of(e) for e in want if e in arrived]
        pos_ms += [at - ms_of(entry_id) for at, entry_id in positions]
    return {"scale": scale, "positions_s": sent / seconds, "feed": feed_ms, "pos": pos_ms,
            "expected": expected, "missed": missed, "connected": connected, "alive": alive, "cpu": cpu,
            "flushes_s": flushes / (wall + 2), "flush_ms": flush_ms,
            "fanout_feed": fanout_lag(feed_before, feed_after),
            "rooms": len({unit for unit, _, _ in screens}),
            "client_cpu": client_cpu_s / (wall + 2) * 100, "rss_mb": serve.memory_info().rss / 2**20,
            "load": os.getloadavg()[0]}


def run_mode(mode: str, steps: list[int], scales: list[float], seconds: float, clients: int,
             site: str | None) -> list[dict]:
    """Every step of one async mode on a fresh Redis, database, serve and fanout."""
    rows: list[dict] = []
    with web_stack(mode, site) as stack:
        fleet = ScreenFleet(stack.url, stack.token, clients)
        try:
            units = rooms_for(max(steps))
            past: set[float] = set()  # loads already far past the limit: not run at larger steps
            for n in steps:
                times, errors = fleet.open(units[fleet.size:n])
                time.sleep(3)  # the serve processes' room lists reach the fan-out
                step = {"mode": mode, "screens": n, "connected": fleet.reset(), "failed": len(errors),
                        "errors": errors[:3], "connect_ms": times, "loads": []}
                for scale in [x for x in scales if x not in past]:
                    load = measure(scale, seconds, stack, fleet)
                    step["loads"].append(load)
                    if worst_p99(load) > LIMIT_MS:
                        time.sleep(DRAIN_S)  # what serve still queues is not the next load's
                    if worst_p99(load) > 4 * LIMIT_MS or load["alive"] < load["connected"]:
                        past.add(scale)
                rows.append(step)
                print(summary_line(step), flush=True)
                # Stop once even the lightest load is past the limit, or screens fail or drop.
                alive = min(x["alive"] for x in step["loads"])
                if scales[0] in past or worst_p99(step["loads"][0]) > LIMIT_MS or n - alive > n // 10:
                    break
        finally:
            fleet.close()
    return rows


def worst_p99(load: dict) -> float:
    """The larger of the incident and position p99 (infinite when nothing arrived)."""
    values = [percentile(load["feed"], 99), percentile(load["pos"], 99)]
    return max((v for v in values if v == v), default=float("inf"))


def _pp(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{percentile(values, 50):.0f} / {percentile(values, 99):.0f}"


def _lag(load: dict) -> str:
    mean, p99 = load.get("fanout_feed", (float("nan"),) * 2)
    return "–" if mean != mean else f"{mean:.0f} / {p99:,.0f}"


def summary_line(step: dict) -> str:
    """One line of progress."""
    parts = [f"{step['mode']} {step['screens']} screens ({step['failed']} failed)"]
    for load in step["loads"]:
        parts.append(f"{load['scale']:g}x feed {_pp(load['feed'])} pos {_pp(load['pos'])} "
                     f"missed {load['missed']}/{load['expected']} connected {load['alive']} "
                     f"fan-out lag {_lag(load)} "
                     f"flush {load['flushes_s']:.1f}/s {load['flush_ms']:.0f} ms "
                     f"serve {load['cpu']['serve']:.0f}% fan-out {load['cpu']['fanout']:.0f}% "
                     f"clients {load['client_cpu']:.0f}%")
    return "; ".join(parts)


def held(rows: list[dict], mode: str, limit: float, scale: float) -> int:
    """The most screens of a mode whose p99 at this load stayed within limit with nothing missed
    (and every smaller step too)."""
    most = 0
    for step in (s for s in rows if s["mode"] == mode):
        load = next((x for x in step["loads"] if x["scale"] == scale), None)
        if load is None or step["connected"] < step["screens"] or load["missed"] \
                or load["alive"] < step["connected"] \
                or worst_p99(load) > limit:
            break
        most = step["screens"]
    return most


def table(rows: list[dict]) -> list[str]:
    """The Markdown table of every mode, step and load."""
    lines = ["| mode | screens | connect+subscribe ms p50 / p99 | failed | load | still connected "
             "| incidents → screens "
             "ms p50 / p99 | positions → screens ms p50 / p99 | incidents missed / routed "
             "| fan-out lag ms mean / p99 ≤ | serve CPU | serve RSS MB | fan-out CPU | flushes/s, ms each "
             "| client CPU | machine load |",
             "| --- | ---: | ---: | ---: | --- " + "| ---: " * 11 + "|"]
    for step in rows:
        for k, load in enumerate(step["loads"]):
            head = (f"| {step['mode']} | {step['screens']:,} ({load['rooms']:,} rooms) "
                    f"| {_pp(step['connect_ms'])} | {step['failed']} " if k == 0 else "| | | | ")
            lines.append(head + f"| {load['scale']:g}x | {load['alive']:,} | {_pp(load['feed'])} "
                         f"| {_pp(load['pos'])} "
                         f"| {load['missed']} / {load['expected']} | {_lag(load)} "
                         f"| {load['cpu']['serve']:.0f} % "
                         f"| {load['rss_mb']:.0f} | {load['cpu']['fanout']:.0f} % "
                         f"| {load['flushes_s']:.1f}, {load['flush_ms']:.0f} "
                         f"| {load['client_cpu']:.0f} % | {load['load']:.1f} |")
    return lines


def write_section(text: str) -> None:
    """Replace (or append) this section of docs/benchmarks.md, reading the file just before."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    begin = doc.find(SECTION + "\n")
    if begin < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", begin + 1)
        doc = doc[:begin] + text.rstrip("\n") + "\n\n" + (doc[end + 1:] if end >= 0 else "")
    DOC.write_text(doc.rstrip("\n") + "\n")


def available(mode: str, site: str | None) -> bool:
    """Whether serve can run in this mode here (its package importable, with --site if given)."""
    if mode == "threading":
        return True
    if site and any((Path(d) / mode).is_dir() for d in site.split(os.pathsep)):
        return True
    return importlib.util.find_spec(mode) is not None


def main(argv: list[str] | None = None) -> int:
    """Run the steps for each mode, print the tables, optionally write them."""
    from bench.sockets_report import section

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="threading,gevent,eventlet", help="async modes to compare")
    parser.add_argument("--steps", default="100,250,500,750,1000,1500", help="screen counts")
    parser.add_argument("--loads", default="1,20", help="load multiples per step (design load last)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per load")
    parser.add_argument("--clients", type=int, default=4, help="client processes holding the screens")
    parser.add_argument("--site", help="extra PYTHONPATH for serve only (gevent/eventlet kept out of .venv)")
    parser.add_argument("--write", action="store_true", help="write the section into docs/benchmarks.md")
    parser.add_argument("--save", type=Path, help="also keep the raw results in this JSON file")
    parser.add_argument("--render", type=Path, help="measure nothing: format the results saved by --save")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        text = section(SECTION, saved["command"], saved["rows"], table(saved["rows"]), held,
                       saved["load_start"], saved["load_end"], saved["skipped"], saved["at"])
        print(text)
        if args.write:
            write_section(text)
        return 0
    steps = [int(x) for x in args.steps.split(",")]
    scales = [float(x) for x in args.loads.split(",")]
    load_start = os.getloadavg()
    rows, skipped = [], []
    for mode in args.modes.split(","):
        if not available(mode, args.site):
            skipped.append(mode)
            print(f"{mode}: not installed, skipped", flush=True)
            continue
        try:
            rows += run_mode(mode, steps, scales, args.seconds, args.clients, args.site)
        except RuntimeError as exc:  # a mode that does not start is a finding, not a crash
            skipped.append(f"{mode} ({exc})")
            print(f"{mode}: {exc}", flush=True)
    given = argv if argv is not None else sys.argv[1:]
    command = "python -m bench.sockets" + (" " + " ".join(given)).rstrip()
    at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.save:
        args.save.write_text(json.dumps({"command": command, "rows": rows, "load_start": load_start,
                                         "load_end": os.getloadavg(), "skipped": skipped, "at": at}))
    text = section(SECTION, command, rows, table(rows), held, load_start, os.getloadavg(), skipped, at)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
