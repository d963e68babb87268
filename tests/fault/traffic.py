"""Traffic for the fault tests: incidents, dispatches and duty acknowledgements posted through nginx
to both web processes, retried like a field client or the duty desk would until the API accepts
them (with the same id or request id), and the ledger of what was accepted.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests
from sqlalchemy import func, select

from bench.intake_world import G1, G1_POINT
from dashboard.core.models import AlertAck, Incident, IncidentEvent

RETRY_S = 90  # a client keeps retrying this long (covers a restarted Redis or PostgreSQL)


class Ledger:
    """What the API accepted: event keys (<incident>:v<version>), incident ids and acknowledgements
    (the request key of each, with the id of the row the API answered with)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.incidents: set[str] = set()
        self.acks: dict[str, int] = {}
        self.refused: Counter = Counter()  # answers that were retried (status or exception name)
        self.lock = threading.Lock()
        self.first: float | None = None  # monotonic times of the first and last acceptance
        self.last: float | None = None

    def accept(self, key: str, incident: str | None = None) -> None:
        """Record an accepted event."""
        with self.lock:
            self.keys.add(key)
            if incident:
                self.incidents.add(incident)
            self.last = time.monotonic()
            self.first = self.first or self.last

    def accept_ack(self, request_key: str, ack_id: int) -> None:
        """Record an accepted acknowledgement."""
        with self.lock:
            self.acks[request_key] = ack_id

    def screen_keys(self) -> set[str]:
        """What every screen must show: each event key and each acknowledgement (ack:<row id>)."""
        with self.lock:
            return self.keys | {f"ack:{ack_id}" for ack_id in self.acks.values()}

    def incidents_per_s(self) -> float:
        """New incidents accepted per second, first to last acceptance."""
        span = (self.last or 0) - (self.first or 0)
        return len(self.incidents) / span if span > 0 else 0.0


class Poster:
    """Posts through nginx; one requests session per web process (pinned by the sticky cookie)."""

    def __init__(self, url: str, nodes: list[str], report_token: str, duty_token: str,
                 alerts: list[int] | None = None) -> None:
        self.url = url
        self.alerts = alerts or []  # open alerts the duty desk acknowledges during a burst
        self.sessions = []
        for node in nodes:
            session = requests.Session()
            session.cookies.set("dash_node", node)
            self.sessions.append(session)
        self.report = {"Authorization": f"Bearer {report_token}"}
        self.duty = {"Authorization": f"Bearer {duty_token}"}
        self._turn = 0

    def _post(self, ledger: Ledger, path: str, body: dict, headers: dict) -> dict:
        self._turn += 1
        session = self.sessions[self._turn % len(self.sessions)]
        deadline = time.monotonic() + RETRY_S
        while True:
            try:
                reply = session.post(self.url + path, json=body, headers=headers, timeout=10)
                if reply.status_code in (200, 202):
                    return reply.json()
                ledger.refused[reply.status_code] += 1
                # Retried: 503 (Redis or the database away, said by the web process) and 502/504
                # (nginx with a web process gone). A 4xx or a bare 500 is a bug, not an outage.
                if reply.status_code not in (502, 503, 504):
                    raise AssertionError(f"{path} refused: {reply.status_code} {reply.text[:300]}")
            except requests.RequestException as exc:
                ledger.refused[type(exc).__name__] += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} not accepted within {RETRY_S} s: {dict(ledger.refused)}")
            time.sleep(0.2)

    def incident(self, ledger: Ledger, grid: str = G1, point: tuple[float, float] = G1_POINT,
                 item: str = "M01", severity: int = 2) -> str:
        """Report one incident (retried with the same id until accepted); its id."""
        iid = str(uuid.uuid4())
        body = {"id": iid, "reported_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "lat": point[0], "lon": point[1], "grid": grid, "business_item": item,
                "source": "patrol", "severity": severity, "description": "故障注入测试",
                "reporter": "S0001"}
        self._post(ledger, "/api/v1/incidents", body, self.report)
        ledger.accept(f"{iid}:v1", iid)
        return iid

    def dispatch(self, ledger: Ledger, iid: str) -> None:
        """Dispatch an incident to the market department (a keyed step: a retry is a no-op)."""
        body = {"action": "dispatch", "department": "market", "key": f"fault-{iid}"}
        reply = self._post(ledger, f"/api/v1/incidents/{iid}/transitions", body, self.duty)
        ledger.accept(f"{iid}:v{reply.get('version', 2)}")

    def ack(self, ledger: Ledger, alert_id: int) -> None:
        """Acknowledge an alert from the duty desk (a request id: a retry finds the first row)."""
        rid = uuid.uuid4().hex
        reply = self._post(ledger, f"/api/v1/alerts/{alert_id}/ack",
                           {"request_id": rid, "channel": "screen", "note": "故障注入测试"}, self.duty)
        if reply.get("repeat") and "message" in reply:
            return  # "already acknowledged by X at T": the alert was acknowledged before; nothing written
        ledger.accept_ack(f"ack:{alert_id}:{rid}", reply["action"]["id"])


def burst(poster: Poster, ledger: Ledger, incidents: int, dispatch_every: int = 2, ack_every: int = 3,
          threads: int = 4, stop: threading.Event | None = None) -> None:
    """Report `incidents` incidents from several threads, dispatching every n-th one and
    acknowledging one of the poster's alerts after every m-th."""
    def one(i: int) -> None:
        if stop is not None and stop.is_set():
            return
        iid = poster.incident(ledger)
        if i % dispatch_every == 0:
            poster.dispatch(ledger, iid)
        if poster.alerts and i % ack_every == 0:
            poster.ack(ledger, poster.alerts[(i // ack_every) % len(poster.alerts)])

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(one, i) for i in range(incidents)]:
            future.result()


def in_background(target, *args, **kwargs) -> tuple[threading.Thread, list]:
    """Run target in a thread; the list receives its exception, if any."""
    errors: list = []

    def run() -> None:
        try:
            target(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def database_counts(Session, ledger: Ledger) -> tuple[Counter, set[str], Counter]:  # noqa: N803
    """Rows per accepted event key, the accepted incidents that have a row, and rows per accepted
    acknowledgement's request key."""
    keys, incidents, acks = sorted(ledger.keys), sorted(ledger.incidents), sorted(ledger.acks)
    rows: Counter = Counter()
    found: set[str] = set()
    ack_rows: Counter = Counter()
    with Session() as s:
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows.update(dict(s.execute(select(IncidentEvent.event_key, func.count())
                                       .where(IncidentEvent.event_key.in_(chunk))
                                       .group_by(IncidentEvent.event_key)).all()))
        for i in range(0, len(incidents), 500):
            found.update(s.scalars(select(Incident.id).where(Incident.id.in_(incidents[i:i + 500]))))
        for i in range(0, len(acks), 500):
            ack_rows.update(dict(s.execute(select(AlertAck.request_key, func.count())
                                           .where(AlertAck.request_key.in_(acks[i:i + 500]))
                                           .group_by(AlertAck.request_key)).all()))
    return rows, found, ack_rows
