"""Soak: the whole product under steady load for many minutes, sampling memory and lag over time.

    .venv/bin/python -m bench.soak --minutes 30 --scale 20 --speed 5 --write
    .venv/bin/python -m bench.soak --minutes 5 --scale 1 --speed 1 --memory-only --write

Starts its own redis-server (configured as `python -m dashboard run` starts its embedded one) and
`ingest`, `supervise`, `fanout`, `serve` and `simulate` on a seeded PostgreSQL database, keeps one
Socket.IO client in the city room (so the fan-out pushes positions as it does to a wall), and every
`--every` seconds records each process's RSS and CPU, Redis memory and stream lengths, the
consumer groups' backlog, the fan-out's cursor lag, rows persisted per second and push latency.
Writes the rows as CSV, a plot, and the "Soak" (or with --memory-only the "Memory") section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psutil
import redis
from sqlalchemy import create_engine

from bench.pipeline import CITY_START
from bench.pipeline_probe import Latencies, connect_screen
from bench.pipeline_procs import (
    Children,
    ensure_world,
    free_port,
    issue_bench_tokens,
    sim_load_args,
    wait_http,
)
from bench.soak_doc import memory_section, soak_section
from bench.soak_probe import ProcessMeter, SoakSampler
from bench.soak_report import plot, replace_section, write_csv
from dashboard.contract import schema
from dashboard.core.timeutil import LOCAL_TZ, utcnow
from dashboard.demo.places import CITY_CODE
from dashboard.ops.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=30, help="measured minutes (default 30)")
    p.add_argument("--warmup", type=float, default=60, help="seconds of load before the window (default 60)")
    p.add_argument("--scale", type=float, default=20, help="load multiple of Putian (default 20)")
    p.add_argument("--speed", type=float, default=5, help="simulator time compression (default 5)")
    p.add_argument("--every", type=float, default=10, help="seconds between samples (default 10)")
    p.add_argument("--ingests", type=int, default=1, help="ingest processes in the persist group (default 1)")
    p.add_argument("--senders", type=int, default=4, help="simulator's concurrent POSTs (default 4)")
    p.add_argument("--batch", type=int, default=2000, help="positions per POST (default 2000)")
    p.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/hk_soak",
                   help="seeded when empty (default: PostgreSQL database hk_soak)")
    p.add_argument("--data-dir", type=Path, default=Path("/tmp/hk_soak"),
                   help="logs, the secret key and Redis's files (default /tmp/hk_soak)")
    p.add_argument("--memory-only", action="store_true",
                   help="report resident memory in steady state (the Memory section) instead of the soak")
    p.add_argument("--write", action="store_true", help="write the CSV, the plot and the doc section")
    p.add_argument("--out", default=None, help="file name stem under docs/ (default soak or soak-memory)")
    return p.parse_args(argv)


def start_redis(data_dir: Path) -> EmbeddedRedis:
    """A fresh redis-server of our own, as `dashboard run` would start it (AOF, every second)."""
    shutil.rmtree(data_dir / "redis", ignore_errors=True)
    server = EmbeddedRedis(data_dir)
    server.start()
    return server


def main(argv: list[str] | None = None) -> int:
    """Start everything, sample until the time is up, stop everything, write the results."""
    args = parse_args(argv)
    load_start = os.getloadavg()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    server = start_redis(args.data_dir)
    port = free_port()
    env = {**os.environ, "DASHBOARD_HOST": "127.0.0.1", "DASHBOARD_PORT": str(port),
           "DASHBOARD_REDIS_URL": server.url, "DASHBOARD_DATABASE_URL": args.database_url,
           "DASHBOARD_DATA_DIR": str(args.data_dir), "PYTHONUNBUFFERED": "1"}
    url = f"http://127.0.0.1:{port}"
    logs = args.data_dir / "logs"
    engine = create_engine(args.database_url, pool_pre_ping=True)
    children = Children(env, logs)
    screen = None
    rows: list[dict] = []
    r = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        ensure_world(env, logs, engine)
        sim_token, screen_token = issue_bench_tokens(engine)
        # Consumers first so nothing queues unread, then the web server, then the load (as `run`).
        for i in range(args.ingests):
            children.start("ingest" if i == 0 else f"ingest{i + 1}",
                           ["-m", "dashboard", "ingest", "--name", f"hk-ingest-{i + 1}"])
        for verb in ("supervise", "fanout", "serve"):
            children.start(verb, ["-m", "dashboard", verb])
        wait_http(url + "/healthz", 90)
        latencies = Latencies()
        screen = connect_screen(url, screen_token, CITY_CODE, latencies)
        latencies.recording = True
        total_s = args.warmup + 60 * args.minutes
        children.start("simulate", [
            "-m", "dashboard", "simulate", *sim_load_args(args.scale), "--speed", f"{args.speed:g}",
            "--duration", f"{total_s + 2 * args.every:g}", "--everyone-on-duty",
            "--senders", str(args.senders), "--batch", str(args.batch), "--city-start", CITY_START,
            "--url", url, "--token", sim_token, "--status-every", f"{args.every:g}"])
        pids = {name: proc.pid for name, proc in children.procs.items()}
        pids["redis"] = server.proc.pid
        sampler = SoakSampler(ProcessMeter(pids, own_only={"redis"}), r, engine, utcnow(),
                              latencies, children.log_paths["simulate"])
        rows = sample_until(sampler, children, total_s, args.every)
        stream = stream_memory(r)
    finally:
        if screen is not None:
            screen.disconnect()
        children.stop_all()
        server.stop()
        engine.dispose()
    meta = describe(args, argv, load_start, stream, children)
    return report(args, rows, meta)


def sample_until(sampler: SoakSampler, children: Children, total_s: float, every: float) -> list[dict]:
    """A row every `every` seconds until `total_s` have passed or a process died."""
    rows: list[dict] = []
    began = time.monotonic()
    while time.monotonic() - began < total_s:
        due = began + (len(rows) + 1) * every
        time.sleep(max(0.0, due - time.monotonic()))
        row = sampler.take()
        rows.append(row)
        print(f"soak {row['t_s']:>7.0f} s | positions {row['positions_per_s']:>8,.0f}/s persisted, "
              f"{row['positions_sent_per_s']:>8,.0f}/s sent | backlog {row['ingest_lag_positions']}"
              f"+{row['ingest_pending_positions']} | fanout {row['fanout_lag_s_positions']} s | "
              f"redis {row['redis_used_mb']:,.0f} MB | load {row['load1']:.1f}", flush=True)
        dead = [n for n, p in children.procs.items() if p.poll() is not None]
        if dead:
            print(f"soak: stopped early, {', '.join(dead)} exited; see {children.logs}", flush=True)
            break
    return rows


def stream_memory(r: redis.Redis) -> dict[str, float]:
    """The positions stream's exact size in Redis and the age of its oldest entry, at the end."""
    used = r.memory_usage(schema.POSITIONS, samples=0) or 0
    first = r.xrange(schema.POSITIONS, count=1)
    age = time.time() - int(first[0][0].split("-")[0]) / 1000 if first else 0.0
    return {"positions_stream_mb": used / 2**20, "positions_stream_age_s": age,
            "positions_stream_entries": r.xlen(schema.POSITIONS)}


