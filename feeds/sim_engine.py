"""Runs a City against the intake API: a gateway flushing positions every second, and a scheduler
posting each incident and then each step of its life when its delay has passed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from dashboard.core.timeutil import LOCAL_TZ, utcnow
from feeds.sim_city import City, NewIncident
from feeds.sim_client import Counters, Intake

TICK_S = 1.0  # the gateway forwards what it collected once a second
MAX_BACKLOG_BATCHES = 600  # beyond this (minutes of reports) the oldest are dropped, as a phone would
DRAIN_S = 5.0
DEFER_LIMIT = 5  # a step answered 404/409 may be waiting for the report to land; try a few times


class Simulation:
    """One simulator run: generate on a tick, send from worker threads, print a status line."""

    def __init__(self, city: City, base_url: str, token: str, *, duration_s: float = 0.0,
                 status_every_s: float = 10.0, batch: int = 2000, position_workers: int = 2,
                 event_workers: int = 2, clock: Callable[[], datetime] = utcnow,
                 out: Callable[[str], None] = print) -> None:
        self.city, self.base_url, self.token = city, base_url, token
        self.duration_s, self.status_every_s, self.batch = duration_s, status_every_s, batch
        self.clock, self.out = clock, out
        self.counters = Counters()
        self.finish = threading.Event()  # stop generating
        self.halt = threading.Event()  # stop sending, abandon retries
        self._cv = threading.Condition()
        self._batches: deque[list[dict]] = deque()
        self._events: list[tuple[float, int, NewIncident, int, int]] = []
        self._seq = itertools.count()
        self._busy = 0
        self._threads = [threading.Thread(target=self._send_positions, name=f"sim-pos-{i}", daemon=True)
                         for i in range(position_workers)]
        self._threads += [threading.Thread(target=self._send_events, name=f"sim-evt-{i}", daemon=True)
                          for i in range(event_workers)]

    def stop(self) -> None:
        """Ask the run to end (safe from a signal handler)."""
        self.finish.set()

    def run(self) -> dict[str, int]:
        """Run until the duration passes or stop() is called; returns the tallies."""
        for t in self._threads:
            t.start()
        began = next_tick = last_status = time.monotonic()
        last_counts = self.counters.snapshot()
        while not self.finish.is_set():
            now = self.clock()
            self._enqueue_positions(self.city.positions(now))
            for incident in self.city.incidents(now):
                self._schedule(incident, -1, time.monotonic(), 0)
            mono = time.monotonic()
            if mono - last_status >= self.status_every_s:
                last_counts = self._status(now, mono - last_status, last_counts)
                last_status = mono
            if self.duration_s and mono - began >= self.duration_s:
                break
            next_tick += TICK_S
            self.finish.wait(max(0.0, next_tick - time.monotonic()))
        self._drain()
        return self.counters.snapshot()

    def in_flight(self) -> int:
        """Incidents whose life is still being played out."""
        with self._cv:
            return len(self._events) + self._busy

    def _enqueue_positions(self, positions: list[dict]) -> None:
        if not positions:
            return
        self.counters.add("positions_generated", len(positions))
        with self._cv:
            for i in range(0, len(positions), self.batch):
                self._batches.append(positions[i:i + self.batch])
            while len(self._batches) > MAX_BACKLOG_BATCHES:
                self.counters.add("positions_dropped", len(self._batches.popleft()))
            self._cv.notify_all()

    def _schedule(self, incident: NewIncident, index: int, due: float, attempt: int) -> None:
        with self._cv:
            heapq.heappush(self._events, (due, next(self._seq), incident, index, attempt))
            self._cv.notify_all()

    def _send_positions(self) -> None:
        intake = Intake(self.base_url, self.token, self.counters, self.halt)
        try:
            while True:
                with self._cv:
                    while not self._batches and not self.halt.is_set():
                        self._cv.wait(0.5)
                    if self.halt.is_set():
                        return
                    batch = self._batches.popleft()
                    self._busy += 1
                try:
                    reply = intake.post("/positions", {"positions": batch})
                    if 200 <= reply.status < 300:
                        self.counters.add("positions_sent", len(batch))
                        self.counters.add("position_batches")
                    elif reply.status:
                        self.counters.add("positions_refused", len(batch))
                finally:
                    with self._cv:
                        self._busy -= 1
        finally:
            intake.close()

    def _send_events(self) -> None:
        intake = Intake(self.base_url, self.token, self.counters, self.halt)
        try:
            while True:
                with self._cv:
                    while not self.halt.is_set() and not (
                            self._events and self._events[0][0] <= time.monotonic()):
                        wait = self._events[0][0] - time.monotonic() if self._events else 0.5
                        self._cv.wait(min(max(wait, 0.01), 0.5))
                    if self.halt.is_set():
                        return
                    _due, _seq, incident, index, attempt = heapq.heappop(self._events)
                    self._busy += 1
                try:
                    self._play(intake, incident, index, attempt)
                finally:
                    with self._cv:
                        self._busy -= 1
        finally:
            intake.close()

    def _play(self, intake: Intake, incident: NewIncident, index: int, attempt: int) -> None:
        if index < 0:
            reply = intake.post("/incidents", incident.payload)
            kind = "incidents"
        else:
            body = incident.transition(index)
            reply = intake.post(f"/incidents/{incident.id}/transitions", body)
            kind = "transitions"
        if reply.status == 0:
            return
        if 200 <= reply.status < 300:
            self.counters.add(kind)
            if reply.status == 200:
                self.counters.add(f"{kind}_repeated")
            if index >= 0:
                self.counters.add(f"step_{body['action']}")
                if incident.steps[index].late:
                    self.counters.add("steps_late")
            nxt = index + 1
            if nxt < len(incident.steps):
                delay = incident.steps[nxt].wall_delay(self.city.speed)
                self._schedule(incident, nxt, time.monotonic() + delay, 0)
        elif index >= 0 and reply.status in (404, 409) and attempt < DEFER_LIMIT:
            # The report (or the previous step) may still be on its way into the database.
            self.counters.add("transitions_deferred")
            self._schedule(incident, index, time.monotonic() + 2.0 ** attempt, attempt + 1)
        else:
            self.counters.add(f"{kind}_refused")

    def _drain(self) -> None:
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            with self._cv:
                if not self._batches and not self._busy:
                    break
            time.sleep(0.05)
        self.halt.set()
        with self._cv:
            self._cv.notify_all()
        for t in self._threads:
            t.join(timeout=DRAIN_S)

    def _status(self, now: datetime, interval: float, last: dict[str, int]) -> dict[str, int]:
        c = self.counters.snapshot()

        def delta(name: str) -> int:
            return c.get(name, 0) - last.get(name, 0)

        errors_4xx = sum(v for k, v in c.items() if k.startswith("http_4") and k != "http_429")
        with self._cv:
            backlog = sum(len(b) for b in self._batches)
        sim = self.city.sim_time(now).astimezone(LOCAL_TZ)
        self.out(f"simulate {now.astimezone(LOCAL_TZ):%H:%M:%S} (city {sim:%m-%d %H:%M}) | "
                 f"on shift {int(self.city.on_shift_mask(now).sum())}/{len(self.city.ids)} | "
                 f"positions {delta('positions_sent') / interval:.0f}/s sent, backlog {backlog} | "
                 f"incidents +{delta('incidents')} ({c.get('incidents', 0)}) | "
                 f"transitions +{delta('transitions')} ({c.get('transitions', 0)}) | "
                 f"in flight {self.in_flight()} | errors 4xx {errors_4xx} 5xx {c.get('http_5xx', 0)} "
                 f"conn {c.get('conn_errors', 0)} retries {c.get('retries', 0)}")
        return c
