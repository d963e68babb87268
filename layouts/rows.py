"""Pure builders of list rows and KPI tiles from query results, in the chosen language."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard.core.i18n import (
    LEVEL_NAMES,
    ROLE_NAMES,
    SEVERITY_NAMES,
    STAGE_NAMES,
    STATE_NAMES,
    fmt_int,
    fmt_pct,
    fmt_time,
    name_of,
    t,
    unit_name,
)
from layouts.components import kpi


def _unit_label(row: dict[str, Any], names: dict[str, Any], lang: str) -> str:
    code = row.get(names.get("child_key", "grid")) or row.get("grid")
    ref = names.get("units", {}).get(code)
    return unit_name(ref, lang) if ref else (code or "")


def _item_label(code: str | None, names: dict[str, Any], lang: str) -> str:
    ref = names.get("items", {}).get(code)
    return unit_name(ref, lang) if ref else (code or "")


def ticker_rows(incidents: list[dict[str, Any]], names: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Ticker rows (newest first) from incident summaries."""
    return [{"id": r["id"], "time": fmt_time(r["reported_at"], lang), "unit": _unit_label(r, names, lang),
             "item": _item_label(r.get("business_item"), names, lang), "state": r["state"],
             "state_label": name_of(STATE_NAMES, r["state"], lang), "severity": r.get("severity"),
             "severity_label": name_of(SEVERITY_NAMES, r.get("severity"), lang)} for r in incidents]


def overdue_rows(items: list[dict[str, Any]], names: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Open supervision items (newest first); the row id is the incident's, for the detail panel."""
    return [{"id": r["incident"], "supervision": r["id"], "time": fmt_time(r["opened_at"], lang),
             "unit": _unit_label(r, names, lang),
             "item": unit_name({"name": r["item_name"], "name_en": r["item_name_en"]}, lang),
             "stage": r["stage"], "stage_label": name_of(STAGE_NAMES, r["stage"], lang),
             "level": r["level"], "level_label": name_of(LEVEL_NAMES, r["level"], lang)} for r in items]


def children_rows(children: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One row per child unit with its figures."""
    return [{"code": c["code"], "name": unit_name(c, lang), **{k: c["figures"].get(k) for k in (
        "collected", "closed", "closure_rate", "open", "overdue")}} for c in children]


def department_rows(board: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """The department board as grid rows (NaN becomes None)."""
    if board.empty:
        return []
    frame = board.astype(object).where(board.notna(), None)
    rows = frame.to_dict("records")
    for row in rows:
        row["name"] = unit_name({"name": row.get("name"), "name_en": row.get("name_en"),
                                 "code": row["department"]}, lang)
    return rows


def staff_rows(staff: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """A grid's staff with role, status and the time they were last seen."""
    return [{"id": p["id"], "name": p["name"], "role": p["role"],
             "role_label": name_of(ROLE_NAMES, p["role"], lang), "status": p["status"],
             "status_label": t(f"staff.{p['status']}", lang), "last_seen": fmt_time(p.get("ts"), lang)}
            for p in staff]


def kpi_tiles(f: dict[str, Any], lang: str) -> list[html.Div]:
    """The figure tiles of a view, in reading order: work, rates, backlog, people, services."""
    supervision = sum((f.get("supervision_by_level") or {}).values())
    certs = f.get("certificates") or {}
    return [
        kpi("collected", t("kpi.collected", lang), fmt_int(f.get("collected"), lang)),
        kpi("closed", t("kpi.closed", lang), fmt_int(f.get("closed"), lang)),
        kpi("closure_rate", t("kpi.closure_rate", lang), fmt_pct(f.get("closure_rate"), lang), tone="accent"),
        kpi("on_time_rate", t("kpi.on_time_rate", lang), fmt_pct(f.get("on_time_rate"), lang)),
        kpi("open", t("kpi.open", lang), fmt_int(f.get("open"), lang)),
        kpi("overdue", t("kpi.overdue", lang), fmt_int(f.get("overdue"), lang),
            tone="alarm" if f.get("overdue") else ""),
        kpi("supervision", t("kpi.supervision", lang), fmt_int(supervision, lang),
            tone="alarm" if supervision else ""),
        kpi("staff_online", t("kpi.staff_online", lang), fmt_int(f.get("staff_online"), lang),
            f"{t('kpi.staff_total', lang)} {fmt_int(f.get('staff_on_duty'), lang)}/"
            f"{fmt_int(f.get('staff_total'), lang)}"),
        kpi("coverage", t("kpi.coverage", lang),
            fmt_pct(f["grids_patrolled"] / f["grids"] if f.get("grids") else None, lang),
            f"{fmt_int(f.get('grids_patrolled'), lang)} / {fmt_int(f.get('grids'), lang)}"),
        kpi("certificates", t("kpi.certificates", lang), fmt_int(certs.get("total"), lang),
            f"{t('kpi.senior_card', lang)} {fmt_int(certs.get('senior_card'), lang)} · "
            f"{t('kpi.love_card', lang)} {fmt_int(certs.get('love_card'), lang)}"),
    ]
