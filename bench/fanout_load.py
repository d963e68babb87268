"""Pieces of the fan-out benchmark: a synthetic city routing tree, the XADD driver and the
screens (python-socketio over WebSocket) that time what reaches them."""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
import time
from dataclasses import dataclass, field

import redis
import socketio

from dashboard.contract import schema
from dashboard.demo.places import CITY_CODE

DISTRICTS = ("chengxiang", "licheng", "hanjiang", "xiuyu", "xianyou", "meizhou", "beian")
GRIDS = 2408
STAFF = 5722
ENTRIES_PER_S = 10  # a device gateway forwards about a tenth of a second of phones at a time
INCIDENTS_PER_S = 2.0  # ~100x Putian's daily average


def chain(grid: int) -> list[str]:
    """City → district → town → village → grid codes of grid number `grid` (codes nest by prefix)."""
    district = DISTRICTS[grid % len(DISTRICTS)]
    town = f"{district}-t{(grid // 7) % 8}"
    village = f"{town}-v{(grid // 56) % 18}"
    return [CITY_CODE, district, town, village, f"{village}-g{grid:04d}"]


CHAINS = [chain(g) for g in range(GRIDS)]


def ms_of(entry_id: str) -> int:
    """Epoch milliseconds of a stream id."""
    return int(entry_id.partition("-")[0])


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Driver:
    """Appends positions (5,722 x scale people, each every 10 s) and incidents at fixed rates."""

    r: redis.Redis
    scale: float
    position_ids: list[str] = field(default_factory=list)
    incident_ids: list[tuple[str, str]] = field(default_factory=list)  # (id, district)
    next_staff: int = 0

    def positions_entry(self) -> dict[str, str]:
        staff_total = int(STAFF * self.scale)
        per_entry = max(1, round(staff_total / 10 / ENTRIES_PER_S))
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        rows = []
        for _ in range(per_entry):
            k = self.next_staff
            self.next_staff = (k + 1) % staff_total
            units = CHAINS[k % GRIDS]
            rows.append({"staff": f"S{k:06d}", "ts": ts, "lat": 25.4 + (k % 97) / 1000,
                         "lon": 119.0 + (k % 89) / 1000, "grid": units[-1], "role": "patrol", "units": units})
        return schema.encode(schema.T_POSITIONS, {"positions": rows, "units": [CITY_CODE]})

    def run(self, seconds: float, record: bool) -> int:
        """Drive for `seconds`; returns positions appended."""
        rng = random.Random(7)
        start = time.monotonic()
        tick, sent, next_incident = 0, 0, 0.0
        while (elapsed := time.monotonic() - start) < seconds:
            entry = self.positions_entry()
            entry_id = self.r.xadd(schema.POSITIONS, entry, maxlen=schema.MAXLEN[schema.POSITIONS],
                                   approximate=True)
            sent += entry["data"].count('"staff"')
            if record:
                self.position_ids.append(entry_id)
            if elapsed >= next_incident:
                units = CHAINS[rng.randrange(GRIDS)]
                inc_id = self.r.xadd(schema.INCIDENTS, schema.encode(
                    schema.T_REPORTED, {"id": f"bench-{tick}", "severity": 2, "units": units}))
                if record:
                    self.incident_ids.append((inc_id, units[1]))
                next_incident += 1 / INCIDENTS_PER_S
            tick += 1
            pause = start + tick / ENTRIES_PER_S - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        return sent


def drive(redis_url: str, scale: float, seconds: float, record: bool, conn) -> None:
    """Driver entry point for a separate process (so the screens' process measures only them):
    sends back (positions sent, position ids, incident ids)."""
    driver = Driver(redis.Redis.from_url(redis_url, decode_responses=True), scale)
    sent = driver.run(seconds, record)
    conn.send((sent, driver.position_ids, driver.incident_ids))
    conn.close()


