"""The incident detail panel: what, where, state, supervision and the whole timeline."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.core.i18n import (
    ACTION_NAMES,
    LEVEL_NAMES,
    SEVERITY_NAMES,
    STAGE_NAMES,
    STATE_NAMES,
    fmt_datetime,
    name_of,
    t,
    unit_name,
)


def _field(label: str, value: Any) -> html.Div:
    return html.Div([html.Dt(label), html.Dd(value if value not in (None, "") else "—")], className="field")


def detail_body(incident: dict[str, Any] | None, lang: str) -> html.Div:
    """The panel's content for one incident (or the hint when none is chosen)."""
    if not incident:
        return html.Div(t("detail.hint", lang), className="muted")
    item = unit_name({"name": incident.get("business_item_name"),
                      "name_en": incident.get("business_item_name_en"),
                      "code": incident.get("business_item")}, lang)
    dept = unit_name({"name": incident.get("department_name"), "name_en": incident.get("department_name_en"),
                      "code": incident.get("department") or ""}, lang)
    place = " › ".join(unit_name(u, lang) for u in incident.get("path", [])[1:])
    steps = [html.Li([
        html.Span(fmt_datetime(step["at"], lang), className="tl-time"),
        html.Span(name_of(ACTION_NAMES, step["action"], lang), className=f"tl-action state-{step['to']}"),
        html.Span(" → " + name_of(STATE_NAMES, step["to"], lang), className="tl-state"),
        html.Span(" · ".join(x for x in (step.get("actor"), step.get("department"), step.get("note")) if x),
                  className="tl-note"),
    ], className="tl-step") for step in incident.get("timeline", [])]
    supervision = [html.Li(f"{name_of(STAGE_NAMES, s['stage'], lang)} · "
                           f"{name_of(LEVEL_NAMES, s['level'], lang)} · {fmt_datetime(s['opened_at'], lang)}",
                           className=f"level-{s['level']}")
                   for s in incident.get("supervision", []) if s.get("state") == "open"]
    return html.Div([
        html.H3(item, className="detail-title"),
        html.Dl([
            _field(t("col.state", lang), name_of(STATE_NAMES, incident["state"], lang)),
            _field(t("col.severity", lang), name_of(SEVERITY_NAMES, incident.get("severity"), lang)),
            _field(t("col.unit", lang), place),
            _field(t("col.department", lang), dept),
            _field(t("col.time", lang), fmt_datetime(incident.get("reported_at"), lang)),
            _field(t("col.description", lang), incident.get("description")),
        ], className="detail-fields"),
        html.H4(t("panel.overdue_list", lang)) if supervision else None,
        html.Ul(supervision, className="detail-supervision") if supervision else None,
        html.Ol(steps, className="timeline"),
        html.Div(incident["id"], className="detail-id muted"),
    ], className="detail", **{"data-incident": incident["id"]})