def describe(args: argparse.Namespace, argv: list[str] | None, load_start: tuple, stream: dict,
             children: Children) -> dict:
    """What the doc says about the run besides the rows."""
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True,
                                   text=True).stdout.split()[2].removeprefix("v=")
    given = argv if argv is not None else sys.argv[1:]
    return {
        "command": "flock /tmp/bench.lock .venv/bin/python -m bench.soak "
                   + " ".join(shlex.quote(a) for a in given),
        "when": datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M %Z"),
        "load_start": load_start, "load_end": os.getloadavg(), "cores": psutil.cpu_count(),
        "redis": f"its own redis-server {redis_version} (AOF every second, as `dashboard run` starts it)",
        "database": args.database_url.split("@")[-1],
        "processes": ", ".join(f"`{n}`" for n in children.procs),
        "stream": stream, "simulator": " ".join(sim_load_args(args.scale)),
    }


def report(args: argparse.Namespace, rows: list[dict], meta: dict) -> int:
    """Write CSV, plot and section (or print the section), and say where."""
    if not rows:
        print("soak: no samples taken", file=sys.stderr)
        return 1
    stem = args.out or ("soak-memory" if args.memory_only else "soak")
    folder = DOCS if args.write else args.data_dir
    csv_path, png_path = folder / f"{stem}.csv", folder / f"{stem}.png"
    meta.update(csv=csv_path.name, png=png_path.name)
    write_csv(csv_path, rows)
    plot(rows, png_path, f"{args.scale:g}× Putian, speed {args.speed:g}: {meta['when']}", args.warmup)
    heading, body = (("Memory", memory_section(rows, args, meta)) if args.memory_only
                     else ("Soak", soak_section(rows, args, meta)))
    print(body)
    if args.write:
        replace_section(DOCS / "benchmarks.md", heading, body)
        print(f"written: {csv_path}, {png_path}, docs/benchmarks.md ## {heading}")
    else:
        print(f"written: {csv_path}, {png_path} (no doc: pass --write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
