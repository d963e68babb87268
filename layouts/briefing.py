"""The leaders' briefing page (/briefing): overdue and escalated items, highest level and newest first,
filtered by level, district and age, each with one tap to instruct and a link to print it as a PDF."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.actions.instructions import LEVEL_ORDER, MAX_TEXT
from dashboard.core.i18n import LEVEL_NAMES, SEVERITY_NAMES, STAGE_NAMES, fmt_datetime, name_of
from dashboard.core.timeutil import LOCAL_TZ
from dashboard.queries.briefing import AGES
from dashboard.queries.briefing_text import age_text, bt, place_text, receipt_text, sent_to
from layouts import ids

ROOT = "briefing-root"
BODY = "briefing-body"
TICK = "briefing-tick"  # re-read every minute: items age and climb
REFRESH = "briefing-refresh"  # bumped after an instruction is recorded
TARGET = "briefing-target"  # {kind, id, title}: the item the dialog instructs on
DIALOG = "briefing-dialog"
DIALOG_TITLE = "briefing-dialog-title"
DIALOG_SUBJECT = "briefing-dialog-subject"
TEXT = "briefing-text"
SUBMIT = "briefing-submit"
CANCEL = "briefing-cancel"
FEEDBACK = "briefing-feedback"  # inside the dialog: why it was refused
NOTICE = "briefing-notice"  # on the page: "instruction recorded"
FILTER_LEVEL = "briefing-filter-level"
FILTER_DISTRICT = "briefing-filter-district"
FILTER_AGE = "briefing-filter-age"
FILTERS = (FILTER_LEVEL, FILTER_DISTRICT, FILTER_AGE)
FILTER_LABELS = ("briefing-label-level", "briefing-label-district", "briefing-label-age")
PRINT = "briefing-print"  # a link to the PDF of what the page shows (same filters, same language)
# Cards shown per level (the newest first; the heading counts them all, a line says how many more):
# the 200 cards of a city's briefing took Dash's renderer 16-29 s on a loaded 2-core machine.
PER_LEVEL = 15
INSTRUCT = "briefing-instruct"  # type of every item's button id (no callback listens to it)
PICK = "briefing-pick"  # {kind, id, n}: the item whose button was tapped (set by assets/27_tablet.js)

def local_time(iso: str) -> str:
    """A wire time as local MM-DD HH:MM."""
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")


def filter_bar() -> html.Div:
    """Level, district and age filters and the print link; the callbacks fill in their words."""
    controls = []
    for label, dropdown in zip(FILTER_LABELS, FILTERS, strict=True):
        controls += [html.Label(id=label, htmlFor=dropdown, className="control-label"),
                     dcc.Dropdown(id=dropdown, options=[], value="", clearable=False, searchable=False,
                                  className=f"control {dropdown}")]
    return html.Div([html.Div(controls, className="controls"),
                     html.A(id=PRINT, href="/api/v1/briefing.pdf", target="_blank",
                            className="touch-button secondary print-button")],
                    className="control-bar briefing-filters")


def filter_options(districts: list[dict], lang: str) -> tuple[list[dict], list[dict], list[dict]]:
    """The three filters' choices in the language ("" is all)."""
    every = [{"label": bt("f.all", lang), "value": ""}]
    return (every + [{"label": name_of(LEVEL_NAMES, lv, lang), "value": lv} for lv in LEVEL_ORDER],
            every + [{"label": d["name_en"] if lang == "en" else d["name"], "value": d["code"]}
                     for d in districts],
            every + [{"label": bt(f"age.{a}", lang), "value": a} for a in AGES])


def briefing_page(**_query: Any) -> html.Div:
    """Page `/briefing`: empty slots the callbacks fill in the caller's language and jurisdiction."""
    return html.Div([
        dcc.Interval(id=TICK, interval=60_000),
        dcc.Store(id=REFRESH, data=0),
        dcc.Store(id=TARGET),
        dcc.Store(id=PICK),
        dcc.Store(id=ids.LIVE_SUB),  # the live status mark's subscription to the caller's unit
        filter_bar(),
        html.Div(id=NOTICE, className="briefing-notice", role="status"),
        html.Div(id=BODY, className="briefing-body"),
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle(id=DIALOG_TITLE)),
            dbc.ModalBody([
                html.Div(id=DIALOG_SUBJECT, className="briefing-subject"),
                dcc.Textarea(id=TEXT, maxLength=MAX_TEXT, className="briefing-text", value=""),
                html.Div(id=FEEDBACK, className="briefing-feedback", role="alert"),
            ]),
            dbc.ModalFooter([
                html.Button(id=CANCEL, n_clicks=0, className="touch-button secondary"),
                html.Button(id=SUBMIT, n_clicks=0, className="touch-button primary"),
            ]),
        ], id=DIALOG, is_open=False, centered=True, className="briefing-dialog"),
    ], id=ROOT, className="view briefing-view")


def _written_in(text: str) -> str:
    return "zh-CN" if re.search(r"[\u3400-\u9fff]", text) else "en"


def _instructions(notes: list[dict], lang: str) -> html.Ul | None:
    if not notes:
        return None
    return html.Ul([html.Li([html.Span(bt("instruction", lang), className="note-label"),
                             # The leader's own words, declared as such (not the page's language).
                             html.Span(n["text"], className="note-text user-text",
                                       lang=_written_in(n["text"])),
                             html.Span(bt("by", lang, author=n["author"], at=local_time(n["at"])),
                                       className="note-by"),
                             html.Span(sent_to(n, lang), className="note-to"),
                             *[html.Span(r, className=f"note-receipt {kind}", **{"data-receipt": kind})
                               for kind, r in zip(("read", "acted"), receipt_text(n, lang), strict=True)]],
                            className="note", **{"data-read": "1" if "read" in n["receipts"] else "0",
                                                 "data-acted": "1" if "acted" in n["receipts"] else "0"})
                    for n in notes], className="briefing-notes")


