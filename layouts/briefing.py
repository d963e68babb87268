"""The leaders' briefing page (/briefing): overdue and escalated items, each with one tap to instruct."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import LEVEL_NAMES, SEVERITY_NAMES, STAGE_NAMES, name_of
from dashboard.instructions import LEVEL_ORDER, MAX_TEXT
from dashboard.timeutil import LOCAL_TZ

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
# Cards shown per level (the oldest first; the heading counts them all, a line says how many more):
# the 200 cards of a city's briefing took Dash's renderer 16-29 s on a loaded 2-core machine.
PER_LEVEL = 15
INSTRUCT = "briefing-instruct"  # type of every item's button id (no callback listens to it)
PICK = "briefing-pick"  # {kind, id, n}: the item whose button was tapped (set by assets/27_tablet.js)

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("领导批阅", "Leaders' briefing"),
    "sub": ("辖区内超期督办与升级告警，点选即可批示",
            "Overdue and escalated in your jurisdiction: tap to instruct"),
    "supervision": ("超期督办", "Overdue supervision"),
    "alerts": ("紧急与升级告警", "Critical and escalated alerts"),
    "level": ("{level}级督办", "{level}-level supervision"),
    "none": ("暂无", "None"),
    "more": ("另有{n}项未列出（最久的在前）", "{n} more not listed (oldest shown first)"),
    "instruct": ("批示", "Instruct"),
    "dialog": ("批示", "Instruction"),
    "placeholder": ("批示内容（{n}字以内）", "Instruction text (up to {n} characters)"),
    "submit": ("提交批示", "Record instruction"),
    "cancel": ("取消", "Cancel"),
    "recorded": ("批示已记录并推送值班人员：{subject}",
                 "Instruction recorded and sent to duty officers: {subject}"),
    "opened": ("超期 {age}", "overdue {age}"),
    "raised": ("发生于 {age}前", "raised {age} ago"),
    "stage": ("{stage}环节", "{stage} stage"),
    "escalations": ("已升级{n}次", "escalated {n}×"),
    "count": ("{n}次", "{n} times"),
    "by": ("{author} 批示于 {at}", "{author}, {at}"),
    "forbidden": ("领导批阅仅限领导、值班人员和管理员",
                  "The briefing is for leaders, duty officers and administrators"),
    "kpi.supervision": ("超期督办", "Overdue items"),
    "kpi.high": ("区级以上", "District or city level"),
    "kpi.alerts": ("紧急告警", "Critical alerts"),
    "kpi.instructed": ("已批示", "Instructed"),
}


def bt(key: str, lang: str, **params: Any) -> str:
    """A briefing string in the language, with {params} filled in."""
    zh, en = STRINGS[key]
    return (en if lang == "en" else zh).format(**params)


def age_text(since: datetime, now: datetime, lang: str) -> str:
    """How long ago, in days, hours or minutes (3天4小时 / 3 d 4 h)."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", "" if days else f"{mins} min"]
    else:
        parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", "" if days else f"{mins}分钟"]
    return (" " if lang == "en" else "").join(p for p in parts if p) or ("0 min" if lang == "en" else "0分钟")


def local_time(iso: str) -> str:
    """A wire time as local MM-DD HH:MM."""
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")


def briefing_page(**_query: Any) -> html.Div:
    """Page `/briefing`: empty slots the callbacks fill in the caller's language and jurisdiction."""
    return html.Div([
        dcc.Interval(id=TICK, interval=60_000),
        dcc.Store(id=REFRESH, data=0),
        dcc.Store(id=TARGET),
        dcc.Store(id=PICK),
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


def _instructions(notes: list[dict], lang: str) -> html.Ul | None:
    if not notes:
        return None
    return html.Ul([html.Li([html.Span(n["text"], className="note-text"),
                             html.Span(bt("by", lang, author=n["author"], at=local_time(n["at"])),
                                       className="note-by")], className="note")
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


def supervision_card(item: dict, place: str, now: datetime, can_write: bool, lang: str) -> html.Article:
    """One overdue supervision item."""
    what = item["item_en"] if lang == "en" else item["item"]
    meta = [bt("opened", lang, age=age_text(datetime.fromisoformat(item["opened_at"]), now, lang)),
            bt("stage", lang, stage=name_of(STAGE_NAMES, item["stage"], lang))]
    if item["escalations"]:
        meta.append(bt("escalations", lang, n=item["escalations"]))
    return html.Article([
        html.Div([html.Span(name_of(LEVEL_NAMES, item["level"], lang),
                            className=f"badge-level level-{item['level']}"),
                  html.Span(what, className="card-title"), html.Span(place, className="card-place")],
                 className="card-head"),
        # The reporter's own words, shown as written (declared as such: not the page's language).
        html.Div(item["description"], className="card-desc user-text", lang="zh-CN"),
        html.Div(" · ".join(meta), className="card-meta"),
        _instructions(item["instructions"], lang),
        _button("supervision", item["id"], can_write, lang),
    ], className="briefing-card", **{"data-kind": "supervision", "data-id": item["id"],
                                    "data-incident": item["incident"]})


def alert_card(alert: dict, place: str, now: datetime, can_write: bool, lang: str) -> html.Article:
    """One open critical or escalated alert."""
    title = (alert.get("title_en") or alert["title"]) if lang == "en" else alert["title"]
    meta = [bt("raised", lang, age=age_text(datetime.fromisoformat(alert["first_at"]), now, lang)),
            name_of(SEVERITY_NAMES, alert["severity"], lang)]
    if alert["count"] > 1:
        meta.append(bt("count", lang, n=alert["count"]))
    return html.Article([
        html.Div([html.Span(name_of(LEVEL_NAMES, alert["level"], lang),
                            className=f"badge-level level-{alert['level']}"),
                  html.Span(title, className="card-title"), html.Span(place, className="card-place")],
                 className="card-head"),
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


def briefing_body(data: dict[str, Any], places: dict[str, str], now: datetime, can_write: bool,
                  lang: str) -> html.Div:
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
                html.Div([supervision_card(i, places.get(i["grid"], i["grid"]), now, can_write, lang)
                          for i in rows], className="briefing-cards"),
                *more,
            ], className="briefing-group", **{"data-level": level}))
    alerts = [alert_card(a, places.get(a["unit"], a["unit"]), now, can_write, lang) for a in data["alerts"]]
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
