"""The ``supervise`` worker: stage deadlines → overdue → supervision items → escalation → alerts.

Two loops share one process: the consumer group ``supervise`` on feed:incidents (alerts for severe
new incidents, closing supervision when a stage completes) and a periodic scan (deadlines,
escalation, silent staff, stalled feeds, expired acknowledgements and snoozes, alerts past their
escalation policy's wait). Events are staged in the
outbox (dashboard.actions.outbox) within the unit of work's transaction and appended to feed:supervision
and feed:alerts after the commit; every pass also sweeps what earlier ones or the API left
unpublished. Every domain time comes from an injectable clock.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis

from dashboard.actions import outbox
from dashboard.contract import keys, schema
from dashboard.contract.schema import Entry, MalformedEntry
from dashboard.core import audit_anchor
from dashboard.core.services import Services
from dashboard.core.timeutil import parse_timestamp, utcnow
from dashboard.ops import worker
from feeds.consumer import Consumer
from feeds.escalation_timer import escalate_due
from feeds.supervision_alerts import (
    MASS_SILENCE,
    on_mass_silence,
    on_reported,
    on_silent,
    on_stalled,
    on_supervision,
    recheck,
)
from feeds.supervision_deadlines import Clock, Out, close_for_transition, scan
from feeds.supervision_watch import (
    DEFAULT_STALL,
    OnDuty,
    Silent,
    load_staff,
    read_live_positions,
    silent_staff,
    stalled_feeds,
)

log = logging.getLogger(__name__)
WORKER = "supervise"


@dataclass(frozen=True)
class Knobs:
    """The supervisor's tunables."""

    scan_every_s: float = 10.0
    silent_after: timedelta = timedelta(minutes=15)
    stall_after: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_STALL))
    expect_feeds: bool = False  # a feed that never existed counts as stalled
    # When more than this share of the people on shift are silent (and at least mass_min), the
    # cause is systemic (a gateway, the network, a simulator clock): one alert, not one per grid.
    mass_share: float = 0.5
    mass_min: int = 10
    staff_refresh_s: float = 600.0
    reconcile_every: timedelta = timedelta(minutes=1)
    prune_every_s: float = 600.0  # published outbox rows are deleted after a day


def _alerts(events) -> Out:
    return [(schema.ALERTS, type_, data) for type_, data in events]


