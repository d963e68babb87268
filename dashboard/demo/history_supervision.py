"""Supervision items (督办) implied by the demo timelines, and the few alerts open at seed time.

A stage instance starts at each event that enters an open state and ends at the next event of the
same incident. Past its limit it opened an item at the village, which climbed a level per further
limit (the same arithmetic as feeds.supervision_deadlines, so the live worker takes over seamlessly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.demo.history import World
from dashboard.demo.history_loop import STATE, Events

LEVELS = np.array(["village", "town", "district", "city"], dtype=object)
STAGES = np.array(["dispatch", "accept", "resolve", "check"], dtype=object)
# state index -> stage index (reported→dispatch, dispatched→accept, accepted→resolve, resolved→check)
_STAGE_OF = np.full(len(STATE) + 1, -1)
for _state, _stage in (("reported", 0), ("dispatched", 1), ("accepted", 2), ("resolved", 3)):
    _STAGE_OF[STATE[_state]] = _stage


@dataclass
class Supervision:
    """Supervision item and escalation columns (ids assigned from `first_id`)."""

    items: dict
    escalations: dict
    open_incidents: np.ndarray  # incident index of each open item
    open_levels: np.ndarray


def supervision(world: World, events: Events, item: np.ndarray, grid: np.ndarray, now: int,
                first_id: int = 1) -> Supervision:
    """Items for every late stage instance in `events` (already cut at `now`)."""
    inc = events.inc
    follows = np.r_[inc[1:] == inc[:-1], False]
    end = np.where(follows, np.r_[events.at[1:], 0], -1)
    stage = _STAGE_OF[events.to]
    candidate = np.flatnonzero(stage >= 0)
    limit = world.item_limits[item[inc[candidate]], stage[candidate]].astype(np.int64) * 60
    start = events.at[candidate]
    is_open = end[candidate] < 0
    elapsed = np.where(is_open, now - start, end[candidate] - start)
    late = elapsed >= limit
    rows, limit, start, is_open = candidate[late], limit[late], start[late], is_open[late]
    passed = elapsed[late] // limit
    escalations = np.minimum(passed - 1, 3)
    g = grid[inc[rows]]
    chain = np.stack([world.village_codes[g], world.town_codes[g], world.district_codes[g],
                      np.full(len(g), world.city_code, dtype=object)], axis=1)
    n = len(rows)
    ids = np.arange(first_id, first_id + n)
    items = {
        "id": ids, "incident": inc[rows], "stage": STAGES[stage[rows]],
        "level": LEVELS[escalations], "unit_code": chain[np.arange(n), escalations],
        "grid_code": world.grid_codes[g], "village_code": chain[:, 0], "town_code": chain[:, 1],
        "district_code": chain[:, 2], "opened_at": start + limit,
        "due_at": start + (escalations + 2) * limit, "escalations": escalations,
        "state": np.where(is_open, "open", "closed").astype(object),
        "closed_at": np.where(is_open, -1, end[rows]),
    }
    climbs = [np.flatnonzero(escalations >= j) for j in (1, 2, 3)]
    escalation = {
        "item_id": np.concatenate([ids[c] for c in climbs]),
        "from_level": np.concatenate([np.full(len(c), LEVELS[j - 1]) for j, c in enumerate(climbs, 1)]),
        "to_level": np.concatenate([np.full(len(c), LEVELS[j]) for j, c in enumerate(climbs, 1)]),
        "unit_code": np.concatenate([chain[c, j] for j, c in enumerate(climbs, 1)]),
        "at": np.concatenate([start[c] + (j + 1) * limit[c] for j, c in enumerate(climbs, 1)]),
    }
    for key in ("from_level", "to_level"):
        escalation[key] = escalation[key].astype(object)
    return Supervision(items, escalation, inc[rows][is_open], escalations[is_open])


def seed_alerts(world: World, sup: Supervision, ids: np.ndarray, attrs: dict, state: np.ndarray,
                reported: np.ndarray, now: int, grid_names: dict[str, str]) -> list[dict]:
    """A handful of open alerts: escalated and new supervision items, today's critical incidents."""
    alerts: list[dict] = []
    items = sup.items
    open_rows = np.flatnonzero(items["state"] == "open")
    # Newest first, so the desk shows what happened most recently.
    open_rows = open_rows[np.argsort(-items["opened_at"][open_rows], kind="stable")]
    level_zh = {"village": "村（社区）", "town": "镇（街道）", "district": "县（区）", "city": "市"}
    for level, quota in (("city", 2), ("district", 2), ("town", 1), ("village", 2)):
        for r in open_rows[items["level"][open_rows] == level][:quota]:
            grid = items["grid_code"][r]
            place = grid_names.get(grid, grid)
            escalated = level != "village"
            esc = int(items["escalations"][r])
            limit = (int(items["due_at"][r]) - int(items["opened_at"][r])) // (esc + 1)
            at = int(items["opened_at"][r]) + esc * limit  # the latest climb
            item_id, incident = int(items["id"][r]), int(items["incident"][r])
            alert = _alert(
                world, grid, "supervision_escalated" if escalated else "supervision_new",
                f"supervision_escalated:{grid}:{level}" if escalated else f"supervision_new:{grid}",
                f"督办升级至{level_zh[level]}：{place}" if escalated else f"超期督办：{place}",
                f"Supervision escalated to {level}: {grid}" if escalated else f"Overdue supervision: {grid}",
                min(4, 2 + esc), items["unit_code"][r], level, min(at, now), ids[incident], item_id)
            # Occurrence keys as feeds.supervision_alerts writes them, so a replay adds nothing.
            alert["detail"].update(
                keys=[f"item:{item_id}:escalated:{esc}" if escalated else f"item:{item_id}:opened"],
                causes=[str(item_id)], **_where(attrs, incident))
            alerts.append(alert)
    today = np.flatnonzero((attrs["severity"] >= 4) & (reported >= now - 86_400)
                           & np.isin(state, [STATE[s] for s in ("reported", "dispatched", "accepted")]))
    for i in today[-3:]:
        grid = world.grid_codes[attrs["grid"][i]]
        name = world.item_names[attrs["item"][i]]
        alert = _alert(
            world, grid, "severe_incident", f"severe_incident:{grid}:{world.item_codes[attrs['item'][i]]}",
            f"紧急事件：{name}（{grid_names.get(grid, grid)}）", f"Critical incident: {grid}", 4, grid,
            "village", int(reported[i]), ids[i], None)
        alert["detail"].update(keys=[f"incident:{ids[i]}"], causes=[ids[i]], **_where(attrs, i))
        alerts.append(alert)
    return alerts


def _where(attrs: dict, incident: int) -> dict[str, float]:
    return {"lat": round(float(attrs["lat"][incident]), 6), "lon": round(float(attrs["lon"][incident]), 6)}


def _alert(world: World, grid: str, kind: str, group_key: str, title: str, title_en: str,
           severity: int, unit: str, level: str, at: int, incident: str, supervision_id: int | None
           ) -> dict:
    g = int(np.flatnonzero(world.grid_codes == grid)[0])
    return {"kind": kind, "group_key": group_key, "unit_code": unit,
            "district_code": world.district_codes[g], "town_code": world.town_codes[g],
            "village_code": world.village_codes[g], "grid_code": grid, "severity": severity,
            "title": title[:256], "detail": {"title_en": title_en},
            "count": 1, "first_at": at, "last_at": at, "state": "open", "level": level,
            "incident_id": incident, "supervision_id": supervision_id}
