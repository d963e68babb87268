"""A tiny hand-made world for the screens' unit tests: one branch of the tree, a few incidents.

The full seeded world (conftest `world`) is for the browser tests; callbacks are tested here on
rows whose every number is known by construction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from dashboard.core.models import (
    BusinessItem,
    BusinessLine,
    Certificate,
    Department,
    Incident,
    IncidentEvent,
    Staff,
    SupervisionItem,
    Unit,
)
from dashboard.core.timeutil import LOCAL_TZ


def _last_afternoon() -> datetime:
    """14:00 in Putian on the latest day that has reached it: always past, always within a week."""
    local = datetime.now(LOCAL_TZ)
    day = local.date() if local.hour >= 14 else local.date() - timedelta(days=1)
    return datetime.combine(day, time(14), LOCAL_TZ).astimezone(UTC)


# The world moves with the calendar, so "the last 7 days" always holds its incidents.
NOW = _last_afternoon()
DAY = NOW.astimezone(LOCAL_TZ).date().isoformat()  # NOW's local date, as periods spell it


def _box(lon: float, lat: float, size: float) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


T, V = "licheng-zhenhai", "licheng-zhenhai-changshou"
UNITS = [
    # code, name, name_en, level, parent, district, town, village, lon, lat, size, population
    ("putian", "莆田市", "Putian", "city", None, None, None, None, 118.9, 25.3, 0.4, 3_000_000),
    ("licheng", "荔城区", "Licheng", "district", "putian", None, None, None, 119.0, 25.4, 0.2, 500_000),
    ("chengxiang", "城厢区", "Chengxiang", "district", "putian", None, None, None, 118.9, 25.4, 0.1, 400_000),
    ("licheng-zhenhai", "镇海街道", "Zhenhai", "town", "licheng", "licheng", None, None, 119.0, 25.4, 0.1,
     80_000),
    ("licheng-zhenhai-changshou", "长寿社区", "Changshou", "village", "licheng-zhenhai", "licheng",
     "licheng-zhenhai", None, 119.0, 25.4, 0.05, 6_000),
    (f"{V}-g01", "长寿社区第1网格", "Changshou grid 1", "grid", V, "licheng", T, V, 119.0, 25.4, 0.02, 2_000),
    (f"{V}-g02", "长寿社区第2网格", "Changshou grid 2", "grid", V, "licheng", T, V, 119.02, 25.4, 0.02,
     2_000),
]
GRID = "licheng-zhenhai-changshou-g01"


def _incident(n: int, state: str, reported: datetime, overdue: bool = False, grid: str = GRID) -> Incident:
    closed = reported + timedelta(hours=2) if state == "closed" else None
    return Incident(id=f"inc-{n:03d}", reported_at=reported, lat=25.41, lon=119.01, grid_code=grid,
                    village_code=V, town_code=T, district_code="licheng",
                    business_item_code="food-01", line_code="food", department_code="market", source="patrol",
                    severity=2, description=f"事件{n}", state=state,
                    dispatched_at=reported + timedelta(minutes=10) if state != "reported" else None,
                    accepted_at=reported + timedelta(minutes=30)
                    if state in ("accepted", "resolved", "closed") else None,
                    resolved_at=closed, closed_at=closed, stage_started_at=reported,
                    overdue=overdue, updated_at=reported)


def build(session: Session) -> None:
    """Insert the tiny world: 5 incidents today (2 closed, 3 open of which 1 overdue), 1 in 2018."""
    for code, name, name_en, level, parent, district, town, village, lon, lat, size, pop in UNITS:
        session.add(Unit(code=code, name=name, name_en=name_en, level=level, parent_code=parent,
                         district_code=district, town_code=town, village_code=village,
                         boundary=_box(lon, lat, size), centroid_lat=lat + size / 2,
                         centroid_lon=lon + size / 2,
                         area_km2=size * 100, population=pop))
        session.flush()
    session.add(Department(code="market", name="市场监管局", name_en="Market Supervision", enforcement=True))
    session.add(BusinessLine(code="food", name="食品药品网格化监管", name_en="Food and drug supervision",
                             origin_unit_code="licheng"))
    session.flush()
    session.add(BusinessItem(code="food-01", name="无证经营", name_en="Unlicensed trading",
                             department_code="market", line_code="food", limit_dispatch_min=30,
                             limit_accept_min=60, limit_resolve_min=1440, limit_check_min=240))
    session.add(Staff(id="s001", name="林芳", role="patrol", unit_code=GRID, grid_code=GRID,
                      village_code=V, town_code=T, district_code="licheng"))
    session.flush()
    today = NOW - timedelta(hours=3)
    rows = [_incident(1, "closed", today), _incident(2, "closed", today), _incident(3, "reported", today),
            _incident(4, "accepted", today, overdue=True), _incident(5, "dispatched", today),
            _incident(6, "closed", datetime(2018, 5, 1, 2, 0, tzinfo=UTC))]
    session.add_all(rows)
    session.flush()
    session.add(IncidentEvent(incident_id="inc-004", action="report", from_state=None, to_state="reported",
                              at=today, actor="s001", note="", event_key="k-4-1"))
    session.add(SupervisionItem(incident_id="inc-004", stage="resolve", level="town", unit_code=T,
                                grid_code=GRID, village_code=V, town_code=T, district_code="licheng",
                                opened_at=today,
                                due_at=today + timedelta(hours=4), escalations=1, state="open"))
    session.add(Certificate(kind="senior_card", handled_at=today, grid_code=GRID, village_code=V,
                            town_code=T, district_code="licheng", staff_id="s001"))
