"""Fan-out latency: Redis stream entry → Socket.IO client, at 1×, 5× and 20× Putian position load.

    .venv/bin/python -m bench.fanout --write

Self-contained: its own redis-server (the embedded one), a temporary SQLite database holding the
city and its 7 districts with a wall token, and the real `serve` and `fanout` verbs as
subprocesses. Eight screens (python-socketio over WebSocket, each in its own process as browsers
are) subscribe: the city and each district. The driver (a process of its own) XADDs
feed:positions directly, 10 entries a second (each a gateway batch; 5,722 x scale people each
reporting every 10 s, spread over 2,408 grids, every position routed
city → district → town → village → grid) plus 2 incidents a second on feed:incidents.

Reported per load: positions latency per appended entry (XADD time, i.e. its stream id, to the
first push at the screen that carried it; includes the 250 ms coalescing window by design),
incident latency (XADD to the `feed` event), the CPU the fan-out and web processes used, whether
the fan-out kept up, the fan-out's cost of one emit, and its capacity (positions per CPU-second
draining a pre-filled stream). ``--write`` puts the table into the "Fan-out" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import redis
import requests

from bench.fanout_load import (
    DISTRICTS,
    RemoteScreen,
    capacity,
    drive,
    emit_cost,
    feed_latencies,
    percentile,
    position_latencies,
)
from dashboard.contract import schema
from dashboard.contract.keys import FANOUT_CURSOR
from dashboard.core.db import make_engine, session_factory, upgrade
from dashboard.core.principal import issue_token
from dashboard.demo.places import CITY_CODE
from dashboard.ops.fanout_stats import read_counts
from dashboard.ops.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Fan-out"


def build_database(path: Path) -> tuple[str, str]:
    """A migrated SQLite file with the city and its districts; returns its URL and a wall token."""
    from dashboard.core.models import Unit

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine).begin() as s:
        s.add(Unit(code=CITY_CODE, name="莆田市", name_en="Putian", level="city", boundary="{}",
                   centroid_lat=25.4, centroid_lon=119.0, area_km2=4119.0))
        s.flush()
        for code in DISTRICTS:
            s.add(Unit(code=code, name=code, name_en=code, level="district", parent_code=CITY_CODE,
                       boundary="{}", centroid_lat=25.4, centroid_lon=119.0, area_km2=500.0))
        s.flush()
        token = issue_token(s, "bench-wall", "wall", CITY_CODE)
    engine.dispose()
    return url, token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(verb: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    """`python -m dashboard <verb>` with its output in a log file."""
    log = open(log_dir / f"{verb}.log", "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen([sys.executable, "-m", "dashboard", verb], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def wait_for(predicate, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (requests.RequestException, redis.RedisError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def run_driver(redis_url: str, scale: float, seconds: float, record: bool) -> tuple[int, list, list]:
    """Drive the feeds from a separate process; returns what it appended."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=drive, args=(redis_url, scale, seconds, record, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def measure(scale: float, seconds: float, redis_url: str, screens: list[RemoteScreen],
            procs: dict[str, psutil.Process]) -> dict:
    """One load level: warm up, drive, collect latencies and CPU."""
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    run_driver(redis_url, scale, 3, False)
    for screen in screens:
        screen.ask("reset")
    for proc in procs.values():
        proc.cpu_percent(None)
    before = read_counts(r)
    sent, position_ids, incident_ids = run_driver(redis_url, scale, seconds, True)
    cpu = {name: proc.cpu_percent(None) for name, proc in procs.items()}
    time.sleep(2)  # the last window's pushes land
    after = read_counts(r)
    flushes = after.get("flushes", 0) - before.get("flushes", 0)
    flush_ms = (after.get("flush_us", 0) - before.get("flush_us", 0)) / 1000 / max(flushes, 1)
    head = r.xinfo_stream(schema.POSITIONS)["last-generated-id"]
    seen = {screen.unit: screen.ask("collect") for screen in screens}
    feed = feed_latencies(seen[CITY_CODE][1], [e for e, _ in incident_ids])
    district_pos = []
    for unit in DISTRICTS:
        feed += feed_latencies(seen[unit][1], [e for e, d in incident_ids if d == unit])
        district_pos += position_latencies(seen[unit][0], position_ids)
    return {"scale": scale, "positions_s": sent / seconds,
            "city": position_latencies(seen[CITY_CODE][0], position_ids), "district": district_pos,
            "feed": feed, "cpu": cpu, "kept_up": r.hget(FANOUT_CURSOR, schema.POSITIONS) == head,
            "city_push": round(sent / seconds * 0.25), "load": os.getloadavg()[0],
            "flush_ms": flush_ms, "flushes_s": flushes / seconds}


