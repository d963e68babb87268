"""A small world for intake and stream tests and the ingest benchmarks: a city with two districts,
three grids, staff, departments and business items; payloads as the intake API sequences them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import sessionmaker

from dashboard.contract import producer, schema
from dashboard.core.models import BusinessItem, BusinessLine, Department, Staff, Unit
from dashboard.demo.places import CITY_CODE

CITY_BOX = (118.60, 25.20, 119.30, 25.70)  # lon/lat box standing in for the city boundary
G1 = "licheng-zhenhai-changshou-g01"
G2 = "licheng-zhenhai-changshou-g02"
G3 = "xianyou-duwei-maoshan-g01"
G1_POINT = (25.435, 119.005)  # lat, lon inside G1
G2_POINT = (25.435, 119.015)
G3_POINT = (25.365, 118.705)
OUTSIDE = (24.50, 118.00)


def box(lon0: float, lat0: float, lon1: float, lat1: float) -> str:
    """A GeoJSON polygon of a lon/lat box."""
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _unit(code, level, parent, boundary, district=None, town=None, village=None) -> Unit:
    return Unit(code=code, name=code, name_en=code, level=level, parent_code=parent,
                district_code=district, town_code=town, village_code=village, boundary=boundary,
                centroid_lat=25.4, centroid_lon=119.0, area_km2=1.0)


def build_world(Session: sessionmaker) -> None:  # noqa: N803
    """Insert the small world into an empty database."""
    with Session.begin() as s:
        s.add(_unit(CITY_CODE, "city", None, box(*CITY_BOX)))
        s.flush()
        for district, town, village, grids in (
            ("licheng", "licheng-zhenhai", "licheng-zhenhai-changshou",
             [(G1, box(119.00, 25.43, 119.01, 25.44)), (G2, box(119.01, 25.43, 119.02, 25.44))]),
            ("xianyou", "xianyou-duwei", "xianyou-duwei-maoshan",
             [(G3, box(118.70, 25.36, 118.71, 25.37))]),
        ):
            s.add(_unit(district, "district", CITY_CODE, box(*CITY_BOX), district))
            s.flush()
            s.add(_unit(town, "town", district, box(*CITY_BOX), district, town))
            s.flush()
            s.add(_unit(village, "village", town, box(*CITY_BOX), district, town, village))
            s.flush()
            for code, boundary in grids:
                s.add(_unit(code, "grid", village, boundary, district, town, village))
        s.add_all([Department(code="market", name="市场监管局", name_en="Market", enforcement=True),
                   Department(code="citymgmt", name="城管局", name_en="City management",
                              enforcement=True)])
        s.flush()
        s.add(BusinessLine(code="general", name="综合", name_en="General"))
        s.flush()
        s.add_all([
            BusinessItem(code="M01", name="无证经营", name_en="Unlicensed business",
                         department_code="market", line_code="general", limit_dispatch_min=30,
                         limit_accept_min=60, limit_resolve_min=1440, limit_check_min=1440,
                         default_severity=2),
            BusinessItem(code="C01", name="占道经营", name_en="Street vending",
                         department_code="citymgmt", line_code="general", limit_dispatch_min=30,
                         limit_accept_min=60, limit_resolve_min=1440, limit_check_min=1440,
                         default_severity=3),
        ])
        for sid, grid, village, town, district in (
            ("S0001", G1, "licheng-zhenhai-changshou", "licheng-zhenhai", "licheng"),
            ("S0002", G2, "licheng-zhenhai-changshou", "licheng-zhenhai", "licheng"),
            ("S0003", G3, "xianyou-duwei-maoshan", "xianyou-duwei", "xianyou"),
        ):
            s.add(Staff(id=sid, name=sid, role="patrol", unit_code=grid, grid_code=grid,
                        village_code=village, town_code=town, district_code=district))


def now_iso(delta: timedelta = timedelta()) -> str:
    """Now (plus delta) as a wire timestamp."""
    return (datetime.now(UTC) + delta).isoformat(timespec="milliseconds")


def report_data(incident_id: str, grid: str = G1, at: str | None = None) -> dict:
    """An incident.reported payload as the API builds it."""
    at = at or now_iso()
    village, town, district = grid.rsplit("-", 1)[0], grid.rsplit("-", 2)[0], grid.split("-")[0]
    return {"id": incident_id, "reported_at": at, "lat": G1_POINT[0], "lon": G1_POINT[1],
            "grid_code": grid, "village_code": village, "town_code": town, "district_code": district,
            "business_item_code": "M01", "line_code": "general", "department_code": None,
            "source": "patrol", "severity": 2, "description": "", "reporter_id": None,
            "state": "reported", "dispatched_at": None, "accepted_at": None, "resolved_at": None,
            "closed_at": None, "cancelled_at": None, "stage_started_at": at, "reopen_count": 0,
            "bounce_count": 0, "overdue": False, "updated_at": at, "actor": "test",
            "units": [CITY_CODE, district, town, village, grid], "version": 1,
            "key": f"{incident_id}:v1"}


def produce_report(client, incident_id: str, grid: str = G1) -> str:
    """Sequence a new incident straight onto feed:incidents (as the API does); its stream id."""
    data = report_data(incident_id, grid)
    state = {"state": "reported", "version": 1, "department": "", "units": json.dumps(data["units"]),
             "at": data["reported_at"], "reported_at": data["reported_at"]}
    return producer.sequence(client, incident_id, 0, schema.T_REPORTED, data, state).value


def produce_dispatch(client, incident_id: str, grid: str = G1, department: str = "market") -> str:
    """Sequence a dispatch step of a reported incident; its stream id."""
    units = report_data(incident_id, grid)["units"]
    data = {"incident": incident_id, "action": "dispatch", "from": "reported", "to": "dispatched",
            "at": now_iso(), "actor": "test", "department": department, "note": "",
            "key": f"{incident_id}:v2", "version": 2, "units": units}
    return producer.sequence(client, incident_id, 1, schema.T_TRANSITION, data,
                             {"state": "dispatched", "version": 2, "department": department}).value
