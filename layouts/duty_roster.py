"""Roster assignment and paging on the duty desk: the assignee typeahead and the alert-sound control.

The typeahead offers the selected alert's roster (`dashboard.queries.roster.candidates`, filled by
`callbacks.duty_story`): each choice reads "name · role · place" and matches its name, pinyin,
initials and id. The paging control carries what assets/28_duty_paging.js needs as data attributes
(severity threshold, the desk's words); the browser keeps the on/off choice per desk.
"""

from __future__ import annotations

import json
from typing import Any

from dash import dcc, html

from dashboard.queries.roster import Assignee
from layouts import duty as L
from layouts.duty_words import tr

PAGING = "duty-paging"
PAGING_BUTTON = "duty-paging-toggle"
PAGING_SEVERITY = 3  # severity 3 (重大) and 4 (特大) page until acknowledged


def roster_picker(lang: str) -> html.Div:
    """The assignee field: a searchable list the selected alert's roster fills. A div, not a label:
    a label around the dropdown's button would click it twice (open, then closed)."""
    return html.Div([
        html.Span(tr("roster.label", lang), className="duty-field-label"),
        dcc.Dropdown(id=L.ASSIGN, options=[], value=None, searchable=True, clearable=True,
                     placeholder=tr("roster.placeholder", lang), className="duty-roster",
                     optionHeight=44, maxHeight=320,
                     labels={"search": tr("roster.search", lang), "clear_search": tr("roster.clear", lang),
                             "clear_selection": tr("roster.clear", lang),
                             "no_options_found": tr("roster.none", lang)}),
    ], className="duty-field")


def mark_assignee(columns: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The lists' assignee column shows the assignee's name, and "指派给我" on the officer's own."""
    mine = json.dumps(tr("roster.mine", lang), ensure_ascii=False)
    for col in columns:
        if col.get("field") == "assigned_to":
            col.update(width=150, cellClass={"function": "params.data.mine ? 'duty-mine' : ''"},
                       valueGetter={"function": f"params.data.mine ? {mine} : "
                                                "(params.data.assigned_name || params.data.assigned_to)"})
    return columns


def roster_options(people: list[Assignee], lang: str) -> list[dict[str, str]]:
    """Dropdown options: label as people read it, the stored id as value, a search text."""
    return [{"label": a.label(lang), "value": a.id, "search": a.search()} for a in people]


def paging_control(lang: str, desk: str) -> html.Div:
    """The one click browsers need before sound: turns the repeating tone on (and asks for
    notifications); the words and threshold for the browser ride along as data attributes."""
    data: dict[str, Any] = {
        "data-desk": desk, "data-severity": str(PAGING_SEVERITY), "data-title": L.tr("title", lang),
        "data-on": tr("paging.on", lang), "data-off": tr("paging.off", lang),
        "data-notify": tr("paging.notify", lang, id="{id}"),
    }
    return html.Div([
        html.Button(tr("paging.on", lang), id=PAGING_BUTTON, n_clicks=0, className="duty-btn duty-paging-btn",
                    **{"aria-pressed": "false"}),
        html.Small(tr("paging.hint", lang), className="duty-paging-hint"),
    ], id=PAGING, className="duty-paging", **data)
