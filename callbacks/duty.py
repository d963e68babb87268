"""The duty desk's callbacks: render the officer's queue and board, pick an alert, act on it.

Every callback asks the server who is calling (`callbacks.scope.current_principal`) and reads or
changes only alerts inside that principal's jurisdiction (`dashboard.actions.alerting.alerts_in`). Actions
go through `dashboard.actions.alert_service.act`, the API's own: one AlertAck row, one audit entry and one
outbox row in the same transaction, once per submission, sent to `feed:alerts` right after the
commit, from where every other officer's desk and the wall banners hear it.
"""

from __future__ import annotations

import uuid
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import select

from callbacks import scope
from callbacks.shell_cb import status_words
from dashboard.actions import alert_service
from dashboard.actions.alert_actions import ActionError
from dashboard.actions.alerting import alerts_in, payload, wire_time
from dashboard.api import now
from dashboard.auth.login import client_address
from dashboard.core.alert_titles import prime as prime_titles
from dashboard.core.i18n import LEVEL_NAMES, SEVERITY_NAMES, lang_of, name_of, unit_name
from dashboard.core.models import ALERT_KINDS, AlertAck, Unit, User
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.units import LADDER
from dashboard.queries import roster
from dashboard.queries.alert_order import level_rank, sql_order
from layouts import duty as L
from layouts import ids

MAX_ROWS = 500


def desk_principal(capability: str = "desk") -> Principal | None:
    """The caller if their role holds this capability (dashboard.core.policy: the desk itself, or acting
    on its alerts), else None."""
    principal = scope.current_principal()
    return principal if principal is not None and may(principal.role, capability) else None


def names(lang: str) -> dict[str, Any]:
    """The label tables the browser needs to turn a live event into a row."""
    return {"severities": {str(k): name_of(SEVERITY_NAMES, k, lang) for k in SEVERITY_NAMES},
            "levels": {lv: name_of(LEVEL_NAMES, lv, lang) for lv in LEVEL_NAMES},
            "ranks": {lv: level_rank(lv) for lv in LEVEL_NAMES},
            "kinds": {k: L.tr(f"kind.{k}", lang) for k in ALERT_KINDS}, **status_words(lang)}


def alert_row(data: dict[str, Any], lang: str, table: dict[str, Any],
              ack: dict[str, Any] | None = None) -> dict[str, Any]:
    """One list row from an alert payload (the same fields 26_duty.js builds from an event)."""
    title = (data.get("title_en") or data["title"]) if lang == "en" else data["title"]
    return {"id": data["id"], "severity": data["severity"],
            "severity_label": table["severities"].get(str(data["severity"]), str(data["severity"])),
            "title": title, "kind": data["kind"],
            "kind_label": table["kinds"].get(data["kind"], data["kind"]),
            "group_key": data["group_key"], "count": data["count"], "state": data["state"],
            "level": data["level"], "level_label": table["levels"].get(data["level"], data["level"]),
            "level_rank": level_rank(data["level"]),
            "district": data["units"][1] if len(data.get("units") or ()) > 1 else None,
            "first_at": data["first_at"], "last_at": data["last_at"],
            "assigned_to": data.get("assigned_to") or "",
            "acked_by": (ack or {}).get("on_behalf_of") or (ack or {}).get("user") or "",
            "acked_at": (ack or {}).get("at") or data["last_at"]}


def desk_rows(principal: Principal, lang: str) -> tuple[list[dict], list[dict]]:
    """(queue of open alerts, board of acknowledged ones) in the principal's jurisdiction."""
    table = names(lang)
    with scope.session() as s:
        alerts = s.execute(alerts_in(principal).order_by(*sql_order()).limit(MAX_ROWS)).scalars().all()
        acked_ids = [a.id for a in alerts if a.state == "acked"]
        acks: dict[int, dict] = {}
        if acked_ids:
            for ack in s.execute(select(AlertAck).where(AlertAck.alert_id.in_(acked_ids),
                                                        AlertAck.action == "ack")
                                 .order_by(AlertAck.id)).scalars():
                acks[ack.alert_id] = {"user": ack.user, "on_behalf_of": ack.on_behalf_of,
                                      "at": wire_time(ack.at)}
        prime_titles(s, alerts)
        queue = [alert_row(payload(a), lang, table) for a in alerts if a.state == "open"]
        board = [alert_row(payload(a), lang, table, acks.get(a.id)) for a in alerts if a.state == "acked"]
        roster.name_rows(s, queue + board, principal.name)  # "指派给我" on the officer's own
    return queue, board


