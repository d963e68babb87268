"""Screens benchmark: city cold load, drill steps and feed-to-screen latency in headless Chromium.

    .venv/bin/python -m bench.screens --database-url postgresql://postgres@127.0.0.1:5432/bscr_screens \\
        --redis-url redis://127.0.0.1:6379/3 --write

Seeds the database if it is empty, flushes the given Redis database, starts `serve`, `ingest` and
`fanout` plus the bare comparison page (bench/screens_bare.py) as subprocesses, and for each load
level runs the simulator (everyone on duty) while Chromium measures, as a city leader: (a) the cold
load of /city until the map and every live position are drawn, (b) each drill step city → district
→ town → village → grid by clicking, (c) incident stream entry → ticker row / map marker in the
product and (d) → the bare page's div, for incidents posted through the intake API.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shlex
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psutil
import redis
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import screens_browser as sb
from bench.browser import chromium
from bench.pipeline_procs import (
    Children,
    ensure_world,
    free_port,
    issue_bench_tokens,
    sim_load_args,
    wait_http,
)
from bench.screens_report import render, write_section
from bench.screens_trace import summary
from dashboard.contract import keys
from dashboard.core.config import load_settings
from dashboard.core.db import engine_for, session_factory
from dashboard.core.models import BusinessItem, Unit
from dashboard.core.timeutil import LOCAL_TZ
from dashboard.core.units import root_code
from dashboard.demo.accounts import DEMO_PASSWORD, demo_accounts
from dashboard.queries.units import ancestors
from dashboard.queries.views import live_positions

ROOT = Path(__file__).resolve().parent.parent
GRID = "licheng-zhenhai-changshou-g01"  # a grid under the demo accounts' named places
CITY_START = "2026-11-24T10:00"  # a Tuesday morning, as in bench.pipeline


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m bench.screens", description=__doc__.split("\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DASHBOARD_DATABASE_URL"))
    p.add_argument("--redis-url", default=os.environ.get("DASHBOARD_REDIS_URL", "redis://127.0.0.1:6379/3"),
                   help="a Redis database of this benchmark's own: it is flushed first")
    p.add_argument("--scales", default="1,20", help="simulator load multipliers (default 1,20)")
    p.add_argument("--speeds", default="1,5", help="simulator time compression per scale; 20× at 5 is "
                   "DESIGN.md's design load, 20× positions and 100× incidents (default 1,5)")
    p.add_argument("--warmup", type=float, default=25, help="seconds of simulator before measuring")
    p.add_argument("--cold-runs", type=int, default=3)
    p.add_argument("--drill-runs", type=int, default=2)
    p.add_argument("--incidents", type=int, default=50)
    p.add_argument("--gap", type=float, default=0.3, help="seconds between posted incidents")
    p.add_argument("--trace", action="store_true", help="also record one cold load and one drill of "
                   "the product and of the bare map page with Chrome tracing and the V8 profiler "
                   "(bench/screens_trace.py) and report where their time went")
    p.add_argument("--write", action="store_true", help="write the section into docs/benchmarks.md")
    p.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the stack, measure each load level, print (and write) the report."""
    args = parse_args(argv)
    if not args.database_url:
        print("bench.screens: give --database-url (or set DASHBOARD_DATABASE_URL)", file=sys.stderr)
        return 2
    port, bare_port = free_port(), free_port()
    logs = ROOT / "var" / "bench-screens"
    env = {**os.environ, "DASHBOARD_DATABASE_URL": args.database_url, "DASHBOARD_REDIS_URL": args.redis_url,
           "DASHBOARD_HOST": "127.0.0.1", "DASHBOARD_PORT": str(port),
           "DASHBOARD_DATA_DIR": str(logs), "DASHBOARD_SECRET_KEY": "bench-screens-secret-0123456789"}
    os.environ.update({k: env[k] for k in ("DASHBOARD_DATABASE_URL", "DASHBOARD_REDIS_URL")})
    settings = load_settings()
    engine = engine_for(settings)
    ensure_world(env, logs, engine)
    r = redis.Redis.from_url(args.redis_url, decode_responses=True)
    r.flushdb()  # stale positions and dedupe keys of an earlier run would skew the counts
    sim_token, _wall = issue_bench_tokens(engine)
    demo_accounts(session_factory(engine))
    chain, item, grid = plan(engine)
    with Session(engine) as s:
        root = root_code(s)
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    children = Children(env, logs)
    stages, notes = [], []
    try:
        for verb in ("serve", "ingest", "fanout"):
            children.start(verb, ["-m", "dashboard", verb])
        children.start("bare", ["-m", "bench.screens_bare", "--port", str(bare_port)])
        wait_http(base + "/healthz", 120)
        wait_http(bare_base + "/", 60)
        with chromium() as browser:
            state = sb.logged_in_state(browser, base, "leader", DEMO_PASSWORD)

            def post(incident_id: str) -> str:
                body = {"id": incident_id, "reported_at": datetime.now(UTC).isoformat(), "lat": grid[1],
                        "lon": grid[0], "grid": GRID, "business_item": item, "source": "patrol",
                        "severity": 3, "description": "屏幕基准测试事件"}
                resp = requests.post(base + "/api/v1/incidents", json=body, timeout=30,
                                     headers={"Authorization": f"Bearer {sim_token}"})
                resp.raise_for_status()
                return resp.json()["stream_id"]

            for scale, speed in zip(args.scales.split(","), args.speeds.split(","), strict=True):
                stages.append(run_stage(float(scale), float(speed), args, browser, state, base, bare_base,
                                        sim_token, chain, root, r, children, post, notes))
    finally:
        children.stop_all()
    meta = describe(args, argv, engine, notes)
    text = render(stages, meta)
    print(text)
    if args.write:
        write_section(args.doc, text)
        print(f"written to {args.doc}")
    return 0