class Screen:
    """A subscribed screen recording (arrival ms, id) of every push."""

    def __init__(self, url: str, token: str, unit: str) -> None:
        self.unit = unit
        self.positions: list[tuple[float, str]] = []
        self.feeds: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        # websocket-client checks UTF-8 byte by byte in pure Python (browsers do it natively); at a
        # city push of 2,800 positions that alone costs the screen hundreds of milliseconds.
        self.client = socketio.Client(reconnection=False,
                                      websocket_extra_options={"skip_utf8_validation": True})
        self.client.on("positions", self._on_positions)
        self.client.on("feed", self._on_feed)
        self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
        ack = self.client.call("subscribe", {"unit": unit, "last": {}}, timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(f"subscribe {unit} refused: {ack}")

    def _on_positions(self, data) -> None:
        now = time.time() * 1000
        if not data.get("snapshot"):
            with self.lock:
                self.positions.append((now, data["id"]))

    def _on_feed(self, data) -> None:
        now = time.time() * 1000
        with self.lock:
            self.feeds.append((now, data["id"]))

    def reset(self) -> None:
        """Forget what arrived so far."""
        with self.lock:
            self.positions.clear()
            self.feeds.clear()

    def recorded(self) -> tuple[list, list]:
        """Copies of the (arrival ms, id) lists of position pushes and feed events."""
        with self.lock:
            return list(self.positions), list(self.feeds)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()


def screen_process(url: str, token: str, unit: str, conn) -> None:
    """One screen in its own process, as browsers are: answers reset / collect / close."""
    screen = Screen(url, token, unit)
    conn.send("ready")
    while True:
        command = conn.recv()
        if command == "reset":
            screen.reset()
            conn.send("ok")
        elif command == "collect":
            conn.send(screen.recorded())
        else:
            screen.close()
            conn.send("closed")
            return


class RemoteScreen:
    """Handle on a screen_process."""

    def __init__(self, url: str, token: str, unit: str) -> None:
        self.unit = unit
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=screen_process, args=(url, token, unit, child), daemon=True)
        self.proc.start()
        if self.conn.recv() != "ready":
            raise RuntimeError(f"screen {unit} did not start")

    def ask(self, command: str):
        """Send a command and return the answer."""
        self.conn.send(command)
        return self.conn.recv()

    def close(self) -> None:
        """Disconnect and end the process."""
        if self.proc.is_alive():
            self.ask("close")
        self.proc.join(10)


def position_latencies(pushes: list[tuple[float, str]], entry_ids: list[str]) -> list[float]:
    """Per appended entry: ms from its XADD to the first push that carried it."""
    pushes = sorted(pushes)
    out, i = [], 0
    for entry_id in entry_ids:
        key = schema.id_key(entry_id)
        while i < len(pushes) and schema.id_key(pushes[i][1]) < key:
            i += 1
        if i < len(pushes):
            out.append(pushes[i][0] - ms_of(entry_id))
    return out


def feed_latencies(feeds: list[tuple[float, str]], entry_ids: list[str]) -> list[float]:
    """Per incident the screen should see: ms from XADD to arrival."""
    arrived = {entry_id: at for at, entry_id in feeds}
    return [arrived[e] - ms_of(e) for e in entry_ids if e in arrived]


def emit_cost(redis_url: str, positions: int, rounds: int = 40) -> float:
    """Milliseconds the fan-out spends on one emit of a push holding `positions` positions."""
    from feeds.fanout import socketio_emitter

    emit = socketio_emitter(redis_url)
    emit("positions", {"id": "0-1", "positions": []}, ["unit:bench-nobody"])  # connect first
    rows = [{"staff": f"S{k:06d}", "ts": "2026-11-27T10:00:00+00:00", "lat": 25.4, "lon": 119.0,
             "grid": CHAINS[k % GRIDS][-1], "role": "patrol"} for k in range(positions)]
    payload = json.loads(json.dumps({"id": "1-0", "positions": rows}))
    started = time.perf_counter()
    for _ in range(rounds):
        emit("positions", payload, ["unit:bench-nobody"])
    return (time.perf_counter() - started) / rounds * 1000


def capacity(work_dir, scale: float = 20, seconds: int = 10) -> dict:
    """The fan-out's own cost, away from the live processes: `seconds` of load at `scale` are
    pre-filled into a fresh Redis, then one Fanout drains them with the 250 ms window played on
    a simulated clock, pushing to the city and 7 district rooms through the real message queue.
    Returns positions per CPU-second and per wall-second."""
    from dashboard.ops.redis_server import EmbeddedRedis
    from feeds.fanout import Fanout, socketio_emitter

    server = EmbeddedRedis(work_dir)
    url = server.start()
    try:
        r = redis.Redis.from_url(url, decode_responses=True)
        driver = Driver(r, scale)
        entries = [driver.positions_entry() for _ in range(seconds * ENTRIES_PER_S)]
        positions = sum(e["data"].count('"staff"') for e in entries)
        clock = [0.0]
        fanout = Fanout(r, socketio_emitter(url), clock=lambda: clock[0])
        fanout.acquire()
        r.zadd("live:rooms", {u: time.time() + 3600 for u in (CITY_CODE, *DISTRICTS)})
        fanout.refresh_rooms(time.time())
        pipe = r.pipeline(transaction=False)
        for entry in entries:
            pipe.xadd(schema.POSITIONS, entry)
        pipe.execute()
        wall, cpu = time.perf_counter(), time.process_time()
        done = 0
        while done < len(entries):
            done += fanout.step(1)
            clock[0] = done / ENTRIES_PER_S
            if fanout.flush_due(clock[0]):
                fanout.flush(clock[0])
        fanout.flush(clock[0] + 1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return {"positions": positions, "per_cpu_s": positions / cpu, "per_wall_s": positions / wall}
    finally:
        server.stop()
