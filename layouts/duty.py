"""The duty desk (`/duty`): the queue of open alerts, the board of acknowledged ones, the actions.

The page itself is an empty frame; `callbacks.duty.render_desk` fills it for the logged-in officer
(jurisdiction comes from the server, never from the page). Rows carry raw fields and labels so the
browser (assets/26_duty.js) can build the same rows from live `feed:alerts` events.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.core.i18n import phrasebook
from dashboard.queries.alert_order import ORDER
from layouts import ids
from layouts.components import GRID_THEME

ROOT = "duty-root"
BODY = "duty-body"
FEED = "duty-feed"  # the latest batch of alert events, written by assets/26_duty.js
LANG_ECHO = "duty-lang"  # the shell's language, echoed into the page when it changes
TICK = "duty-tick"  # browser-side clock: refreshes the age column, never calls the server
QUEUE = "duty-queue"
BOARD = "duty-board"
TARGET = "duty-target"  # the selected alert's id
SUBMISSION = "duty-submission"  # a fresh id per form submission: a double click acts once
TARGET_TEXT = "duty-target-text"
NOTE = "duty-note"
BEHALF = "duty-behalf"
CHANNEL = "duty-channel"
ASSIGN = "duty-assign"
RESULT = "duty-result"
BUTTONS = {"ack": "duty-ack", "assign": "duty-assign-btn", "escalate": "duty-escalate",
           "resolve": "duty-resolve", "note": "duty-note-btn", "snooze": "duty-snooze"}
SNOOZE_MINUTES = "duty-snooze-minutes"
SNOOZE_CHOICES = (15, 30, 60, 120, 240)
# Focus: filters by kind, level and district, and the views "all", "mine", "my desk".
FILTER_KIND = "duty-filter-kind"
FILTER_LEVEL = "duty-filter-level"
FILTER_DISTRICT = "duty-filter-district"
VIEW = "duty-view"
VIEWS = ("all", "mine", "desk")
FOCUS = "duty-focus"  # who "me" is and my desk's level, for the browser's filter
FILTERS = "duty-filters"
CHANNELS = ("screen", "phone", "radio", "in_person")
# A list column's context key (read by assets/29_duty_fit.js): shown under the title when the list is
# narrow, after its header ("header") or alone ("value": the cause and the count say what they are).
UNDER_TITLE = "underTitle"
# Each calls dutyFit; "stateUpdated" also comes once after the grid is ready, rows or none.
FIT_EVENTS = ("gridSizeChanged", "stateUpdated", "modelUpdated")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("值班台", "Duty desk"),
    "queue": ("待处置告警", "Open alerts"),
    "board": ("已确认未办结", "Acknowledged, not resolved"),
    "col.severity": ("级别", "Severity"), "col.title": ("告警", "Alert"), "col.kind": ("类型", "Cause"),
    "col.count": ("次数", "Count"), "col.level": ("督办层级", "Escalation"), "col.age": ("持续", "Age"),
    "col.assigned": ("指派给", "Assigned to"), "col.acked_by": ("确认人", "Acked by"),
    "actions": ("处置", "Actions"), "none_selected": ("请在列表中选择一条告警", "Select an alert in a list"),
    "selected": ("已选：#{id} {title}", "Selected: #{id} {title}"),
    "note": ("备注", "Note"), "behalf": ("代他人确认（姓名）", "On behalf of (name)"),
    "channel": ("方式", "Channel"),
    "ack": ("确认", "Acknowledge"), "assign": ("指派", "Assign"), "escalate": ("升级", "Escalate"),
    "resolve": ("办结", "Resolve"),
    "channel.screen": ("本人", "Myself"), "channel.phone": ("电话", "Phone"),
    "channel.radio": ("对讲机", "Radio"), "channel.in_person": ("当面", "In person"),
    # A desk below an escalated alert's level may only add a note (dashboard.actions.alert_actions).
    "btn.note": ("添加备注", "Add note"),
    "refused": ("不能执行：{reason}", "Refused: {reason}"),
    "forbidden": ("无权使用值班台", "You may not use the duty desk"),
    "empty": ("暂无符合条件的待处置告警", "No open alerts match"),
    "empty.board": ("暂无已确认未办结的告警", "No acknowledged alerts awaiting resolution"),
    "snooze": ("暂缓", "Snooze"),
    "snooze_for": ("暂缓时长（备注写明原因）", "Snooze for (give the reason as a note)"),
    "minutes": ("{n} 分钟", "{n} min"),
    "filter.kind": ("全部类型", "All causes"), "filter.level": ("全部层级", "All levels"),
    "filter.district": ("全部区县", "All districts"),
    "view.all": ("全部", "All"), "view.mine": ("指派给我", "Assigned to me"),
    "view.desk": ("本级值班台", "My desk"),
    "kind.severe_incident": ("重大事件", "Severe incident"),
    "kind.supervision_new": ("超期督办", "Overdue supervision"),
    "kind.supervision_escalated": ("督办升级", "Supervision escalated"),
    "kind.staff_silent": ("人员失联", "Staff silent"), "kind.feed_stalled": ("数据中断", "Feed stalled"),
    # How long an alert has lasted, filled in by the browser (assets/26_duty.js) as it ticks.
    "age.dh": ("{d}天{h}小时", "{d} d {h} h"), "age.hm": ("{h}小时{m}分", "{h} h {m} min"),
    "age.m": ("{m}分钟", "{m} min"), "age.s": ("{s}秒", "{s} s"),
}


tr = phrasebook(TEXT)  # a duty-desk string in the chosen language


def duty_page(**_query: Any) -> html.Div:
    """Page `/duty`: the frame the desk is rendered into."""
    return html.Div([
        dcc.Store(id=ids.LIVE_SUB), dcc.Store(id=FEED), dcc.Store(id=TARGET), dcc.Store(id=LANG_ECHO),
        dcc.Store(id=SUBMISSION, data=uuid.uuid4().hex),  # per page load, renewed after each action
        dcc.Interval(id=TICK, interval=15_000),
        html.Div(id=BODY, className="duty-body"),
    ], id=ROOT, className="duty-root")


def _age_words(lang: str) -> str:
    # Raw templates as string literals (the grid's function strings take no object literals);
    # the browser fills {d} {h} {m} {s}.
    pick = 1 if lang == "en" else 0
    return ", ".join(json.dumps(TEXT[f"age.{k}"][pick], ensure_ascii=False) for k in ("dh", "hm", "m", "s"))


def _columns(lang: str, board: bool) -> list[dict[str, Any]]:
    sev = {"field": "severity_label", "headerName": tr("col.severity", lang), "width": 96,
           "cellClass": {"function": "'duty-sev duty-sev-' + params.data.severity"}}
    since = "acked_at" if board else "first_at"
    # Hidden sort keys: the queue in the one order (dashboard.queries.alert_order, also applied by the grid
    # to rows a live event inserts), the board oldest first.
    order = ([{"field": "first_at", "hide": True, "sort": "asc", "sortIndex": 0}] if board else
             [{"colId": f"order-{field}", "field": field, "hide": True, "sort": direction, "sortIndex": n}
              for n, (field, direction) in enumerate(ORDER)])
    # The title wraps (never "…"); where the list is narrower than all its columns (a tablet),
    # assets/29_duty_fit.js hides the secondary ones and the title shows them on a line of its own.
    cols = [*order, sev, {"field": "title", "headerName": tr("col.title", lang), "flex": 3, "minWidth": 260,
                          "cellRenderer": "DutyAlert", "autoHeight": True, "cellClass": "duty-title-cell"},
            *_secondary(lang, since, board)]
    return cols


def _secondary(lang: str, since: str, board: bool) -> list[dict[str, Any]]:
    alone, headed = {UNDER_TITLE: "value"}, {UNDER_TITLE: "header"}
    cols = [{"field": "kind_label", "headerName": tr("col.kind", lang), "width": 170, "context": alone},
            {"field": "count", "headerName": tr("col.count", lang), "width": 80, "context": alone,
             "valueFormatter": {"function": "'×' + params.value"}},
            {"field": "level_label", "headerName": tr("col.level", lang), "width": 110, "context": headed},
            {"colId": "age", "headerName": tr("col.age", lang), "width": 100, "context": headed,
             "valueGetter": {"function": f"dutyAge(params.data.{since}, {_age_words(lang)})"}},
            {"field": "assigned_to", "headerName": tr("col.assigned", lang), "width": 130, "context": headed}]
    if board:
        cols.insert(len(cols) - 1, {"field": "acked_by", "headerName": tr("col.acked_by", lang),
                                    "width": 120, "context": headed})
    return cols


def alert_grid(grid_id: str, rows: list[dict[str, Any]], lang: str, board: bool) -> dag.AgGrid:
    """One of the desk's lists; rows keep their alert id so live events update them in place."""
    from layouts import duty_roster, duty_story  # built on this module's ids and words
    columns = duty_roster.mark_assignee([*_columns(lang, board), duty_story.story_column(lang)], lang)
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=columns, className="data-grid duty-grid",
        rowClassRules={"duty-row-mine": "params.data.mine"},
        dashGridOptions={"theme": GRID_THEME, "getRowId": {"function": "params.data.id + ''"},
                         "rowSelection": {"mode": "singleRow", "enableClickSelection": True,
                                          "checkboxes": False},
                         "suppressCellFocus": True, "animateRows": False,
                         # The desk's filters (assets/26_duty.js) apply to both lists.
                         "isExternalFilterPresent": {"function": "dutyFiltering()"},
                         "doesExternalFilterPass": {"function": "dutyShown(params.data)"},
                         "localeText": {"noRowsToShow": tr("empty.board" if board else "empty", lang)}},
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 60},
        eventListeners={event: ["dutyFit(params)"] for event in FIT_EVENTS},
        style={"height": "100%", "width": "100%"})