def render_desk(lang: str | None) -> tuple[Any, Any]:
    """The desk for the logged-in officer and the live subscription to their own unit's room."""
    lang = lang_of(lang)
    principal = desk_principal()
    if principal is None:
        return html.Div(L.tr("forbidden", lang), className="view-message"), None
    queue, board = desk_rows(principal, lang)
    with scope.session() as s:
        unit = s.get(Unit, principal.unit_code)
        place = unit_name({"name": unit.name, "name_en": unit.name_en}, lang) if unit else principal.unit_code
        filters = focus_bar(s, principal, lang)
    heading = f"{L.tr('title', lang)} · {place}"
    sub = {"unit": principal.unit_code, "level": principal.unit_level, "lang": lang, "live": True,
           "desk": True, "names": names(lang), "me": principal.name}
    return L.desk_body(heading, queue, board, principal.unit_code, lang, filters), sub


def focus_bar(s, principal: Principal, lang: str):
    """The desk's filters: the causes, the desk levels, the districts in jurisdiction, and who "me" is."""
    kinds = [(k, L.tr(f"kind.{k}", lang)) for k in ALERT_KINDS]
    levels = [(lv, name_of(LEVEL_NAMES, lv, lang)) for lv in reversed(LADDER[1:])]
    query = select(Unit).where(Unit.level == "district").order_by(Unit.sort_key, Unit.code)
    if principal.unit_level != "city":
        unit = s.get(Unit, principal.unit_code)
        query = query.where(Unit.code == (unit.district_code if unit else None))
    districts = [(u.code, unit_name({"name": u.name, "name_en": u.name_en}, lang))
                 for u in s.execute(query).scalars()]
    shown = s.execute(select(User.display_name).where(User.username == principal.name)).scalar()
    me = [n for n in (principal.name, shown) if n]
    return L.filter_bar(lang, kinds, levels, districts, {"me": me, "level": principal.unit_level})


def pick_target(queue_selected: list | None, board_selected: list | None, lang: str | None,
                trigger: str | None = None) -> tuple[Any, str]:
    """The alert the actions apply to: the row last selected in either list."""
    lang = lang_of(lang)
    chosen = board_selected if trigger == L.BOARD else queue_selected
    if not chosen:
        chosen = queue_selected or board_selected
    if not chosen:
        return None, L.tr("none_selected", lang)
    row = chosen[0]
    return row["id"], L.tr("selected", lang, id=row["id"], title=row.get("title", ""))


def act(action: str, target: Any, note: str | None, behalf: str | None, channel: str | None,
        assign_to: str | None, lang: str | None, submission: str | None = None,
        minutes: int | None = None) -> tuple[str, Any, Any]:
    """Apply a duty action to the selected alert for the caller; (message, queue rows, board rows).
    The message is what the action answers (an escalation names the desk it went to). The second
    click of a double click acts nothing and answers "already done" with fresh rows; a repeated
    acknowledgement says who acknowledged it and when, and writes nothing."""
    lang = lang_of(lang)
    principal = desk_principal("alerts.act")
    if principal is None:
        return L.tr("forbidden", lang), no_update, no_update
    if not isinstance(target, int) or isinstance(target, bool):
        return L.tr("none_selected", lang), no_update, no_update
    # "Myself" at the screen is no channel: acting on behalf of someone then needs a real one.
    body = {"note": note or "", "on_behalf_of": (behalf or "").strip() or None,
            "channel": None if channel in (None, "", "screen") else channel, "to": (assign_to or "").strip(),
            "request_id": submission}
    if action == "snooze" and minutes is not None:
        body["expires_minutes"] = minutes
    try:
        # The same injectable clock as the API's actions (tests and replays set it).
        done = alert_service.act(scope.services(), principal, target, action, body, client_address(), now())
    except ActionError as exc:
        return L.tr("refused", lang, reason=exc.message.text(lang)), no_update, no_update
    if done.repeat and not done.resent:  # done before by someone: nothing changed here to show
        return done.message.text(lang), no_update, no_update
    queue, board = desk_rows(principal, lang)
    return done.message.text(lang), queue, board


