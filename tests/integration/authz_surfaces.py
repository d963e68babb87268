"""The guarded surfaces of the authorization matrix: every page, API operation, Dash callback and
socket step that a role may or may not use, the capabilities (dashboard.core.policy) that decide it, how
a real browser or client calls it, and how its answer shows it let the caller through.

Writes that would change the world are sent with a body the operation refuses field by field (a 422
naming the field proves the caller got past the role check); the alert actions add a note, which
changes no state.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import socketio

from dashboard.core.lifecycle import ACTIONS, STEP_CAPABILITIES
from dashboard.core.policy import may
from layouts import briefing as lb
from layouts import duty as ld
from layouts import ids
from tests.integration.auth_world import Browser, view_allowed

STEPS = tuple(STEP_CAPABILITIES[a] for a in ACTIONS)


@dataclass
class Caller:
    """One principal's way in: its browser (a session, or a bearer token), its socket auth, the
    alert it acts on, and the Dash callback specs the site serves."""

    browser: Browser
    socket_auth: dict | None
    unit: str
    alert: int
    deps: list[dict]

    def send(self, method: str, path: str, body: Any = None) -> requests.Response:
        """Any method, with this site's Origin as a browser sends it."""
        return self.browser.http.request(method, self.browser.base + path, json=body, timeout=60,
                                         allow_redirects=False, headers={"Origin": self.browser.base})

    def callback(self, output: str, values: dict[str, Any], changed: str) -> requests.Response:
        """Call the Dash callback whose outputs include `output` ("id.prop") the way the renderer
        does, with these input and state values (others None)."""
        spec = next(s for s in self.deps if output in s["output"] and not s.get("clientside_function"))
        outs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
                for o in spec["output"].strip(".").split("...")]

        def values_of(items: list[dict]) -> list[dict]:
            return [{"id": i["id"], "property": i["property"],
                     "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        body = {"output": spec["output"], "outputs": outs if spec["output"].startswith("..") else outs[0],
                "inputs": values_of(spec["inputs"]), "state": values_of(spec["state"]),
                "changedPropIds": [changed]}
        return self.browser.post("/_dash-update-component", json=body)


def answered(response: requests.Response, component: str) -> dict:
    """A callback answer's properties for one component ({} when refused or not updated)."""
    if response.status_code != 200:
        return {}
    return response.json().get("response", {}).get(component, {})


def field_error(response: requests.Response, field: str) -> bool:
    """A 422 naming this field: the caller got past the role check to the body's validation."""
    return response.status_code == 422 and response.json().get("field") == field


def _desk(c: Caller) -> bool:
    sub = answered(c.callback(f"{ld.BODY}.children", {f"{ld.ROOT}.id": ld.ROOT, f"{ids.LANG}.data": "zh"},
                              f"{ld.ROOT}.id"), ids.LIVE_SUB)
    return isinstance(sub.get("data"), dict) and sub["data"].get("desk") is True


def _desk_note(c: Caller) -> bool:
    button = ld.BUTTONS["note"]
    values = {f"{button}.n_clicks": 1, f"{ld.TARGET}.data": c.alert, f"{ld.NOTE}.value": "矩阵核对",
              f"{ids.LANG}.data": "zh", f"{ld.SUBMISSION}.data": uuid.uuid4().hex}
    return "rowData" in answered(c.callback(f"{ld.RESULT}.children", values, f"{button}.n_clicks"), ld.QUEUE)


def _briefing(c: Caller) -> bool:
    answer = c.callback(f"{lb.BODY}.children", {f"{ids.LANG}.data": "zh"}, f"{lb.TICK}.n_intervals")
    return bool(answered(answer, lb.PRINT).get("href"))


def _instruct(c: Caller) -> bool:
    target = {"kind": "alert", "id": str(c.alert), "request": uuid.uuid4().hex}
    values = {f"{lb.SUBMIT}.n_clicks": 1, f"{lb.TEXT}.value": "请核查处置", f"{lb.TARGET}.data": target,
              f"{ids.LANG}.data": "zh"}
    return answered(c.callback(f"{lb.NOTICE}.children", values, f"{lb.SUBMIT}.n_clicks"),
                    lb.REFRESH).get("data") == 1


def _socket(c: Caller, join: bool) -> bool:
    try:
        sock = c.browser.socket(auth=c.socket_auth)
    except socketio.exceptions.ConnectionError:
        return False
    try:
        return not join or sock.call("subscribe", {"unit": c.unit}, timeout=10)["ok"] is True
    finally:
        sock.disconnect()


@dataclass(frozen=True)
class Surface:
    """A guarded surface: the capabilities it asks for (all of them; with `any_of`, one of those
    too) and a call that says whether the caller got through."""

    name: str
    needs: tuple[str, ...]
    call: Callable[[Caller], bool]
    any_of: tuple[str, ...] = ()

    def expected(self, role: str) -> bool:
        """What the policy table says this role gets."""
        return all(may(role, c) for c in self.needs) and (
            not self.any_of or any(may(role, c) for c in self.any_of))


def _status(method: str, path: str, status: int, body: Any = None) -> Callable[[Caller], bool]:
    return lambda c: c.send(method, path.format(alert=c.alert), body).status_code == status


def _refused_field(method: str, path: str, field: str) -> Callable[[Caller], bool]:
    return lambda c: field_error(c.send(method, path, {}), field)


SURFACES = (
    Surface("page /city", ("views",), _status("GET", "/city", 200)),
    Surface("page /briefing", ("views",), _status("GET", "/briefing", 200)),
    Surface("page /duty", ("views", "desk"), _status("GET", "/duty", 200)),
    Surface("page /audit", ("views", "audit"), _status("GET", "/audit", 200)),
    Surface("GET /api/v1/units/putian", ("api",), _status("GET", "/api/v1/units/putian", 200)),
    Surface("GET /api/v1/alerts", ("api", "alerts.read"), _status("GET", "/api/v1/alerts", 200)),
    Surface("GET alert story", ("api", "alerts.read"), _status("GET", "/api/v1/alerts/{alert}/story", 200)),
    Surface("POST alert note", ("api", "alerts.act"),
            _status("POST", "/api/v1/alerts/{alert}/note", 202, {"note": "矩阵核对"})),
    Surface("GET alert assignees", ("api", "alerts.act"),
            _status("GET", "/api/v1/alerts/{alert}/assignees", 200)),
    Surface("GET escalation policies", ("api", "escalation.policy.read"),
            _status("GET", "/api/v1/escalation-policies", 200)),
    Surface("PUT escalation policy", ("api", "escalation.policy.write"),
            _refused_field("PUT", "/api/v1/escalation-policies/severe_incident/4", "village")),
    Surface("GET /api/v1/briefing", ("api", "instructions.read"), _status("GET", "/api/v1/briefing", 200)),
    Surface("GET /api/v1/briefing.pdf", ("api", "instructions.read"),
            _status("GET", "/api/v1/briefing.pdf", 200)),
    Surface("POST /api/v1/instructions", ("api", "instructions.write"),
            _refused_field("POST", "/api/v1/instructions", "target_kind")),
    Surface("POST /api/v1/incidents", ("api", "incidents.report"),
            _refused_field("POST", "/api/v1/incidents", "id")),
    Surface("POST /api/v1/positions", ("api", "positions.report"),
            _refused_field("POST", "/api/v1/positions", "positions")),
    Surface("POST transitions", ("api",),
            _refused_field("POST", "/api/v1/incidents/m-1/transitions", "action"), any_of=STEPS),
    Surface("GET /api/v1/audit", ("api", "audit"), _status("GET", "/api/v1/audit", 200)),
    Surface("GET /api/v1/audit/verify", ("api", "audit"), _status("GET", "/api/v1/audit/verify", 200)),
    Surface("callback view", ("screens",), lambda c: view_allowed(c.browser.render_view(c.unit), c.unit)),
    Surface("callback duty desk", ("desk",), _desk),
    Surface("callback desk note", ("alerts.act",), _desk_note),
    Surface("callback briefing", ("instructions.read",), _briefing),
    Surface("callback instruct", ("instructions.write",), _instruct),
    Surface("socket connect", ("screens",), lambda c: _socket(c, join=False)),
    Surface("socket join own unit", ("screens",), lambda c: _socket(c, join=True)),
)
