"""A small world for the supervision and alert tests: two districts' worth of chain, one business
item with known limits, a few staff, incidents written as the persister writes them, and a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.core.models import BusinessItem, BusinessLine, Department, Incident, Staff, Unit
from dashboard.core.principal import issue_token
from dashboard.demo.places import CITY_CODE

# 2026-03-02 10:00 Asia/Shanghai: inside the day shift (08:00-16:00).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LIMITS = {"dispatch": 30, "accept": 60, "resolve": 120, "check": 60}
GRID = "licheng-zhenhai-changshou-g01"
GRID2 = "licheng-zhenhai-changshou-g02"
OTHER_GRID = "chengxiang-longqiao-xingan-g03"
CHAIN = {"district_code": "licheng", "town_code": "licheng-zhenhai",
         "village_code": "licheng-zhenhai-changshou"}
OTHER_CHAIN = {"district_code": "chengxiang", "town_code": "chengxiang-longqiao",
               "village_code": "chengxiang-longqiao-xingan"}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, **delta) -> datetime:
        """Put the clock at T0 + delta."""
        self.now = T0 + timedelta(**delta)
        return self.now


def _unit(session: Session, code: str, level: str, parent: str | None, name: str, **codes) -> None:
    session.add(Unit(code=code, name=name, name_en=code, level=level, parent_code=parent,
                     boundary="{}", centroid_lat=25.43, centroid_lon=119.0, area_km2=1.0, **codes))
    session.flush()


def build_world(session: Session) -> None:
    """City → two districts → a town → a village → grids, one department and one business item."""
    _unit(session, CITY_CODE, "city", None, "莆田市")
    for chain, grids, names in ((CHAIN, (GRID, GRID2), ("荔城区", "镇海街道", "长寿社区")),
                                (OTHER_CHAIN, (OTHER_GRID,), ("城厢区", "龙桥街道", "兴安社区"))):
        d, t, v = chain["district_code"], chain["town_code"], chain["village_code"]
        _unit(session, d, "district", CITY_CODE, names[0], district_code=d)
        _unit(session, t, "town", d, names[1], district_code=d, town_code=t)
        _unit(session, v, "village", t, names[2], district_code=d, town_code=t, village_code=v)
        for g in grids:
            _unit(session, g, "grid", v, f"{names[2]}第{g[-2:]}网格", **chain)
    session.add(Department(code="citymgmt", name="城市管理局", name_en="City management",
                           enforcement=True))
    session.add(BusinessLine(code="general", name="综合", name_en="General"))
    session.flush()
    session.add(BusinessItem(code="BI001", name="占道经营", name_en="Street vending",
                             department_code="citymgmt", line_code="general",
                             limit_dispatch_min=LIMITS["dispatch"], limit_accept_min=LIMITS["accept"],
                             limit_resolve_min=LIMITS["resolve"], limit_check_min=LIMITS["check"],
                             default_severity=2))
    for i, (grid, shift) in enumerate(((GRID, "day"), (GRID, "day"), (GRID2, "night"),
                                       (OTHER_GRID, "day"))):
        chain = OTHER_CHAIN if grid == OTHER_GRID else CHAIN
        session.add(Staff(id=f"S{i:04d}", name=f"网格员{i}", role="patrol", unit_code=grid,
                          grid_code=grid, shift=shift, **chain))
    session.flush()


def add_incident(session: Session, incident_id: str, at: datetime, state: str = "reported",
                 grid: str = GRID, severity: int = 2) -> Incident:
    """An incident row as the persister leaves it after its last step at ``at``."""
    chain = OTHER_CHAIN if grid == OTHER_GRID else CHAIN
    row = Incident(id=incident_id, reported_at=at, lat=25.43, lon=119.0, grid_code=grid, **chain,
                   business_item_code="BI001", line_code="general", department_code="citymgmt",
                   source="patrol", severity=severity, description="", state=state,
                   stage_started_at=at, updated_at=at)
    session.add(row)
    session.flush()
    return row


def reported_payload(row: Incident) -> dict:
    """The data of an incident.reported entry for this row."""
    data = {c.key: getattr(row, c.key) for c in Incident.__table__.columns}
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
    data["units"] = [CITY_CODE, row.district_code, row.town_code, row.village_code, row.grid_code]
    data["version"] = 1
    return data


def transition_payload(row: Incident, action: str, to: str, at: datetime, version: int) -> dict:
    """The data of an incident.transition entry."""
    return {"incident": row.id, "action": action, "from": row.state, "to": to, "at": at.isoformat(),
            "actor": "test", "department": "citymgmt", "note": "", "key": f"{row.id}:v{version}",
            "version": version,
            "units": [CITY_CODE, row.district_code, row.town_code, row.village_code, row.grid_code]}


def token(session: Session, name: str, role: str, unit: str) -> str:
    """A bearer token for a caller at a unit, issued now: tokens expire by the real clock, which the
    world's fake clock (set to T0) does not move."""
    return issue_token(session, name, role, unit_code=unit)
