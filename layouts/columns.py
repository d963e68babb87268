"""Column definitions of the views' lists (dash-ag-grid), in the chosen language."""

from __future__ import annotations

from dashboard.core.i18n import t

PCT = {"function": "params.value == null ? '—' : (params.value * 100).toFixed(1) + '%'"}
INT = {"function": "params.value == null ? '—' : params.value.toLocaleString('en-US')"}
MINUTES = {"function": "params.value == null ? '—' : params.value.toFixed(0)"}
HOURS = {"function": "params.value == null ? '—' : (params.value / 60).toFixed(1)"}
# Names and items are shown whole: a long one takes a second line rather than ending in "…"
# (a wall sizes these columns to their content instead, assets/25_wall_lists.js).
WHOLE = {"wrapText": True, "autoHeight": True, "cellClass": "cell-whole"}
# Times and one-word values (a state, a stage, a level, a severity) are as wide as the widest one
# shown, in the font on screen (assets/32_list_fit.js); the other columns share the rest. A width
# capped in pixels read "Dispa…" in English, where the text is wider than in Chinese.
WORDS = {"context": {"words": True}, "suppressSizeToFit": True}


def ticker_columns(lang: str) -> list[dict]:
    """New incidents, newest first."""
    return [{"field": "time", "headerName": t("col.time", lang), **WORDS},
            {"field": "unit", "headerName": t("col.unit", lang), **WHOLE},
            {"field": "item", "headerName": t("col.item", lang), "flex": 2, **WHOLE},
            {"field": "state_label", "headerName": t("col.state", lang), **WORDS,
             "cellClass": {"function": "'state-' + params.data.state"}}]


def overdue_columns(lang: str) -> list[dict]:
    """Open supervision items, newest first."""
    return [{"field": "time", "headerName": t("col.time", lang), **WORDS},
            {"field": "unit", "headerName": t("col.unit", lang), **WHOLE},
            {"field": "item", "headerName": t("col.item", lang), "flex": 2, **WHOLE},
            {"field": "stage_label", "headerName": t("col.stage", lang), **WORDS},
            {"field": "level_label", "headerName": t("col.level", lang), **WORDS,
             "cellClass": {"function": "'level-' + params.data.level"}}]


def children_columns(lang: str) -> list[dict]:
    """The current unit's children with their figures; a click drills down."""
    return [{"field": "name", "headerName": t("col.name", lang), "flex": 2, **WHOLE},
            {"field": "collected", "headerName": t("kpi.collected", lang), "valueFormatter": INT},
            {"field": "closed", "headerName": t("kpi.closed", lang), "valueFormatter": INT},
            {"field": "closure_rate", "headerName": t("kpi.closure_rate", lang), "valueFormatter": PCT},
            {"field": "open", "headerName": t("kpi.open", lang), "valueFormatter": INT},
            {"field": "overdue", "headerName": t("kpi.overdue", lang), "valueFormatter": INT,
             "cellClass": {"function": "params.value > 0 ? 'hot' : ''"}}]


def department_columns(lang: str) -> list[dict]:
    """The department board (部门报到)."""
    return [{"field": "name", "headerName": t("col.department", lang), "flex": 2, **WHOLE},
            {"field": "dispatched", "headerName": t("col.dispatched", lang), "valueFormatter": INT},
            {"field": "in_time_rate", "headerName": t("col.accepted_in_time", lang), "valueFormatter": PCT},
            {"field": "median_accept_min", "headerName": t("col.median_accept", lang),
             "valueFormatter": MINUTES},
            {"field": "median_resolve_min", "headerName": t("col.median_resolve", lang),
             "valueFormatter": HOURS},
            {"field": "bounced", "headerName": t("col.bounced", lang), "valueFormatter": INT}]


def staff_columns(lang: str) -> list[dict]:
    """A grid's assigned staff with status."""
    return [{"field": "name", "headerName": t("col.name", lang)},
            {"field": "role_label", "headerName": t("col.role", lang), "flex": 2},
            {"field": "status_label", "headerName": t("col.status", lang),
             "cellClass": {"function": "'staff-' + params.data.status"}},
            {"field": "last_seen", "headerName": t("col.last_seen", lang)}]


def incident_columns(lang: str) -> list[dict]:
    """A grid's open and recent incidents."""
    return [{"field": "time", "headerName": t("col.time", lang), **WORDS},
            {"field": "item", "headerName": t("col.item", lang), "flex": 2, **WHOLE},
            {"field": "severity_label", "headerName": t("col.severity", lang), **WORDS},
            {"field": "state_label", "headerName": t("col.state", lang), **WORDS,
             "cellClass": {"function": "'state-' + params.data.state"}}]
