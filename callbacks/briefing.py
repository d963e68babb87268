"""The briefing page's callbacks: read the caller's briefing (filtered), open the instruction dialog,
record it.

Every read and write goes through dashboard.queries.briefing / dashboard.actions.instructions with the
principal the server knows (callbacks.scope.current_principal); the dialog's target store is only a hint
of which item was tapped, checked again against the caller's jurisdiction when the instruction is recorded.
The dialog carries a request id made when it opens, so a double tap or a retried submit records once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import scope
from dashboard.actions import outbox
from dashboard.actions.instructions import InstructionError, check_role, instruct_once
from dashboard.core.i18n import lang_of
from dashboard.core.policy import may
from dashboard.core.timeutil import utcnow
from dashboard.queries.briefing import Filters, briefing, districts, parse_filters
from layouts import briefing as lb
from layouts import ids

DIALOG_LABELS = (Output(lb.DIALOG_TITLE, "children"), Output(lb.TEXT, "placeholder"),
                 Output(lb.SUBMIT, "children"), Output(lb.CANCEL, "children"))
FILTER_OUTPUTS = (*[Output(f, "options") for f in lb.FILTERS],
                  *[Output(f, "children") for f in lb.FILTER_LABELS],
                  Output(lb.PRINT, "href"), Output(lb.PRINT, "children"))


def _labels(lang: str) -> tuple[str, str, str, str]:
    bt = lb.bt
    return bt("dialog", lang), bt("placeholder", lang, n=lb.MAX_TEXT), bt("submit", lang), bt("cancel", lang)


def render_briefing(_tick: Any, _refresh: Any, lang: str | None, level: str | None = None,
                    district: str | None = None, age: str | None = None,
                    now: datetime | None = None) -> tuple[Any, ...]:
    """The briefing of the caller's jurisdiction with the chosen filters, the dialog's labels, the
    filters' choices and words, and the print link, in the language."""
    lang = lang_of(lang)
    bt, now = lb.bt, now or utcnow()
    principal = scope.current_principal()
    filters, message = Filters(), None
    try:
        check_role(principal)
        with scope.services().Session.begin() as s:
            try:
                filters = parse_filters(s, {"level": level, "district": district, "age": age})
            except InstructionError as exc:  # a stale district choice: say so, show all
                message = f"{exc} ({exc.field})"
            data = briefing(s, principal, now, filters)
            choices = [{"code": d.code, "name": d.name, "name_en": d.name_en}
                       for d in districts(s, principal)]
    except InstructionError:
        return (html.Div(bt("forbidden", lang), className="view-message"), *_labels(lang),
                [], [], [], "", "", "", "", "")
    body = lb.briefing_body(data, now, may(principal.role, "instructions.write"), lang)
    if message:
        body = html.Div([html.Div(message, className="briefing-feedback", role="alert"), body])
    href = "/api/v1/briefing.pdf?" + urlencode({**filters.query(), "lang": lang})
    return (body, *_labels(lang), *lb.filter_options(choices, lang),
            bt("f.level", lang), bt("f.district", lang), bt("f.age", lang), href, bt("print", lang))


def live_subscription(_root: Any) -> dict | None:
    """The caller's unit room for the live status mark (the page itself refreshes every minute). No
    words and no language: the mark takes the shell's, which follow the language switch."""
    principal = scope.current_principal()
    if principal is None:
        return None
    return {"unit": principal.unit_code, "level": principal.unit_level, "live": False, "briefing": True}


def subject_of(kind: str, ident: str, lang: str) -> str:
    """What the dialog says it instructs on, read again on the server (never the browser's words)."""
    principal = scope.current_principal()
    try:
        check_role(principal, write=True)
        with scope.session() as s:
            data = briefing(s, principal, utcnow())
    except InstructionError:
        return ""
    for entry in data["supervision"] if kind == "supervision" else data["alerts"]:
        if entry["id"] == ident:
            if kind == "alert":
                return (entry.get("title_en") or entry["title"]) if lang == "en" else entry["title"]
            what = entry["item_en"] if lang == "en" else entry["item"]
            return f"{what} · {entry['description']}"
    return ""