def on_action(*args):
    """Dash entry point: which button was pressed decides the action (the buttons' clicks come
    first, in L.BUTTONS order, then the form's state)."""
    pressed = {v: k for k, v in L.BUTTONS.items()}.get(ctx.triggered_id)
    clicks = dict(zip(L.BUTTONS, args[:len(L.BUTTONS)], strict=True))
    # A freshly drawn desk reports every button at 0 clicks: that is no press.
    if pressed is None or not clicks.get(pressed):
        return (no_update,) * 6
    target, note, behalf, channel, assign_to, lang, submission, minutes = args[len(L.BUTTONS):]
    message, queue, board = act(pressed, target, note, behalf, channel, assign_to, lang, submission,
                                minutes)
    done = queue is not no_update  # a done action clears the form; a refused one keeps it to fix
    cleared = "" if done else no_update
    return message, queue, board, cleared, cleared, uuid.uuid4().hex if done else no_update


def on_render(_root: str, echo: str | None, lang: str | None):
    """Dash entry point for render_desk: the echoed language if it changed, else the stored one."""
    if _root is None:  # another page: the desk is not on screen
        raise PreventUpdate
    return render_desk(echo or lang)


def on_select(queue_selected, board_selected, lang):
    """Dash entry point for pick_target."""
    return pick_target(queue_selected, board_selected, lang, ctx.triggered_id)


def register(app: Dash) -> None:
    """Attach the duty desk's callbacks."""
    # Only page-local inputs (a shell input would fire on every other page too); a language switch
    # reaches the desk through LANG_ECHO, which the clientside `relang` sets while the desk is shown.
    app.callback(Output(L.BODY, "children"), Output(ids.LIVE_SUB, "data", allow_duplicate=True),
                 Input(L.ROOT, "id", allow_optional=True), Input(L.LANG_ECHO, "data", allow_optional=True),
                 State(ids.LANG, "data"),
                 prevent_initial_call="initial_duplicate")(on_render)
    app.clientside_callback(ClientsideFunction("dutyDesk", "relang"), Output(ids.LANG_SWITCH, "lang"),
                            Input(ids.LANG, "data"))
    app.callback(Output(L.TARGET, "data"), Output(L.TARGET_TEXT, "children"),
                 Input(L.QUEUE, "selectedRows"), Input(L.BOARD, "selectedRows"), State(ids.LANG, "data"),
                 prevent_initial_call=True)(on_select)
    app.callback(Output(L.RESULT, "children"), Output(L.QUEUE, "rowData"), Output(L.BOARD, "rowData"),
                 Output(L.NOTE, "value"), Output(L.BEHALF, "value"), Output(L.SUBMISSION, "data"),
                 *[Input(b, "n_clicks") for b in L.BUTTONS.values()], State(L.TARGET, "data"),
                 State(L.NOTE, "value"), State(L.BEHALF, "value"), State(L.CHANNEL, "value"),
                 State(L.ASSIGN, "value"), State(ids.LANG, "data"), State(L.SUBMISSION, "data"),
                 State(L.SNOOZE_MINUTES, "value"), prevent_initial_call=True,
                 # The buttons are off while an action runs: a double click records it once.
                 running=[(Output(b, "disabled"), True, False) for b in L.BUTTONS.values()])(on_action)
    app.clientside_callback(ClientsideFunction("dutyDesk", "applyFeed"),
                            Output(L.QUEUE, "rowTransaction"), Output(L.BOARD, "rowTransaction"),
                            Input(L.FEED, "data"), State(ids.LIVE_SUB, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("dutyDesk", "focus"), Output(L.FILTERS, "className"),
                            Input(L.FILTER_KIND, "value"), Input(L.FILTER_LEVEL, "value"),
                            Input(L.FILTER_DISTRICT, "value"), Input(L.VIEW, "value"),
                            State(L.FOCUS, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("dutyDesk", "tick"), Output(L.TICK, "disabled"),
                            Input(L.TICK, "n_intervals"), prevent_initial_call=True)
    from callbacks import duty_story  # the story drawer and the roster (issue 15)

    duty_story.register(app)