class Supervisor:
    """Owns the clock, the connections and the staff cache; each method is one committed unit."""

    def __init__(self, services: Services, clock: Clock = utcnow, knobs: Knobs | None = None) -> None:
        self.services = services
        self.clock = clock
        self.knobs = knobs or Knobs()
        self._staff: list[OnDuty] = []
        self._staff_loaded = float("-inf")
        self._reconciled: datetime | None = None
        self._pruned = float("-inf")

    def sweep(self) -> dict[str, str]:
        """Publish every unpublished outbox row (ours, the API's, a killed run's); prune now and then."""
        published = outbox.flush(self.services.Session, self.services.redis)
        if time.monotonic() - self._pruned >= self.knobs.prune_every_s:
            outbox.prune(self.services.Session)
            self._pruned = time.monotonic()
        return published

    def handle(self, entries: list[Entry]) -> None:
        """Consumer handler for feed:incidents: one transaction per batch, its events staged in it."""
        out: Out = []
        now = self.clock()
        with self.services.Session.begin() as session:
            for entry in entries:
                if entry.type == schema.T_REPORTED:
                    out += _alerts(on_reported(session, entry.data, now))
                elif entry.type == schema.T_TRANSITION:
                    try:
                        incident, at = str(entry.data["incident"]), entry.data["at"]
                        at = parse_timestamp("at", at)
                    except (KeyError, ValueError) as exc:
                        raise MalformedEntry(f"incident.transition: {exc}") from exc
                    close_for_transition(session, incident, at, out)
            outbox.stage_all(session, out)
        # Redis down: the entries stay pending and are redelivered; the rows wait for the sweep.
        outbox.try_flush(self.services.Session, self.services.redis)

    def staff(self) -> list[OnDuty]:
        """The staff list, reloaded every few minutes (people rarely change shift)."""
        if time.monotonic() - self._staff_loaded >= self.knobs.staff_refresh_s:
            with self.services.Session() as session:
                self._staff = load_staff(session)
            self._staff_loaded = time.monotonic()
        return self._staff

    def scan(self, now: datetime | None = None) -> Out:
        """One periodic pass, committed as one transaction, then a sweep; returns its events."""
        out = self.commit_scan(now)
        self.sweep()
        return out

    def commit_scan(self, now: datetime | None = None) -> Out:
        """The pass's unit of work: state changes and their outbox rows, committed, not yet sent."""
        now = now or self.clock()
        client = self.services.redis
        stalled = stalled_feeds(client, now, self.knobs.stall_after, self.knobs.expect_feeds)
        silent, mass = self._silence(now, stalled)
        causes = set(stalled) | ({MASS_SILENCE} if mass else set())
        reconcile = self._reconciled is None or abs(now - self._reconciled) >= self.knobs.reconcile_every
        with self.services.Session.begin() as session:
            out = scan(session, now, reconcile=reconcile)
            for _stream, type_, data in list(out):
                out += _alerts(on_supervision(session, type_, data, now))
            for stream, (last_id, last_at) in stalled.items():
                out += _alerts(on_stalled(stream, last_id, last_at, now, session))
            if mass:
                out += _alerts(on_mass_silence(session, *mass, now))
            for person, last, since in (silent or {}).values():
                out += _alerts(on_silent(session, person, last, since, now))
            out += _alerts(recheck(session, now, set(silent) if silent is not None else None, causes))
            # After the recheck: an alert whose cause is gone is resolved, not escalated.
            out += _alerts(escalate_due(session, now))
            outbox.stage_all(session, out)
        if reconcile:
            self._reconciled = now
        return out

    def _silence(self, now: datetime, stalled: dict) -> tuple[Silent | None, tuple[int, int] | None]:
        """Silent people (None: not judged this pass) and, if systemic, (silent, judged)."""
        client = self.services.redis
        # With no position feed (never started, or stopped) everyone looks silent: the stalled
        # feed is the one alert worth raising then.
        if schema.POSITIONS in stalled or not client.exists(schema.POSITIONS):
            return None, None
        silent, judged = silent_staff(self.staff(), read_live_positions(client), now,
                                      self.knobs.silent_after)
        if len(silent) >= self.knobs.mass_min and len(silent) > self.knobs.mass_share * judged:
            return None, (len(silent), judged)
        return silent, None

    def run(self, stop: threading.Event, name: str) -> None:
        """Consume feed:incidents in a thread and scan on schedule until ``stop`` is set."""
        consumer = Consumer(self.services.redis, schema.GROUP_SUPERVISE, [schema.INCIDENTS],
                            self.handle, name=name, worker=WORKER)
        thread = threading.Thread(target=consumer.run, args=(stop,), name=f"{name}-consumer",
                                  daemon=True)
        thread.start()
        scan = f"{WORKER}:{name}-scan"
        beat, counters = keys.heartbeat(scan), keys.worker_counters(scan)
        anchor = audit_anchor.Checkpointer(self.services.Session, self.services.redis)
        while not stop.is_set():
            started = time.monotonic()
            anchor.tick(started)
            try:
                out = self.scan()
                # The scan loop beats on its own: a live consumer must not hide a stuck scan.
                redis_ = self.services.redis
                redis_.set(beat, utcnow().isoformat(), ex=max(30, int(3 * self.knobs.scan_every_s)))
                redis_.hset(counters, mapping={"last_scan_ms": int((time.monotonic() - started) * 1000),
                                               "last_events": len(out)})
                redis_.hincrby(counters, "scans", 1)
            except Exception:  # noqa: BLE001 - a failed pass is retried on the next tick
                log.exception("supervision scan failed")
                with contextlib.suppress(redis.RedisError):
                    self.services.redis.hincrby(counters, "failed", 1)
            stop.wait(max(0.0, self.knobs.scan_every_s - (time.monotonic() - started)))
        thread.join(timeout=5)
        anchor.close(time.monotonic())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``supervise`` verb."""
    parser.add_argument("--name", default="supervise-1", help="consumer name in the group")
    parser.add_argument("--scan-every", type=float, default=10.0, metavar="S",
                        help="seconds between deadline scans (default 10)")
    parser.add_argument("--silent-minutes", type=float, default=15.0,
                        help="minutes without a position before a person on shift is silent")
    parser.add_argument("--stall-positions", type=float, default=3.0, metavar="MIN",
                        help="minutes without a positions entry before that feed counts as stopped")
    parser.add_argument("--stall-incidents", type=float, default=60.0, metavar="MIN",
                        help="minutes without an incidents entry before that feed counts as stopped")
    parser.add_argument("--expect-feeds", action="store_true",
                        help="alert even for a feed that has never sent anything")
    parser.add_argument("--once", action="store_true", help="run one scan and exit")


def main(args: argparse.Namespace, settings) -> int:
    """Run the supervisor until SIGINT/SIGTERM."""
    stop = worker.start("supervise", settings)
    services = Services.build(settings)
    knobs = Knobs(scan_every_s=args.scan_every, silent_after=timedelta(minutes=args.silent_minutes),
                  stall_after={schema.POSITIONS: timedelta(minutes=args.stall_positions),
                               schema.INCIDENTS: timedelta(minutes=args.stall_incidents)},
                  expect_feeds=args.expect_feeds)
    supervisor = Supervisor(services, knobs=knobs)
    if args.once:
        out = supervisor.scan()
        print(f"published {len(out)} events")
        return 0
    try:
        supervisor.run(stop, args.name)
    finally:
        services.close()
    return 0
