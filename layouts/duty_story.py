"""The alert's story on the duty desk: a drawer beside the queue listing every event with who and when.

Opened from a queue or board row's "经过" cell (`callbacks.duty_story`); the events come from
`dashboard.queries.alert_story.story`, the same list `GET /api/v1/alerts/<id>/story` answers.
"""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashboard.core.i18n import ACTION_NAMES, LEVEL_NAMES, name_of
from layouts import duty as L
from layouts.duty_words import tr

STORY = "duty-story"
STORY_BODY = "duty-story-body"
COLUMN = "story"  # the column whose cell opens the drawer


def story_column(lang: str) -> dict[str, Any]:
    """The list column that opens an alert's story."""
    return {"colId": COLUMN, "headerName": tr("story.column", lang), "width": 110, "sortable": False,
            "valueGetter": {"function": json.dumps(tr("story.open", lang), ensure_ascii=False)},
            "cellClass": "duty-story-cell"}


def story_drawer(lang: str) -> dbc.Offcanvas:
    """The closed drawer; opening it fills its title and body."""
    return dbc.Offcanvas(html.Div(id=STORY_BODY), id=STORY, title=tr("story.title", lang, id=""),
                         is_open=False, placement="end", backdrop=False, scrollable=True,
                         close_button=True, className="duty-story")


def _what(e: dict[str, Any], lang: str) -> str:
    kind = e["kind"]
    if kind.startswith("incident."):
        return tr("story.incident", lang, action=name_of(ACTION_NAMES, kind.split(".", 1)[1], lang))
    if kind == "alert.repeated":
        return tr("story.alert.repeated", lang, count=e["count"])
    if kind == "alert.assign":
        return tr("story.alert.assign", lang, to=e.get("to_name") or e.get("to") or "—")
    if kind == "alert.escalate":
        return tr("story.alert.escalate", lang, from_level=name_of(LEVEL_NAMES, e.get("from_level"), lang),
                  to_level=name_of(LEVEL_NAMES, e.get("to_level"), lang))
    return tr(f"story.{kind}", lang)


def _details(e: dict[str, Any], lang: str) -> list[str]:
    lines = []
    if e.get("on_behalf_of"):
        lines.append(tr("story.behalf", lang, name=e["on_behalf_of"],
                        channel=L.tr(f"channel.{e.get('channel') or 'screen'}", lang)))
    name = e.get("department_name_en" if lang == "en" else "department_name")
    if name:
        lines.append(tr("story.department", lang, name=name))
    text = e.get("text") or e.get("note")
    if text:
        lines.append(text)
    return lines


def story_items(events: list[dict[str, Any]], lang: str) -> html.Ol | html.P:
    """The events as a timeline: local time, what happened, who, and any note or instruction."""
    if not events:
        return html.P(tr("story.empty", lang), className="duty-story-empty")
    return html.Ol([html.Li([
        html.Time(e["local"], dateTime=e["at"], className="duty-story-time"),
        html.Div([html.Span(_what(e, lang), className="duty-story-what"),
                  html.Span(e.get("who") or tr("story.system", lang), className="duty-story-who")],
                 className="duty-story-head"),
        *[html.Div(line, className="duty-story-note") for line in _details(e, lang)],
    ], className=f"duty-story-item duty-story-{e['kind'].split('.')[0]}", **{"data-kind": e["kind"]})
        for e in events], className="duty-story-list")