def _button(kind: str, ident: str, can_write: bool, lang: str) -> html.Button | None:
    if not can_write:
        return None
    # One listener in the browser (assets/27_tablet.js) turns a tap into the PICK store: a
    # pattern-matching callback over a couple of hundred buttons costs Dash's renderer tens of
    # seconds of a loaded tablet's CPU on every render of the page.
    return html.Button(bt("instruct", lang), id={"type": INSTRUCT, "kind": kind, "id": ident},
                       className="touch-button primary instruct-button",
                       **{"data-kind": kind, "data-id": ident})


def supervision_card(item: dict, now: datetime, can_write: bool, lang: str) -> html.Article:
    """One overdue supervision item: its place, its stage deadline and how late it is."""
    what = item["item_en"] if lang == "en" else item["item"]
    place = place_text(item["place"], lang)
    late = age_text(datetime.fromisoformat(item["deadline"]), now, lang)
    meta = [bt("stage", lang, stage=name_of(STAGE_NAMES, item["stage"], lang)),
            bt("deadline", lang, at=fmt_datetime(item["deadline"], lang), late=late)]
    if item["escalations"]:
        meta.append(bt("escalations", lang, n=item["escalations"]))
    return html.Article([
        _card_head(item["level"], what, place, lang),
        # The reporter's own words, shown as written (declared as such: not the page's language).
        html.Div(item["description"], className="card-desc user-text", lang="zh-CN"),
        html.Div(" · ".join(meta), className="card-meta"),
        _instructions(item["instructions"], lang),
        _button("supervision", item["id"], can_write, lang),
    ], className="briefing-card", **{"data-kind": "supervision", "data-id": item["id"],
                                    "data-incident": item["incident"]})


def _card_head(level: str, title: str, place: str, lang: str) -> html.Div:
    """A card's first line: the level it sits at, what it is, and where."""
    return html.Div([html.Span(name_of(LEVEL_NAMES, level, lang), className=f"badge-level level-{level}"),
                     html.Span(title, className="card-title"), html.Span(place, className="card-place")],
                    className="card-head")


def alert_card(alert: dict, now: datetime, can_write: bool, lang: str) -> html.Article:
    """One open critical or escalated alert."""
    place = place_text(alert["place"], lang)
    title = (alert.get("title_en") or alert["title"]) if lang == "en" else alert["title"]
    meta = [bt("raised", lang, age=age_text(datetime.fromisoformat(alert["first_at"]), now, lang)),
            name_of(SEVERITY_NAMES, alert["severity"], lang)]
    if alert["count"] > 1:
        meta.append(bt("count", lang, n=alert["count"]))
    return html.Article([
        _card_head(alert["level"], title, place, lang),
        html.Div(" · ".join(meta), className="card-meta"),
        _instructions(alert["instructions"], lang),
        _button("alert", alert["id"], can_write, lang),
    ], className=f"briefing-card alert-card sev-{alert['severity']}",
        **{"data-kind": "alert", "data-id": alert["id"]})


def kpi_row(data: dict[str, Any], lang: str) -> html.Div:
    """The briefing's four numbers."""
    items, alerts, totals = data["supervision"], data["alerts"], data.get("totals", {})
    values = {"supervision": sum(totals.values()),
              "high": totals.get("city", 0) + totals.get("district", 0),
              "alerts": len(alerts),
              "instructed": sum(1 for e in items + alerts if e["instructions"])}
    return html.Div([html.Div([html.Div(bt(f"kpi.{k}", lang), className="kpi-label"),
                               html.Div(str(v), className="kpi-value")], className="kpi",
                              **{"data-kpi": f"briefing-{k}"}) for k, v in values.items()],
                    className="kpis briefing-kpis")


def briefing_body(data: dict[str, Any], now: datetime, can_write: bool, lang: str) -> html.Div:
    """The page: numbers, then supervision by level (highest first), then alerts."""
    sections = []
    for level in LEVEL_ORDER:
        rows = [i for i in data["supervision"] if i["level"] == level][:PER_LEVEL]
        if rows:
            heading = bt("level", lang, level=name_of(LEVEL_NAMES, level, lang))
            total = max(data.get("totals", {}).get(level, len(rows)), len(rows))
            more = [html.Div(bt("more", lang, n=total - len(rows)), className="muted briefing-more")
                    ] if total > len(rows) else []
            sections.append(html.Section([
                html.H3(f"{heading} · {total}", className="briefing-level"),
                html.Div([supervision_card(i, now, can_write, lang) for i in rows],
                         className="briefing-cards"),
                *more,
            ], className="briefing-group", **{"data-level": level}))
    alerts = [alert_card(a, now, can_write, lang) for a in data["alerts"]]
    return html.Div([
        html.Div([html.H2(bt("title", lang), className="briefing-title"),
                  html.Div(bt("sub", lang), className="muted")], className="briefing-head"),
        kpi_row(data, lang),
        html.Div([
            html.Section([html.H2(bt("supervision", lang), className="panel-title"),
                          *(sections or [html.Div(bt("none", lang), className="muted")])],
                         className="panel briefing-panel", id="briefing-supervision"),
            html.Section([html.H2(bt("alerts", lang), className="panel-title"),
                          html.Div(alerts, className="briefing-cards") if alerts
                          else html.Div(bt("none", lang), className="muted")],
                         className="panel briefing-panel", id="briefing-alerts"),
        ], className="briefing-columns"),
    ])
