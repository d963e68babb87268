"""The bar above every view: breadcrumb, period, business line and map measure."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.core.i18n import t, unit_name
from layouts import ids
from layouts.components import breadcrumb, dropdown_labels
from layouts.figures_map import MEASURES
from layouts.period import period_options


def line_options(lines: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """Business-line entries, "all lines" first."""
    return [{"label": t("line.all", lang), "value": ""}] + [
        {"label": unit_name(line, lang), "value": line["code"]} for line in lines]


def measure_style(shown: bool) -> dict[str, str]:
    """The style of the map-measure control and its label: a grid's map has no measure to choose."""
    return {} if shown else {"display": "none"}


def control_bar(path: list[dict[str, Any]], query: dict[str, Any], choice: str, period_range: tuple[str, str],
                lines: list[dict[str, Any]], lang: str, *, show_measure: bool = True) -> html.Div:
    """Breadcrumb on the left, the view's filters on the right; the URL carries their values."""
    start, end = period_range
    return html.Div([
        html.Div(breadcrumb(path, query, lang), id=ids.BREADCRUMB, className="crumb-wrap"),
        html.Div([
            _pair(t("period", lang), ids.PERIOD,
                  dcc.Dropdown(id=ids.PERIOD, options=period_options(lang), value=choice, clearable=False,
                               searchable=False, className="control period-select",
                               labels=dropdown_labels(lang))),
            dcc.DatePickerRange(id=ids.PERIOD_RANGE, start_date=start, end_date=end,
                                display_format="YYYY-MM-DD", className="control period-range",
                                style={} if choice == "custom" else {"display": "none"}),
            _pair(t("line", lang), ids.LINE,
                  dcc.Dropdown(id=ids.LINE, options=line_options(lines, lang), value=query.get("line") or "",
                               clearable=False, searchable=False, className="control line-select",
                               labels=dropdown_labels(lang))),
            _pair(t("measure", lang), ids.MEASURE,
                  dcc.Dropdown(id=ids.MEASURE, options=[{"label": t(f"measure.{m}", lang), "value": m}
                                                        for m in MEASURES],
                               value="open", clearable=False, searchable=False,
                               className="control measure-select", labels=dropdown_labels(lang),
                               style=measure_style(show_measure)),
                  label_id=ids.MEASURE_LABEL, label_style=measure_style(show_measure)),
        ], className="controls"),
    ], className="control-bar")


def _pair(label: str, control_id: str, control: Any, *, label_id: str | None = None,
          label_style: dict[str, str] | None = None) -> html.Div:
    """A control with its label, kept together: where the bar wraps (a portrait tablet), "Map
    measure" ended one line with its dropdown alone on the next."""
    extra = {"id": label_id} if label_id else {}
    return html.Div([html.Label(label, htmlFor=control_id, className="control-label",
                                style=label_style or {}, **extra), control], className="control-pair")


def detail_panel(lang: str) -> dbc.Offcanvas:
    """The slide-in panel showing one incident and its whole timeline."""
    return dbc.Offcanvas(html.Div(t("detail.hint", lang), id=ids.DETAIL_BODY),
                         id=ids.DETAIL, title=t("panel.detail", lang), placement="end", is_open=False,
                         className="detail-panel", scrollable=True)
