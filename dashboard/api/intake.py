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
from dashboard.contract import keys, producer, schema
from dashboard.contract.payloads import NewIncident, Position, PositionBatch, Transition, id_ok
from dashboard.core import lifecycle
from dashboard.core.models import Incident, IncidentEvent
from dashboard.core.timeutil import utcnow
from dashboard.core.units import row_chain

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
    now, principal = utcnow(), current_principal()
    batch = f.parse(PositionBatch, json_body(), now)
    cat = _catalog()
    rows = [_position(item, i, cat) for i, item in enumerate(batch.positions)]
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


def _position(item: Position, i: int, cat: Catalog) -> dict:
    """The stream's form of a valid position whose staff id and grid are known."""
    prefix = f"positions[{i}]."
    if not _known("staff", item.staff, cat):
        raise f.refuse(prefix + "staff", f"unknown staff id {item.staff!r}")
    if item.grid is not None and not _known("grids", item.grid, cat):
        raise f.refuse(prefix + "grid", f"unknown grid {item.grid!r}")
    return {"staff": item.staff, "ts": f.stamp(item.ts), "lat": item.lat, "lon": item.lon,
            "grid": item.grid}


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
    if not svc.redis.exists(keys.INCIDENT.format(incident_id)):
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
    report = f.parse(NewIncident, body, now)
    incident_id, lat, lon = report.id, report.lat, report.lon
    cat = _catalog()
    if not cat.inside_city(np.array([lat]), np.array([lon]))[0]:
        raise f.refuse("lat", f"point ({lat}, {lon}) is outside the city")
    grid = report.grid
    if grid is not None and not _known("grids", grid):
        raise f.refuse("grid", f"unknown grid {grid!r}")
    grid = grid or cat.locate(lat, lon)
    if grid is None:
        raise f.refuse("lat", f"no grid contains the point ({lat}, {lon})")
    item = report.business_item
    if not _known("items", item):
        raise f.refuse("business_item", f"unknown business item {item!r}")
    line, default_severity = _catalog().items[item]
    severity = default_severity if report.severity is None else report.severity
    reporter = report.reporter
    if reporter is not None and not _known("staff", reporter):
        raise f.refuse("reporter", f"unknown staff id {reporter!r}")
    units = _catalog().units[grid]
    district, town, village = (units + [None] * 5)[1:4]
    at = f.stamp(report.reported_at)
    return {
        "id": incident_id, "reported_at": at, "lat": lat, "lon": lon, "grid_code": grid,
        "village_code": village, "town_code": town, "district_code": district,
        "business_item_code": item, "line_code": line, "department_code": None,
        "source": report.source, "severity": severity, "description": report.description or "",
        "reporter_id": reporter,
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
    if not id_ok(incident_id):
        raise _not_found(incident_id)
    now, principal, svc = utcnow(), current_principal(), services()
    step_body = f.parse(Transition, json_body(), now)
    action, department = step_body.action, step_body.department
    note, key = step_body.note or "", step_body.key or ""
    if department is not None and not _known("departments", department):
        raise f.refuse("department", f"unknown department {department!r}")
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
        at = step_body.at or now
        previous = datetime.fromisoformat(state["at"])
        if step_body.at is not None and at < previous:  # a step sent without `at` happens now
            raise f.refuse("at", f"at is before the previous step ({previous.isoformat()}): {at.isoformat()}")
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
