"""The briefing page's callbacks: read the caller's briefing, open the instruction dialog, record it.

Every read and write goes through dashboard.instructions with the principal the server knows
(callbacks.scope.current_principal); the dialog's target store is only a hint of which item was
tapped, checked again against the caller's jurisdiction when the instruction is recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update
from sqlalchemy import select

from callbacks import scope
from dashboard import outbox
from dashboard.i18n import lang_of
from dashboard.instructions import WRITE_ROLES, InstructionError, briefing, check_role, instruct
from dashboard.models import Unit
from dashboard.timeutil import utcnow
from layouts import briefing as lb
from layouts import ids

DIALOG_LABELS = (Output(lb.DIALOG_TITLE, "children"), Output(lb.TEXT, "placeholder"),
                 Output(lb.SUBMIT, "children"), Output(lb.CANCEL, "children"))


def _places(codes: set[str], lang: str) -> dict[str, str]:
    with scope.session() as s:
        rows = s.execute(select(Unit.code, Unit.name, Unit.name_en).where(Unit.code.in_(codes))).all()
    return {code: (name_en if lang == "en" else name) for code, name, name_en in rows}


def render_briefing(_tick: Any, _refresh: Any, lang: str | None,
                    now: datetime | None = None) -> tuple[Any, str, str, str, str]:
    """The briefing of the caller's jurisdiction, and the dialog's labels, in the language."""
    lang = lang_of(lang)
    bt = lb.bt
    labels = (bt("dialog", lang), bt("placeholder", lang, n=lb.MAX_TEXT), bt("submit", lang),
              bt("cancel", lang))
    principal = scope.current_principal()
    try:
        check_role(principal)
        with scope.session() as s:
            data = briefing(s, principal)
    except InstructionError:
        return html.Div(bt("forbidden", lang), className="view-message"), *labels
    places = _places({i["grid"] for i in data["supervision"]} | {a["unit"] for a in data["alerts"]}, lang)
    body = lb.briefing_body(data, places, now or utcnow(), principal.role in WRITE_ROLES, lang)
    return body, *labels


def subject_of(kind: str, ident: str, lang: str) -> str:
    """What the dialog says it instructs on, read again on the server (never the browser's words)."""
    principal = scope.current_principal()
    try:
        check_role(principal, write=True)
        with scope.session() as s:
            data = briefing(s, principal)
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
    """A tap on an item's button opens the dialog for it; Cancel closes it."""
    lang = lang_of(lang)
    if cancel:
        return False, None, no_update, no_update, ""
    if not trigger or not clicked:
        return (no_update,) * 5
    target = {"kind": trigger.get("kind"), "id": trigger.get("id")}
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
    from dashboard.auth import client_address

    principal = scope.current_principal()
    svc = scope.services()
    try:
        check_role(principal, write=True)
        with svc.Session.begin() as s:
            row, key = instruct(s, principal, target.get("kind"), target.get("id"), text,
                                source_ip=client_address(), now=now or utcnow())
            subject = row.text
    except InstructionError as exc:
        return True, no_update, f"{exc} ({exc.field})" if exc.field else str(exc), no_update
    outbox.try_flush(svc.Session, svc.redis)
    notice = lb.bt("recorded", lang, subject=subject)
    return False, (refresh or 0) + 1, "", notice


def register(app: Dash) -> None:
    """Attach the briefing callbacks."""
    app.callback(Output(lb.BODY, "children"), *DIALOG_LABELS,
                 Input(lb.TICK, "n_intervals"), Input(lb.REFRESH, "data"), Input(ids.LANG, "data"))(
        render_briefing)
    app.callback(Output(lb.DIALOG, "is_open"), Output(lb.TARGET, "data"),
                 Output(lb.DIALOG_SUBJECT, "children"), Output(lb.TEXT, "value"),
                 Output(lb.FEEDBACK, "children"),
                 Input(lb.PICK, "data"), Input(lb.CANCEL, "n_clicks"),
                 State(ids.LANG, "data"), prevent_initial_call=True)(_open_dialog)
    app.callback(Output(lb.DIALOG, "is_open", allow_duplicate=True), Output(lb.REFRESH, "data"),
                 Output(lb.FEEDBACK, "children", allow_duplicate=True), Output(lb.NOTICE, "children"),
                 Input(lb.SUBMIT, "n_clicks"), State(lb.TEXT, "value"), State(lb.TARGET, "data"),
                 State(lb.REFRESH, "data"), State(ids.LANG, "data"), prevent_initial_call=True)(
        submit_instruction)
