"""Pieces of the screens-per-web-process benchmark: where screens sit in the city, and a process
holding many python-socketio AsyncClient screens that time what reaches them.

A real city's screens are mostly on grid and village rooms (a phone or a small wall per grid
office), a few on towns, fewer on districts and the city wall. `rooms_for` spreads N screens that
way over the synthetic routing tree of bench.fanout_load, the same tree the driver routes by.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Iterator

import socketio

from bench.fanout_load import CHAINS, DISTRICTS

# Share of screens per level: city wall(s), district walls, towns, villages, grids.
SHARES = (("city", 0.01), ("district", 0.04), ("town", 0.15), ("village", 0.30), ("grid", 0.50))
LEVELS = ("city", "district", "town", "village", "grid")
CONNECTS_AT_ONCE = 25  # per client process; a browser fleet does not all reconnect in one instant


def tree() -> dict[str, tuple[str, str | None, list[str]]]:
    """Every unit of the synthetic tree: code -> (level, parent code, ancestor codes city-first)."""
    units: dict[str, tuple[str, str | None, list[str]]] = {}
    for chain in CHAINS:
        for depth, code in enumerate(chain):
            units.setdefault(code, (LEVELS[depth], chain[depth - 1] if depth else None, chain[:depth]))
    return units


def _codes_by_level() -> dict[str, list[str]]:
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for code, (level, _, _) in tree().items():
        by_level[level].append(code)
    return {level: sorted(codes) for level, codes in by_level.items()}


def rooms_for(n: int) -> list[str]:
    """Unit codes for n screens, by SHARES, spread round-robin over each level's units; the first
    k of rooms_for(n) are the same for any n, so a step adds screens to those already there."""
    by_level = _codes_by_level()
    # Interleave levels in proportion so any prefix keeps the shares (at least one city wall and
    # one wall per district as soon as there are enough screens).
    out: list[str] = []
    taken = dict.fromkeys(LEVELS, 0)
    while len(out) < n:
        level = min(LEVELS, key=lambda lv: (taken[lv] / dict(SHARES)[lv], LEVELS.index(lv)))
        codes = by_level[level]
        if level == "district":
            code = DISTRICTS[taken[level] % len(DISTRICTS)]
        else:  # a stride that visits every unit of the level before repeating one
            code = codes[(taken[level] * 37) % len(codes)]
        out.append(code)
        taken[level] += 1
    return out


class AsyncScreen:
    """One subscribed screen recording (arrival ms, id) of every live push."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.positions: list[tuple[float, str]] = []
        self.feeds: list[tuple[float, str]] = []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("positions", self._on_positions)
        self.client.on("feed", self._on_feed)

    def _on_positions(self, data) -> None:
        if not data.get("snapshot"):
            self.positions.append((time.time() * 1000, data["id"]))

    def _on_feed(self, data) -> None:
        self.feeds.append((time.time() * 1000, data["id"]))

    async def open(self, url: str, token: str) -> float:
        """Connect and subscribe; returns the milliseconds that took."""
        started = time.perf_counter()
        await self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        ack = await self.client.call("subscribe", {"unit": self.unit, "last": {}}, timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(f"subscribe {self.unit} refused: {ack}")
        return (time.perf_counter() - started) * 1000


async def _open_all(screens: list[AsyncScreen], url: str, token: str) -> tuple[list[AsyncScreen], list[float],
                                                                               list[str]]:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def one(screen: AsyncScreen):
        async with gate:
            try:
                return await screen.open(url, token)
            except Exception as exc:  # noqa: BLE001 - a failed connect is a result, not a crash
                await screen.client.disconnect()
                return exc

    results = await asyncio.gather(*(one(s) for s in screens))
    opened = [s for s, r in zip(screens, results, strict=True) if isinstance(r, float)]
    errors = [f"{type(r).__name__}: {r}"[:160] for r in results if not isinstance(r, float)]
    return opened, [r for r in results if isinstance(r, float)], errors


async def _serve_commands(url: str, token: str, conn) -> None:
    loop = asyncio.get_running_loop()
    screens: list[AsyncScreen] = []
    cpu_mark = time.process_time()
    while True:
        command, arg = await loop.run_in_executor(None, conn.recv)
        if command == "open":
            opened, times, errors = await _open_all([AsyncScreen(u) for u in arg], url, token)
            screens += opened
            conn.send((times, errors))
        elif command == "reset":
            for screen in screens:
                screen.positions, screen.feeds = [], []
            cpu_mark = time.process_time()
            conn.send(sum(1 for s in screens if s.client.connected))
        elif command == "collect":
            alive = sum(1 for s in screens if s.client.connected)
            conn.send(([(s.unit, s.positions, s.feeds) for s in screens], time.process_time() - cpu_mark,
                       alive))
        else:
            # engine.io logs an error per socket whose writer is cut short by the disconnect
            logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
            await asyncio.gather(*(s.client.disconnect() for s in screens), return_exceptions=True)
            conn.send("closed")
            return


def client_process(url: str, token: str, conn) -> None:
    """Entry point of one client process: many screens on one asyncio loop, driven by commands
    (open <units>, reset, collect, close) over a pipe."""
    asyncio.run(_serve_commands(url, token, conn))


class ScreenFleet:
    """Screens spread over a few client processes (round-robin), driven from the benchmark."""

    def __init__(self, url: str, token: str, processes: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns, self.procs = [], []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_process, args=(url, token, child), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)
        self.size = 0

    def _all(self, command: str, args: list | None = None) -> list:
        for k, conn in enumerate(self.conns):
            conn.send((command, args[k] if args else None))
        return [conn.recv() for conn in self.conns]

    def open(self, units: list[str]) -> tuple[list[float], list[str]]:
        """Add screens for these units; returns connect+subscribe ms of those that made it and the
        errors of those that did not."""
        shares = [units[k::len(self.conns)] for k in range(len(self.conns))]
        answers = self._all("open", shares)
        self.size += len(units)
        return [t for times, _ in answers for t in times], [e for _, errors in answers for e in errors]

    def reset(self) -> int:
        """Forget what arrived; returns the number of screens still connected."""
        return sum(self._all("reset"))

    def collect(self) -> tuple[list[tuple[str, list, list]], float, int]:
        """(unit, positions, feeds) per screen, client CPU-seconds since reset (all processes) and
        how many screens are still connected."""
        answers = self._all("collect")
        return ([s for screens, _, _ in answers for s in screens], sum(cpu for _, cpu, _ in answers),
                sum(alive for _, _, alive in answers))

    def close(self) -> None:
        """Disconnect every screen and end the processes."""
        try:
            self._all("close")
        except (OSError, EOFError):
            pass
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()


def expected_feeds(incidents: Iterator[tuple[str, list[str]]]) -> dict[str, set[str]]:
    """Room code -> the incident ids routed to it, from (id, units) pairs."""
    rooms: dict[str, set[str]] = {}
    for entry_id, units in incidents:
        for unit in units:
            rooms.setdefault(unit, set()).add(entry_id)
    return rooms