def _field(label: str, control: Any) -> html.Label:
    return html.Label([html.Span(label, className="duty-field-label"), control], className="duty-field")


def action_panel(lang: str, desk: str) -> html.Div:
    """Note, on-behalf, channel, assignee, the action buttons and the paging control."""
    from layouts import duty_roster  # built on this module's ids and words
    channels = [{"label": tr(f"channel.{c}", lang), "value": c} for c in CHANNELS]
    return html.Div([
        html.H2(tr("actions", lang), className="duty-panel-title"),
        html.Div(tr("none_selected", lang), id=TARGET_TEXT, className="duty-target"),
        _field(tr("note", lang), dcc.Textarea(id=NOTE, value="", maxLength=2000, className="duty-note")),
        html.Div([
            _field(tr("behalf", lang), dcc.Input(id=BEHALF, value="", maxLength=64, className="duty-input")),
        ], className="duty-row"),
        _field(tr("channel", lang), dcc.RadioItems(id=CHANNEL, options=channels, value="screen", inline=True,
                                                   className="duty-channel")),
        duty_roster.roster_picker(lang),  # a person or desk from the selected alert's roster
        html.Div([html.Button(tr("btn.note" if a == "note" else a, lang), id=b, n_clicks=0,
                              className=f"duty-btn duty-btn-{a}")
                  for a, b in BUTTONS.items()], className="duty-buttons"),
        snooze_field(lang),
        html.Div(id=RESULT, className="duty-result", role="status"),
        duty_roster.paging_control(lang, desk),
    ], className="duty-panel")