def table(results: list[dict], costs: dict[int, float], cap: dict, command: str) -> str:
    """The Markdown section."""
    def p(values):
        return f"{percentile(values, 50):.0f} / {percentile(values, 99):.0f}"

    lines = [SECTION, "", f"Command: `{command}` ({time.strftime('%Y-%m-%d')}).", "",
             "Real `serve` and `fanout` processes on an embedded Redis; 8 screens (city + 7 districts, "
             "python-socketio over WebSocket, one process each, like browsers); the driver XADDs "
             "from its own process. Latencies in ms, p50 / p99, from the entry's stream-id time to "
             "its arrival at the screen; positions include the 250 ms "
             "coalescing window by design (at most 4 pushes a second per room).", "",
             "| load | positions/s | positions → city screen | positions → district screens "
             "| incidents → screens | fan-out CPU | flushes/s, ms each | web CPU | fan-out kept up "
             "| machine load (1 min) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for r in results:
        lines.append(f"| {r['scale']:g}x | {r['positions_s']:,.0f} | {p(r['city'])} | {p(r['district'])} "
                     f"| {p(r['feed'])} | {r['cpu']['fanout']:.0f} % "
                     f"| {r['flushes_s']:.1f}, {r['flush_ms']:.1f} "
                     f"| {r['cpu']['serve']:.0f} % "
                     f"| {'yes' if r['kept_up'] else 'NO'} | {r['load']:.1f} |")
    lines += ["", "A flush emits one coalesced push to every watched room (here 8 rooms; ms each is the "
              "fan-out's own measure, `dashboard_fanout_flush_seconds_total`). One emit measured alone "
              "from the benchmark process, by push size: "
              + ", ".join(f"{n:,} positions {ms:.2f} ms" for n, ms in sorted(costs.items())) + ".", "",
              f"Capacity: one fan-out drained {cap['positions']:,} pre-filled positions (10 s of 20x load, "
              f"8 watched rooms, the 250 ms window on a simulated clock) at {cap['per_cpu_s']:,.0f} "
              f"positions per CPU-second ({cap['per_wall_s']:,.0f} per wall-second on this shared machine); "
              "design load is 11,400 positions/s.", "",
              "The machine is shared (load column), and the screens are Python clients that decode every "
              "push on a slice of its 2 cores, so the tails here include CPU contention; the fan-out "
              "kept up when its cursor stood at the stream's end after each level.", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace (or append) the Fan-out section of docs/benchmarks.md, creating the file if missing."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + 1)
        doc = doc[:start] + text + (doc[end + 1:] if end >= 0 else "")
    DOC.write_text(doc.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, optionally write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,20", help="load multipliers (default 1,5,20)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per level")
    parser.add_argument("--write", action="store_true", help="write the Fan-out section")
    args = parser.parse_args(argv)
    levels = [float(x) for x in args.levels.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    embedded = EmbeddedRedis(work)
    redis_url = embedded.start()
    running: list[subprocess.Popen] = []
    screens: list[RemoteScreen] = []
    try:
        db_url, token = build_database(work / "bench.sqlite3")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}
        env.update(DASHBOARD_REDIS_URL=redis_url, DASHBOARD_DATABASE_URL=db_url, DASHBOARD_DATA_DIR=str(work),
                   DASHBOARD_PORT=str(port), PYTHONUNBUFFERED="1")
        r = redis.Redis.from_url(redis_url, decode_responses=True)
        running += [start("fanout", env, work), start("serve", env, work)]
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: requests.get(url + "/healthz", timeout=2).status_code > 0, "serve")
        wait_for(lambda: r.exists("live:heartbeat:fanout"), "fanout")
        screens = [RemoteScreen(url, token, unit) for unit in (CITY_CODE, *DISTRICTS)]
        procs = {"fanout": psutil.Process(running[0].pid), "serve": psutil.Process(running[1].pid)}
        results = []
        for scale in levels:
            results.append(measure(scale, args.seconds, redis_url, screens, procs))
            print(f"{scale:g}x done", flush=True)
        costs = {n: emit_cost(redis_url, n) for n in sorted({1, *(x["city_push"] for x in results)})}
        cap = capacity(work / "capacity")
    finally:
        for screen in screens:
            screen.close()
        for proc in running:
            proc.terminate()
            proc.wait(20)
        embedded.stop()
    command = "python -m bench.fanout" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    text = table(results, costs, cap, command)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
