"""The read API: units with children, boundary and figures; incidents; catalogue; search.

Every read needs a caller (any role) and is scoped to the caller's jurisdiction on the server:
- a unit, incident or alert outside the caller's jurisdiction does not exist for the caller: the
  answer is the 404 a missing one gets, body and all (the same rule on every endpoint);
- an incident the API has accepted but ingest has not stored yet answers at once with the state
  ``accepted for processing`` (read your own writes);
- lists and search without a unit cover the caller's whole jurisdiction and nothing else.
Errors are `{"error": <message>, "field": <parameter or null>}`.
"""

from __future__ import annotations

import json

from flask import Response, jsonify, request
from sqlalchemy.orm import Session

from dashboard.api import ApiError, bp, current_principal, require, services
from dashboard.contract import producer
from dashboard.core.models import Incident, Unit
from dashboard.core.timeutil import Period, PeriodError, parse_period
from dashboard.geo import boundaries
from dashboard.queries import catalog as queries_catalog
from dashboard.queries import incidents as queries_incidents
from dashboard.queries import units as queries

# What GET /api/v1/incidents/<id> answers for an accepted incident not yet stored by ingest.
PENDING_STATE = "accepted for processing"


def _period() -> Period:
    try:
        return parse_period(request.args)
    except PeriodError as exc:
        raise ApiError(400, str(exc), exc.field) from exc


def _period_json(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _line(session: Session) -> str | None:
    line = request.args.get("line") or None
    if line is not None and not queries.line_exists(session, line):
        raise ApiError(400, f"unknown business line {line!r}", "line")
    return line


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}", name) from exc
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}", name)
    return value


def scoped_unit(session: Session, code: str | None, field: str) -> Unit:
    """The unit for a parameter (the caller's own unit when omitted), in the caller's jurisdiction."""
    principal = current_principal()
    code = code or principal.unit_code
    unit = queries.unit(session, code)
    if unit is None or not principal.covers(unit):
        raise ApiError(404, f"unknown unit {code!r}", field)
    return unit


def _visible(row: Incident | None) -> bool:
    return row is not None and current_principal().covers_codes(
        [row.district_code, row.town_code, row.village_code, row.grid_code])


@bp.get("/units/<code>")
@require()
def get_unit(code: str):
    """A unit with its children (and their figures), boundary, centroid, path and figures."""
    period = _period()
    with services().Session() as session:
        line = _line(session)
        unit = scoped_unit(session, code, "code")
        figures, children = queries.figures_with_children(session, unit.code, period, line)
        return jsonify(
            code=unit.code, name=unit.name, name_en=unit.name_en, level=unit.level,
            parent=unit.parent_code,
            path=[queries.unit_ref(u) for u in queries.ancestors(session, unit.code)],
            children=children, figures=figures,
            boundary=json.loads(unit.boundary), centroid=[unit.centroid_lon, unit.centroid_lat],
            area_km2=unit.area_km2, population=unit.population,
            period=_period_json(period), line=line)


@bp.get("/units/<code>/boundaries.geojson")
@require()
def get_unit_boundaries(code: str):
    """The unit's map regions (children, or a grid itself) as GeoJSON, feature ids the codes. Asked
    for with its current version (`?v=`, as the screens' figures name it), it is immutable: the
    browser keeps it and never asks again; any other request is answered fresh."""
    with services().Session() as session:
        unit = scoped_unit(session, code, "code")
        version, body = boundaries.document(session, unit)
    response = Response(body, mimetype="application/geo+json")
    response.set_etag(version)
    # private: the answer depends on who asks (jurisdiction); shared caches must not keep it.
    response.headers["Cache-Control"] = ("private, max-age=31536000, immutable"
                                         if request.args.get("v") == version else "private, no-cache")
    return response.make_conditional(request)


@bp.get("/incidents")
@require()
def list_incidents():
    """Incidents under a unit (default: the caller's), newest first, in keyset pages."""
    period = _period()
    state = request.args.get("state") or None
    if state is not None and state not in queries_incidents.STATE_FILTERS:
        raise ApiError(400, "state must be one of " + ", ".join(queries_incidents.STATE_FILTERS),
                       "state")
    limit = _int_arg("limit", 50, 1, queries_incidents.MAX_LIMIT)
    with services().Session() as session:
        line = _line(session)
        unit = scoped_unit(session, request.args.get("unit"), "unit")
        before = None
        if request.args.get("before"):
            before = queries_incidents.incident_row(session, request.args["before"])
            if not _visible(before):
                raise ApiError(400, f"before: no incident {request.args['before']!r}", "before")
        items, next_before = queries_incidents.incidents(session, unit, state, period, line,
                                                         limit, before)
        return jsonify(items=items, next=next_before, unit=unit.code, state=state, line=line,
                       period=_period_json(period))


@bp.get("/incidents/<incident_id>")
@require()
def get_incident(incident_id: str):
    """One incident with its state, step times, supervision items and timeline."""
    with services().Session() as session:
        row = queries_incidents.incident_row(session, incident_id)
        if row is not None:
            if not _visible(row):
                raise ApiError(404, f"no incident {incident_id!r}", "id")
            return jsonify(queries_incidents.incident(session, incident_id))
    pending = _pending(incident_id)
    if pending is None:
        raise ApiError(404, f"no incident {incident_id!r}", "id")
    return jsonify(pending)


def _pending(incident_id: str) -> dict | None:
    """An incident the sequencer has accepted but the database does not hold yet, if the caller
    may see it: its id, the state ``accepted for processing`` and what the stream knows."""
    state = producer.incident_state(services().redis, incident_id)
    if not state or not state.get("units"):
        return None
    units = json.loads(state["units"])
    if not current_principal().covers_codes(units):
        return None
    return {"id": incident_id, "state": PENDING_STATE, "sequenced_state": state.get("state"),
            "version": int(state.get("version") or 1), "reported_at": state.get("reported_at"),
            "grid_code": units[-1], "units": units, "department_code": state.get("department") or None,
            "timeline": [], "stored": False}


@bp.get("/business-items")
@require()
def list_business_items():
    """The catalogue of business items, each with department, line and stage limits."""
    with services().Session() as session:
        return jsonify(items=queries_catalog.business_items(session))


@bp.get("/business-lines")
@require()
def list_business_lines():
    """The business lines ("网格+" practices) the screens and `line=` filter by."""
    with services().Session() as session:
        return jsonify(lines=queries_catalog.business_lines(session))


@bp.get("/departments")
@require()
def list_departments():
    """The departments on the platform."""
    with services().Session() as session:
        return jsonify(departments=queries_catalog.departments(session))


@bp.get("/search")
@require()
def search():
    """Units and staff by name within the caller's jurisdiction (or a unit inside it)."""
    text = (request.args.get("q") or "").strip()
    if not text:
        raise ApiError(400, "q is required: the text to search for", "q")
    if len(text) > 64:
        raise ApiError(400, "q is too long (64 characters at most)", "q")
    limit = _int_arg("limit", 20, 1, queries_catalog.MAX_SEARCH)
    with services().Session() as session:
        within = scoped_unit(session, request.args.get("within"), "within")
        return jsonify(q=text, within=within.code,
                       **queries_catalog.search(session, text, within, limit))
