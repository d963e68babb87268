"""The intake API: positions, new incidents and loop steps, validated, sequenced and streamed.

The API is the sequencer of incidents (see dashboard.contract.producer): it validates a step against the
incident's current state held in Redis and appends it atomically, so the answer is final before
the persister has caught up. When Redis does not know an incident (after a Redis loss, or long
after it was closed) the database answers and seeds Redis again.
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
from flask import current_app, jsonify
from sqlalchemy import func, select

from dashboard.api import ApiError, bp, current_principal, json_body, require, services
from dashboard.api import intake_fields as f
from dashboard.api.intake_catalog import Catalog, catalog
from dashboard.auth.login import client_address
from dashboard.contract import producer, schema
from dashboard.core import lifecycle
from dashboard.core.models import SOURCES, Incident, IncidentEvent
from dashboard.core.timeutil import utcnow
from dashboard.core.units import row_chain

MAX_BATCH = 5000
INCIDENT_FIELDS = {"id", "reported_at", "lat", "lon", "grid", "business_item", "source", "severity",
                   "description", "reporter"}
POSITION_FIELDS = {"staff", "ts", "lat", "lon", "grid", "accuracy", "speed", "heading", "battery"}
TRANSITION_FIELDS = {"action", "department", "note", "key", "at"}
MAX_ATTEMPTS = 5  # compare-and-set retries when two callers step one incident at once


def _catalog(refresh: bool = False) -> Catalog:
    return catalog(current_app.extensions, services().Session, refresh=refresh)


def _known(kind: str, code: str, cat: Catalog | None = None) -> bool:
    """Whether a code is known, reloading the catalog once if it is not."""
    if code in getattr(cat or _catalog(), kind):
        return True
    return code in getattr(_catalog(refresh=True), kind)


def _refused(exc: lifecycle.StepRefused, incident_id: str | None = None) -> ApiError:
    if isinstance(exc, lifecycle.NotVisible):
        return _not_found(incident_id or "")
    return ApiError(exc.status, exc.message, exc.field)


def _not_found(incident_id: str) -> ApiError:
    """The one answer for an incident that does not exist and one outside the jurisdiction."""
    return ApiError(404, f"no incident {incident_id!r}", "id")


@bp.post("/positions")
@require("positions.report")
def post_positions():
    """Accept a batch of patrol positions onto feed:positions."""
    body = json_body()
    f.unknown_fields(body, {"positions"})
    items = body.get("positions")
    if not isinstance(items, list) or not items:
        raise f.refuse("positions", "positions must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise f.refuse("positions", f"at most {MAX_BATCH} positions per batch, got {len(items)}")
    now, principal = utcnow(), current_principal()
    rows = [_position(item, i, now, _catalog()) for i, item in enumerate(items)]
    cat = _catalog()
    lats = np.fromiter((r["lat"] for r in rows), float, len(rows))
    lons = np.fromiter((r["lon"] for r in rows), float, len(rows))
    outside = np.flatnonzero(~cat.inside_city(lats, lons))
    if len(outside):
        raise f.refuse(f"positions[{outside[0]}].lat", "position is outside the city")
    unplaced = [i for i, r in enumerate(rows) if r["grid"] is None]
    found = cat.locate_many(lats[unplaced], lons[unplaced]) if unplaced else []
    for i, grid in zip(unplaced, found, strict=True):
        rows[i]["grid"] = grid
    for i, row in enumerate(rows):
        _place(row, cat)
        if not principal.covers_codes(row["units"]):  # answered as for a staff id that does not exist
            raise f.refuse(f"positions[{i}].staff", f"unknown staff id {row['staff']!r}")
    stream_id = producer.add(services().redis, schema.POSITIONS, schema.T_POSITIONS,
                             {"positions": rows, "units": [cat.root]})
    return jsonify(accepted=len(rows), stream_id=stream_id), 202


def _position(item, i: int, now, cat: Catalog) -> dict:
    prefix = f"positions[{i}]."
    if not isinstance(item, dict):
        raise f.refuse(f"positions[{i}]", "each position must be a JSON object")
    f.unknown_fields(item, POSITION_FIELDS, prefix)
    staff = f.text(item, "staff", required=True, max_len=32, prefix=prefix)
    if not _known("staff", staff, cat):
        raise f.refuse(prefix + "staff", f"unknown staff id {staff!r}")
    ts = f.when(item, "ts", now, prefix=prefix)
    lat = f.number(item, "lat", -90, 90, prefix)
    lon = f.number(item, "lon", -180, 180, prefix)
    for name in ("accuracy", "speed", "heading", "battery"):
        if item.get(name) is not None:
            f.number(item, name, 0, 100_000, prefix)
    grid = f.text(item, "grid", max_len=64, prefix=prefix)
    if grid is not None and not _known("grids", grid, cat):
        raise f.refuse(prefix + "grid", f"unknown grid {grid!r}")
    return {"staff": staff, "ts": f.stamp(ts), "lat": lat, "lon": lon, "grid": grid}


def _place(row: dict, cat: Catalog) -> None:
    """Fill the grid (given or found from the point, else the person's own) and the routing."""
    role, own_grid, own_units = cat.staff[row["staff"]]
    grid = row["grid"] or own_grid
    row["grid"] = grid
    row["role"] = role
    row["units"] = cat.units.get(grid, own_units) if grid else own_units


@bp.post("/incidents")
@require("incidents.report")
def post_incident():
    """Accept a new incident (a repeat of a known id answers 200 and changes nothing)."""
    body = json_body()
    now, principal, svc = utcnow(), current_principal(), services()
    data = _incident(body, now)
    data["actor"], data["source_ip"] = principal.name, client_address()
    try:
        lifecycle.check_actor(principal, "report", data["units"], None)
    except lifecycle.StepRefused as exc:
        raise _refused(exc) from exc
    incident_id = data["id"]
    if not svc.redis.exists(producer.INCIDENT_KEY.format(incident_id)):
        known = _load_from_db(incident_id)
        if known is not None:
            return jsonify(id=incident_id, stream_id=known.get("stream_id")), 200
    state = {"state": "reported", "version": 1, "department": "", "units": json.dumps(data["units"]),
             "at": data["reported_at"], "reported_at": data["reported_at"]}
    result = producer.sequence(svc.redis, incident_id, 0, schema.T_REPORTED, data, state)
    if result.status == "dup":
        return jsonify(id=incident_id, stream_id=result.value), 200
    return jsonify(id=incident_id, stream_id=result.value), 202


def _incident(body: dict, now) -> dict:
    """The incident.reported payload from a validated request body."""
    f.unknown_fields(body, INCIDENT_FIELDS)
    incident_id = f.text(body, "id", required=True, max_len=64, pattern=f.ID_PATTERN)
    reported_at = f.when(body, "reported_at", now)
    lat = f.number(body, "lat", -90, 90)
    lon = f.number(body, "lon", -180, 180)
    cat = _catalog()
    if not cat.inside_city(np.array([lat]), np.array([lon]))[0]:
        raise f.refuse("lat", f"point ({lat}, {lon}) is outside the city")
    grid = f.text(body, "grid", max_len=64)
    if grid is not None and not _known("grids", grid):
        raise f.refuse("grid", f"unknown grid {grid!r}")
    grid = grid or cat.locate(lat, lon)
    if grid is None:
        raise f.refuse("lat", f"no grid contains the point ({lat}, {lon})")
    item = f.text(body, "business_item", required=True, max_len=32)
    if not _known("items", item):
        raise f.refuse("business_item", f"unknown business item {item!r}")
    source = f.choice(body, "source", SOURCES)
    line, default_severity = _catalog().items[item]
    severity = f.integer(body, "severity", 1, 4, default=default_severity)
    description = f.text(body, "description", max_len=4000) or ""
    reporter = f.text(body, "reporter", max_len=32)
    if reporter is not None and not _known("staff", reporter):
        raise f.refuse("reporter", f"unknown staff id {reporter!r}")
    units = _catalog().units[grid]
    district, town, village = (units + [None] * 5)[1:4]
    at = f.stamp(reported_at)
    return {
        "id": incident_id, "reported_at": at, "lat": lat, "lon": lon, "grid_code": grid,
        "village_code": village, "town_code": town, "district_code": district,
        "business_item_code": item, "line_code": line, "department_code": None, "source": source,
        "severity": severity, "description": description, "reporter_id": reporter,
        "state": "reported", "dispatched_at": None, "accepted_at": None, "resolved_at": None,
        "closed_at": None, "cancelled_at": None, "stage_started_at": at, "reopen_count": 0,
        "bounce_count": 0, "overdue": False, "updated_at": f.stamp(now), "units": units,
        "version": 1, "key": f"{incident_id}:v1",
    }


def _load_from_db(incident_id: str) -> dict | None:
    """Seed the sequencer from the database; the state hash, or None if the incident is unknown."""
    svc = services()
    with svc.Session() as session:
        row = session.get(Incident, incident_id)
        if row is None:
            return None
        version = session.scalar(select(func.count()).select_from(IncidentEvent)
                                 .where(IncidentEvent.incident_id == incident_id))
        last_at = session.scalar(select(func.max(IncidentEvent.at))
                                 .where(IncidentEvent.incident_id == incident_id))
    cat = _catalog()
    units = cat.units.get(row.grid_code) or row_chain(row, cat.root)
    state = {"state": row.state, "version": max(int(version or 0), 1),
             "department": row.department_code or "", "units": json.dumps(units),
             "at": f.stamp(last_at or row.reported_at), "reported_at": f.stamp(row.reported_at),
             "stream_id": row.stream_id or ""}
    producer.load_state(svc.redis, incident_id, state, not lifecycle.is_open(row.state))
    return producer.incident_state(svc.redis, incident_id) or state


@bp.post("/incidents/<incident_id>/transitions")
@require(*(lifecycle.STEP_CAPABILITIES[action] for action in lifecycle.ACTIONS))
def post_transition(incident_id: str):
    """Take one step of the loop on an incident."""
    if not f.ID_PATTERN.match(incident_id):
        raise _not_found(incident_id)
    body = json_body()
    f.unknown_fields(body, TRANSITION_FIELDS)
    action = f.choice(body, "action", lifecycle.ACTIONS)
    note = f.text(body, "note", max_len=4000) or ""
    key = f.text(body, "key", max_len=64, pattern=f.ID_PATTERN) or ""
    department = f.text(body, "department", max_len=32)
    if action == "dispatch" and department is None:
        raise f.refuse("department", "dispatch needs the department to send the incident to")
    if department is not None and not _known("departments", department):
        raise f.refuse("department", f"unknown department {department!r}")
    if action == "cancel" and not note.strip():
        raise f.refuse("note", "cancel needs a reason in note")
    now, principal, svc = utcnow(), current_principal(), services()
    for _ in range(MAX_ATTEMPTS):
        state = producer.incident_state(svc.redis, incident_id) or _load_from_db(incident_id)
        if state is None:
            raise _not_found(incident_id)
        units = json.loads(state["units"])
        if not principal.covers_codes(units):  # before anything that answers differently
            raise _not_found(incident_id)
        if key and state.get(f"key:{key}"):
            return jsonify(id=incident_id, stream_id=state[f"key:{key}"]), 200
        if not key and _is_retry(state, action, principal.name, department):
            return jsonify(id=incident_id, stream_id=state.get("stream_id")), 200
        try:
            step = lifecycle.plan(principal, action, state["state"], units, state["department"] or None)
        except lifecycle.StepRefused as exc:
            raise _refused(exc, incident_id) from exc
        at = f.when(body, "at", now, required=False, not_before=datetime.fromisoformat(state["at"])) or now
        version = int(state["version"]) + 1
        dept = department if action == "dispatch" else (state["department"] or None)
        data = {"incident": incident_id, "action": action, "from": step.from_state,
                "to": step.to_state, "at": f.stamp(at), "actor": principal.name, "department": dept,
                "note": note, "key": f"{incident_id}:v{version}", "version": version, "units": units,
                "source_ip": client_address()}
        fields = {"state": step.to_state, "version": version, "department": dept or "",
                  "at": f.stamp(at), "last": json.dumps([action, principal.name, department])}
        result = producer.sequence(svc.redis, incident_id, version - 1, schema.T_TRANSITION, data,
                                   fields, request_key=key,
                                   terminal=not lifecycle.is_open(step.to_state))
        if result.status == "ok":
            return jsonify(id=incident_id, stream_id=result.value, state=step.to_state,
                           version=version), 202
        if result.status == "dup":
            return jsonify(id=incident_id, stream_id=result.value), 200
    raise ApiError(409, "the incident is being changed by someone else; try again", "action")


def _is_retry(state: dict, action: str, actor: str, department: str | None) -> bool:
    """Whether a step sent without a key repeats the last one applied (same caller, same step,
    nothing since): a client retrying after a lost answer gets 200, not a confusing 409."""
    last = state.get("last")
    return bool(last) and json.loads(last) == [action, actor, department] \
        and lifecycle.STEPS[action][1] == state["state"]
