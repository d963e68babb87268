"""A briefing's world: supervision items at every level in two districts, of known ages, and one
critical alert, on the supervision tests' small world (its clock at T0)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.supervision_world import (
    CHAIN,
    GRID,
    GRID2,
    OTHER_CHAIN,
    OTHER_GRID,
    T0,
    add_incident,
    build_world,
)
from dashboard.core.models import Alert, SupervisionItem, Unit

# name: (level, grid, overdue since T0 minus this, incident state)
ITEMS = {
    "E": ("city", OTHER_GRID, timedelta(days=20), "reported"),
    "D": ("district", GRID, timedelta(hours=3), "dispatched"),
    "B": ("district", GRID2, timedelta(days=40), "reported"),
    "A": ("town", GRID, timedelta(hours=2), "accepted"),
    "C": ("town", OTHER_GRID, timedelta(days=5), "reported"),
}
DEFAULT_ORDER = ["E", "D", "B", "A", "C"]  # highest level first, then newest
ENGLISH = {"licheng": "Licheng", "licheng-zhenhai": "Zhenhai", "licheng-zhenhai-changshou": "Changshou",
           GRID: "Changshou grid 01", GRID2: "Changshou grid 02", "chengxiang": "Chengxiang",
           "chengxiang-longqiao": "Longqiao", "chengxiang-longqiao-xingan": "Xing'an",
           OTHER_GRID: "Xing'an grid 03",
           "putian": "Putian"}


BOX = json.dumps({"type": "Polygon", "coordinates": [[[118.99, 25.42], [119.01, 25.42], [119.01, 25.44],
                                                    [118.99, 25.44], [118.99, 25.42]]]})


def _unit(level: str, chain: dict) -> str:
    return {"city": "putian", "district": chain["district_code"], "town": chain["town_code"],
            "village": chain["village_code"]}[level]


def build(session: Session, now: datetime = T0) -> dict[str, str]:
    """The world and its items, aged as of ``now``; returns {name: supervision id}, plus "alert"."""
    build_world(session)
    for unit in session.scalars(select(Unit)):
        unit.name_en = ENGLISH.get(unit.code, unit.name_en)
        unit.boundary = BOX  # the intake API's catalogue reads every boundary
    ids = {}
    for name, (level, grid, age, state) in ITEMS.items():
        chain = OTHER_CHAIN if grid == OTHER_GRID else CHAIN
        incident = add_incident(session, f"inc-{name}", now - age - timedelta(hours=1), state=state,
                                grid=grid)
        incident.description = f"事件{name}"
        item = SupervisionItem(incident_id=incident.id, stage="dispatch", level=level,
                               unit_code=_unit(level, chain), grid_code=grid, opened_at=now - age,
                               due_at=now + timedelta(hours=1),
                               escalations=0, state="open", **chain)
        session.add(item)
        session.flush()
        ids[name] = str(item.id)
    alert = Alert(kind="severe_incident", group_key="severe:A", unit_code=CHAIN["town_code"], grid_code=GRID,
                  severity=4, title="紧急事件：占道经营",
                  detail={"title_en": "Critical incident: Street vending"},
                  first_at=now - timedelta(minutes=30), last_at=now, state="open", level="town",
                  incident_id="inc-A", **CHAIN)
    session.add(alert)
    session.flush()
    ids["alert"] = str(alert.id)
    return ids
