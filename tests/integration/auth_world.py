"""Helpers for the account and authorization tests: two grid chains with an alert at the end of
each, accounts and tokens at every level, the real app on a free port, and a browser-like client
that logs in through the form and calls pages, Dash callbacks, the API and Socket.IO rooms."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import requests
import socketio
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from dashboard.app import create_app
from dashboard.auth.accounts import create_user
from dashboard.auth.login import default_wall_path
from dashboard.core.extensions import socketio_channel
from dashboard.core.models import Alert, Department
from dashboard.core.principal import issue_token
from dashboard.core.services import Services
from dashboard.realtime.sockets import start_message_queue
from layouts import ids
from tests.integration.realtime_support import (
    CHENGXIANG_GRID,
    LICHENG_GRID,
    add_units,
    screen_client,
    wait_until,
)

LEVELS = ("city", "district", "town", "village", "grid")
PASSWORD = "correct horse 1"
AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def chain_of(code: str) -> list[str]:
    """The unit and its ancestors, city first."""
    for chain in (LICHENG_GRID, CHENGXIANG_GRID):
        if code in chain:
            return chain[:chain.index(code) + 1]
    raise KeyError(code)


def covers(bound: str, target: str) -> bool:
    """The design's rule: a target is in jurisdiction when it lies in the bound unit's subtree."""
    return bound in chain_of(target)


def build(Session) -> dict[str, int]:  # noqa: N803 - a session factory
    """Units, a department, and one open alert on each chain's grid; returns {grid: alert id}."""
    add_units(Session)
    with Session.begin() as s:
        s.add(Department(code="citymgmt", name="城市管理局", name_en="City management"))
        alerts = {}
        for chain in (LICHENG_GRID, CHENGXIANG_GRID):
            _, d, t, v, g = chain
            alert = Alert(kind="severe_incident", group_key=f"severe:{g}", unit_code=g, district_code=d,
                          town_code=t, village_code=v, grid_code=g, severity=4, title=f"重大事件 {g}",
                          detail={}, first_at=AT, last_at=AT, state="open", level="village")
            s.add(alert)
            s.flush()
            alerts[g] = alert.id
    return alerts


def add_account(Session, username: str, role: str, unit: str, department: str | None = None) -> None:  # noqa: N803
    """A log-in account with the shared test password."""
    with Session.begin() as s:
        create_user(s, username, PASSWORD, role, unit, department, actor="test")


def wall_of(unit: str) -> str:
    """The wall URL of a unit of the demo world (its root, the city, is `putian`)."""
    return default_wall_path(unit, "city" if unit == "putian" else "below the city")


def add_token(Session, name: str, role: str, unit: str) -> str:  # noqa: N803
    """A bearer token (a wall's opens its unit's wall URL)."""
    with Session.begin() as s:
        wall = wall_of(unit) if role == "wall" else None
        return issue_token(s, name, role, unit, department_code="citymgmt" if role == "system" else None,
                           wall_path=wall)


@contextmanager
def serving(services: Services) -> Iterator[tuple[str, Flask]]:
    """The real app on a free port, listening on the Socket.IO message queue."""
    channel = socketio_channel(services.settings.redis_url)
    before = services.redis.pubsub_numsub(channel)[0][1]
    app = create_app(services.settings, services)
    start_message_queue()
    in_flight = _Counting(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    wait_until(lambda: services.redis.pubsub_numsub(channel)[0][1] > before, "message queue listener")
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        # Requests a closed browser left behind still hold database connections: let them finish
        # before the test's engine is disposed under them.
        in_flight.idle.wait(10)


class _Counting:
    """WSGI middleware that knows when no request is being served."""

    def __init__(self, app) -> None:
        self.app, self.count, self.lock, self.idle = app, 0, threading.Lock(), threading.Event()
        self.idle.set()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
            self.idle.clear()
        try:
            return ClosingIterator(self.app(environ, start_response), [self._done])
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        with self.lock:
            self.count -= 1
            if self.count == 0:
                self.idle.set()


class Browser:
    """A cookie-keeping HTTP client that sends this site's Origin on POSTs, as a browser does."""

    def __init__(self, base: str, bearer: str | None = None) -> None:
        self.base = base
        self.http = requests.Session()
        if bearer:
            self.http.headers["Authorization"] = f"Bearer {bearer}"

    def get(self, path: str, **kw) -> requests.Response:
        """GET without following redirects."""
        return self.http.get(self.base + path, allow_redirects=False, timeout=30, **kw)

    def post(self, path: str, origin: str | None = None, **kw) -> requests.Response:
        """POST with an Origin header (this site's unless told otherwise)."""
        headers = {"Origin": origin or self.base, **kw.pop("headers", {})}
        return self.http.post(self.base + path, allow_redirects=False, timeout=30, headers=headers, **kw)

    def login(self, username: str, password: str = PASSWORD, next_: str = "") -> requests.Response:
        """Fill in and submit the log-in form."""
        token = CSRF.search(self.get("/login").text).group(1)
        return self.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                         "next": next_})

    def csrf_token(self, path: str = "/login") -> str:
        """The CSRF token of a form page."""
        return CSRF.search(self.get(path).text).group(1)

    def render_view(self, code: str, origin: str | None = None) -> requests.Response:
        """The Dash callback that renders a view, asked for a unit (what a tampered store would send)."""
        return self.post("/_dash-update-component", origin=origin, json=view_body(code))

    def socket(self, auth: dict | None = None, origin: str | None = None) -> socketio.Client:
        """A Socket.IO client over WebSocket carrying this browser's session cookie."""
        client = screen_client(reconnection=False, websocket_extra_options={"origin": origin or self.base})
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        headers = {"Cookie": cookie} if cookie else {}
        client.connect(self.base, auth=auth, headers=headers, transports=["websocket"], wait_timeout=10)
        return client


def view_body(code: str, query: dict | None = None) -> dict:
    """The body a browser posts to /_dash-update-component to draw the view of a unit with a URL's
    query (a tampered store or URL may ask for any unit and any query)."""
    view = {"code": code, "kind": "grid" if code.endswith("-g01") or code.endswith("-g03") else "unit",
            "query": query or {}}
    return {"output": f"..{ids.VIEW_BODY}.children...{ids.LIVE_SUB}.data..",
            "outputs": [{"id": ids.VIEW_BODY, "property": "children"},
                        {"id": ids.LIVE_SUB, "property": "data"}],
            "inputs": [{"id": ids.VIEW, "property": "data", "value": view}],
            "state": [{"id": ids.LANG, "property": "data", "value": "zh"},
                      {"id": ids.LIVE_SUB, "property": "data", "value": None}],
            "changedPropIds": [f"{ids.VIEW}.data"]}


def view_allowed(response: requests.Response, code: str) -> bool:
    """Whether a render_view answer shows that unit (a refusal renders a message and no subscription)."""
    if response.status_code != 200:
        return False
    sub = response.json()["response"][ids.LIVE_SUB]["data"]
    return isinstance(sub, dict) and sub.get("unit") == code