def open_dialog(trigger: dict | None, clicked: bool, cancel: bool, lang: str | None) -> tuple:
    """A tap on an item's button opens the dialog for it, with a fresh request id; Cancel closes it."""
    lang = lang_of(lang)
    if cancel:
        return False, None, no_update, no_update, ""
    if not trigger or not clicked:
        return (no_update,) * 5
    target = {"kind": trigger.get("kind"), "id": trigger.get("id"), "request": uuid.uuid4().hex}
    subject = subject_of(target["kind"], target["id"], lang)
    if not subject:
        return (no_update,) * 5
    return True, target, subject, "", ""


def _open_dialog(pick: dict | None, _cancel: Any, lang: str | None) -> tuple:
    if ctx.triggered_id == lb.CANCEL:
        return open_dialog(None, False, True, lang)
    return open_dialog(pick if isinstance(pick, dict) else None, bool(pick), False, lang)


def submit_instruction(n_clicks: int | None, text: str | None, target: dict | None, refresh: int | None,
                       lang: str | None, now: datetime | None = None) -> tuple:
    """Record the instruction (jurisdiction checked again here), publish its event, refresh the page.

    Returns the dialog's open state, the refresh counter, the dialog's feedback and the page notice."""
    lang = lang_of(lang)
    if not n_clicks or not target:
        return no_update, no_update, no_update, no_update
    from dashboard.auth.login import client_address

    principal = scope.current_principal()
    svc = scope.services()
    try:
        check_role(principal, write=True)
        row, key = instruct_once(svc.Session, principal, target.get("kind"), target.get("id"), text,
                                 source_ip=client_address(), now=now or utcnow(),
                                 request_id=target.get("request"))
    except InstructionError as exc:
        return True, no_update, f"{exc} ({exc.field})" if exc.field else str(exc), no_update
    if key is not None:
        outbox.try_flush(svc.Session, svc.redis)
    notice = lb.bt("recorded", lang, subject=row["text"])
    return False, (refresh or 0) + 1, "", notice


def register(app: Dash) -> None:
    """Attach the briefing callbacks."""
    app.callback(Output(lb.BODY, "children"), *DIALOG_LABELS, *FILTER_OUTPUTS,
                 Input(lb.TICK, "n_intervals"), Input(lb.REFRESH, "data"), Input(ids.LANG, "data"),
                 *[Input(f, "value") for f in lb.FILTERS])(render_briefing)
    app.callback(Output(ids.LIVE_SUB, "data", allow_duplicate=True), Input(lb.ROOT, "id"),
                 prevent_initial_call="initial_duplicate")(live_subscription)
    app.callback(Output(lb.DIALOG, "is_open"), Output(lb.TARGET, "data"),
                 Output(lb.DIALOG_SUBJECT, "children"), Output(lb.TEXT, "value"),
                 Output(lb.FEEDBACK, "children"),
                 Input(lb.PICK, "data"), Input(lb.CANCEL, "n_clicks"),
                 State(ids.LANG, "data"), prevent_initial_call=True)(_open_dialog)
    app.callback(Output(lb.DIALOG, "is_open", allow_duplicate=True), Output(lb.REFRESH, "data"),
                 Output(lb.FEEDBACK, "children", allow_duplicate=True), Output(lb.NOTICE, "children"),
                 Input(lb.SUBMIT, "n_clicks"), State(lb.TEXT, "value"), State(lb.TARGET, "data"),
                 State(lb.REFRESH, "data"), State(ids.LANG, "data"), prevent_initial_call=True,
                 # The button is off while the instruction is recorded: a double tap records it once.
                 running=[(Output(lb.SUBMIT, "disabled"), True, False)])(submit_instruction)
