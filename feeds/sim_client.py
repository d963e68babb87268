"""HTTP to the intake API: keep-alive sessions, counted errors, and retries that are harmless.

A refused request (4xx) is logged and counted, never retried: sending it again would be refused
again. A server error, a 429 or a lost connection is retried with the same body and the same
client-made ids, with backoff, until it goes through or the simulator stops.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass

import requests

log = logging.getLogger("feeds.simulator")

BACKOFF_START_S = 0.5
BACKOFF_MAX_S = 15.0
RETRY_STATUSES = {429, 500, 502, 503, 504}


class Counters:
    """Thread-safe tallies shown in the status line and returned at the end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: Counter[str] = Counter()

    def add(self, name: str, n: int = 1) -> None:
        """Add n to one tally."""
        with self._lock:
            self._c[name] += n

    def snapshot(self) -> dict[str, int]:
        """A copy of every tally."""
        with self._lock:
            return dict(self._c)


@dataclass(frozen=True)
class Reply:
    """What the server answered (status 0: the simulator stopped before an answer came)."""

    status: int
    body: dict


class Intake:
    """A keep-alive client for the intake API, one per sending thread."""

    def __init__(self, base_url: str, token: str, counters: Counters, stop: threading.Event,
                 timeout_s: float = 30.0) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.counters = counters
        self.stop = stop
        self.timeout = timeout_s
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "User-Agent": "grid-simulator/1"})
        self._logged: Counter[str] = Counter()

    def post(self, path: str, body: dict) -> Reply:
        """POST until answered: 2xx and 4xx are returned, 5xx and connection loss are retried."""
        delay = BACKOFF_START_S
        while not self.stop.is_set():
            try:
                resp = self.http.post(self.base + path, json=body, timeout=self.timeout)
            except requests.RequestException as exc:
                self.counters.add("conn_errors")
                self._warn("conn", f"{path}: {type(exc).__name__}; retrying in {delay:.1f}s")
            else:
                if resp.status_code not in RETRY_STATUSES:
                    reply = Reply(resp.status_code, _json(resp))
                    if resp.status_code >= 400:
                        self.counters.add(f"http_{resp.status_code}")
                        self._warn(f"{resp.status_code}{path.split('/')[1]}",
                                   f"{path} refused {resp.status_code}: {reply.body}")
                    return reply
                self.counters.add("http_5xx" if resp.status_code >= 500 else "http_429")
                self._warn(str(resp.status_code), f"{path} answered {resp.status_code}; retrying")
            self.counters.add("retries")
            self.stop.wait(delay)
            delay = min(delay * 2, BACKOFF_MAX_S)
        return Reply(0, {})

    def close(self) -> None:
        """Close the keep-alive connections."""
        self.http.close()

    def _warn(self, kind: str, message: str) -> None:
        # The first few of each kind in full, then one line per hundred, so a refusal storm
        # stays readable.
        self._logged[kind] += 1
        n = self._logged[kind]
        if n <= 5 or n % 100 == 0:
            log.warning("%s (x%d)", message, n)


def _json(resp: requests.Response) -> dict:
    try:
        body = resp.json()
    except ValueError:
        return {"error": resp.text[:200]}
    return body if isinstance(body, dict) else {"body": body}