def snooze_field(lang: str) -> html.Label:
    """How long a snooze lasts (its reason is the note)."""
    return _field(tr("snooze_for", lang), dcc.Dropdown(
        id=SNOOZE_MINUTES, value=SNOOZE_CHOICES[1], clearable=False, searchable=False,
        options=[{"label": tr("minutes", lang, n=n), "value": n} for n in SNOOZE_CHOICES],
        className="duty-snooze-minutes"))


def filter_bar(lang: str, kinds: list[tuple[str, str]], levels: list[tuple[str, str]],
               districts: list[tuple[str, str]], focus: dict[str, Any]) -> html.Div:
    """Filters by kind, level and district and the views all / mine / my desk; (value, label) pairs."""
    def pick(id_: str, placeholder: str, pairs: list[tuple[str, str]]) -> dcc.Dropdown:
        return dcc.Dropdown(id=id_, options=[{"value": v, "label": lbl} for v, lbl in pairs],
                            placeholder=tr(placeholder, lang), clearable=True, searchable=False,
                            className="duty-filter")
    return html.Div([
        dcc.Store(id=FOCUS, data=focus),
        pick(FILTER_KIND, "filter.kind", kinds), pick(FILTER_LEVEL, "filter.level", levels),
        pick(FILTER_DISTRICT, "filter.district", districts),
        dcc.RadioItems(id=VIEW, value="all", inline=True, className="duty-view",
                       options=[{"label": tr(f"view.{v}", lang), "value": v} for v in VIEWS]),
    ], id=FILTERS, className="duty-filters")


def desk_body(heading: str, queue: list[dict], board: list[dict], desk: str,
              lang: str, filters: html.Div | None = None) -> html.Div:
    """The whole desk: heading, filters, queue, board, the action panel and the story drawer."""
    from layouts.duty_story import story_drawer  # built on this module's ids and words

    return html.Div([
        html.Div([html.H1(heading, className="duty-heading"),
                  html.Span(str(len(queue)), className="duty-count", **{"data-count": "queue"}),
                  filters], className="duty-head"),
        html.Div([
            html.Section([html.H2(tr("queue", lang), className="duty-panel-title"),
                          html.Div(alert_grid(QUEUE, queue, lang, board=False), className="duty-grid-box")],
                         className="duty-queue"),
            action_panel(lang, desk),
            html.Section([html.H2(tr("board", lang), className="duty-panel-title"),
                          html.Div(alert_grid(BOARD, board, lang, board=True), className="duty-grid-box")],
                         className="duty-board"),
        ], className="duty-layout"),
        story_drawer(lang),
    ], className="duty", **{"data-lang": lang})