def plan(engine) -> tuple[list[tuple[str, str, float, float]], str, tuple[float, float]]:
    """The drill chain below the city, a business item, and the grid's centre (lon, lat)."""
    with Session(engine) as s:
        units = ancestors(s, GRID)[1:]
        item = s.scalars(select(BusinessItem.code).order_by(BusinessItem.code)).first()
        grid = s.get(Unit, GRID)
        return ([(u.code, u.level, u.centroid_lon, u.centroid_lat) for u in units], item,
                (grid.centroid_lon, grid.centroid_lat))


def run_stage(scale: float, speed: float, args, browser, state, base, bare_base, token, chain, root, r,
              children: Children, post, notes: list[str]) -> dict:
    """One load level: simulator on, then cold loads, drill runs and the feed-to-screen run."""
    load0 = os.getloadavg()[0]
    seed = random.SystemRandom().randrange(2**31)
    sim = children.start(f"simulate-{scale:g}x", [
        "-m", "dashboard", "simulate", *sim_load_args(scale), "--speed", f"{speed:g}", "--duration", "3600",
        "--seed", str(seed), "--everyone-on-duty", "--senders", "4", "--city-start", CITY_START,
        "--url", base, "--token", token, "--status-every", "10"])
    time.sleep(args.warmup)
    out = {"scale": scale, "speed": speed, "cold": [], "drill": {}, "figures": [], "cold_bare": [],
           "drill_bare": {},
           "feed": {"row": [], "marker": [], "bare": []},
           "posted": 0, "positions": r.hlen(keys.LATEST_POSITIONS)}
    tag = f"{scale:g}×"
    try:
        for _ in range(args.cold_runs):  # product and bare map page alternate, in the same browser
            for name, url, st in (("product", base + "/city", state), ("bare", bare_base + "/map/", None)):
                try:
                    drawn, figures = sb.cold_load(browser, st, url, r.hlen(keys.LATEST_POSITIONS))
                    out["cold" if name == "product" else "cold_bare"].append(drawn)
                    if figures is not None:
                        out["figures"].append(figures)
                except Exception as exc:  # noqa: BLE001 - the report says what did not finish
                    notes.append(f"- {tag}: a {name} cold load did not finish ({type(exc).__name__}: "
                                 f"{str(exc)[:300]}).")
        for _ in range(args.drill_runs):
            for name in ("product", "bare"):
                page = None
                try:
                    people = r.hlen(keys.LATEST_POSITIONS)
                    page = (sb.open_city(browser, state, base, people) if name == "product"
                            else sb.open_bare_map(browser, bare_base, people))
                    counts = {code: len(live_positions(r, code, root)) for code, *_ in chain}
                    into = out["drill" if name == "product" else "drill_bare"]
                    for level, value in sb.drill(page, chain, counts, bare=name == "bare"):
                        into.setdefault(level, []).append(value)
                except Exception as exc:  # noqa: BLE001
                    notes.append(f"- {tag}: a {name} drill run did not finish ({type(exc).__name__}: "
                                 f"{str(exc)[:300]}).")
                finally:
                    if page is not None:
                        page.context.close()
        if args.trace:
            trace_stage(browser, state, base, bare_base, chain, root, r, out, tag, notes)
        product = bare = None
        try:
            product = sb.open_city(browser, state, base, r.hlen(keys.LATEST_POSITIONS))
            bare = sb.open_bare(browser, bare_base)
            ids = [f"bench-screens-{uuid.uuid4().hex[:16]}" for _ in range(args.incidents)]
            out["feed"] = sb.feed_latencies(product, bare, post, ids, args.gap)
            out["posted"] = len(ids)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"- {tag}: the feed-to-screen run did not finish ({type(exc).__name__}: "
                         f"{str(exc)[:300]}).")
        finally:
            for page in (product, bare):
                if page is not None:
                    page.context.close()
    finally:
        sim.terminate()
        sim.wait(30)
    out["load"] = (load0, os.getloadavg()[0])
    print(f"stage {tag}: cold {out['cold']} bare {out['cold_bare']} figures {out['figures']} "
          f"drill {out['drill']} bare {out['drill_bare']} "
          f"row p50 {statistics.median(out['feed']['row']) if out['feed']['row'] else None}", flush=True)
    for note in notes:  # at once: a later stage can fail before the report is printed
        print(note, flush=True)
    return out


def trace_stage(browser, state, base, bare_base, chain, root, r, out: dict, tag: str,
                notes: list[str]) -> None:
    """One traced cold load and drill of the product and of the bare map page (out["traces"])."""
    out["traces"] = {}
    for name, url, st in (("product", base + "/city", state), ("bare map page", bare_base + "/map/", None)):
        records: list = []
        page = None
        try:
            sb.cold_load(browser, st, url, r.hlen(keys.LATEST_POSITIONS), traces=records)
            page = (sb.open_city(browser, st, base, r.hlen(keys.LATEST_POSITIONS)) if st
                    else sb.open_bare_map(browser, bare_base, r.hlen(keys.LATEST_POSITIONS)))
            counts = {code: len(live_positions(r, code, root)) for code, *_ in chain}
            sb.drill(page, chain, counts, bare=st is None, traces=records)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"- {tag}: the traced {name} run did not finish ({type(exc).__name__}: "
                         f"{str(exc)[:300]}).")
        finally:
            if page is not None:
                page.context.close()
        out["traces"][name] = records
        for label, record in records:
            notes.extend(summary(f"{tag} {name}, {label}", record))


def describe(args, argv, engine, notes: list[str]) -> dict:
    """The prose around the table."""
    cmd = ".venv/bin/python -m bench.screens " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    return {
        "intro": ("`python -m bench.screens` starts `serve`, `ingest`, `fanout` and the bare page "
                  "(`bench/screens_bare.py`: Flask + Dash + Flask-SocketIO in threading mode, the same "
                  "server kind as `serve`, on the same message-queue channel; each incident `feed` event "
                  "writes the id into a div through set_props) and runs the simulator with everyone on "
                  f"duty ({args.warmup:g} s warm-up) while headless Chromium (Debian's, 1920×1080, "
                  "software GL) measures, logged in as the demo city leader. Cold load: a fresh context "
                  "(empty cache, session cookie) opens /city; time from navigation start until the city "
                  "view's map is drawn: its positions are on it (on the bare page and from town level down "
                  "a dot each, on the product's city and district maps a disc per town counting its "
                  "staff, both read from live:pos as the figure is built) and "
                  "MapLibre reports the map loaded. Drill: mouse press (map click for the district, "
                  "sub-unit row below) until the new view's map is drawn the same way (its regions are "
                  "the unit's children, its positions drawn). Feed-to-screen: "
                  f"{args.incidents} incidents posted through the intake API {args.gap:g} s apart while a "
                  "connected city view and the bare page are open in the same browser; latency is the "
                  "DOM time (Date.now() in a MutationObserver for the ticker row and the bare div, "
                  "for the marker the animation frame after MapLibre has processed the incidents "
                  "source holding the point, i.e. the frame that draws it) minus the ms "
                  "in the entry's stream id (Redis's clock, same machine). Scale is the multiple of "
                  "Putian's positions and incidents (the simulator's `--scale` up to its limit of 20; "
                  "above, scale 20 with phones reporting and incidents arriving proportionally more "
                  "often, as in the Pipeline section); the speed column multiplies the incident rate."),
        "command": cmd,
        "when": datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M %Z"),
        "machine": (f"{psutil.cpu_count()} cores ({platform.processor() or platform.machine()}), "
                    f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {engine.url.get_backend_name()}, "
                    "Redis on localhost; the simulator, the product's processes and Chromium share "
                    "its cores (the load averages show whether anything else ran)"),
        "notes": [f"- Simulator speeds per scale: {args.speeds} (scales {args.scales})."] + notes,
    }


if __name__ == "__main__":
    sys.exit(main())
