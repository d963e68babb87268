"""The duty desk's story drawer and roster typeahead (issue 15): both read for the calling officer only.

A click on a row's "经过" cell opens the drawer with `dashboard.queries.alert_story.story` (the list the API's
`/alerts/<id>/story` answers); selecting an alert fills the assignee typeahead with its roster
(`dashboard.queries.roster.candidates`), whose ids `alerting_actions.perform` accepts.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from callbacks import scope
from callbacks.duty import desk_principal
from dashboard.actions.alert_actions import ActionError
from dashboard.core.i18n import lang_of
from dashboard.queries import alert_story, roster
from layouts import duty as L
from layouts import duty_roster as R
from layouts import duty_story as S
from layouts import ids
from layouts.duty_words import tr


def _alert_id(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def open_story(cell: dict | None, lang: str | None) -> tuple[bool, str, Any]:
    """(open, title, body) of the drawer for the alert whose story cell was clicked."""
    lang = lang_of(lang)
    alert_id = _alert_id((cell or {}).get("rowId"))
    if not cell or cell.get("colId") != S.COLUMN or alert_id is None:
        raise PreventUpdate
    principal = desk_principal()
    if principal is None:
        return True, tr("story.title", lang, id=alert_id), L.tr("forbidden", lang)
    with scope.session() as s:
        alert = alert_story.visible_alert(s, principal, alert_id)
        if alert is None:  # foreign or gone: the API's 404, in words
            return True, tr("story.title", lang, id=alert_id), \
                ActionError(404, "action.err.not_found", "id", id=alert_id).message.text(lang)
        events = alert_story.story(s, alert)
    return True, tr("story.title", lang, id=alert_id), S.story_items(events, lang)


def roster_for(target: Any, lang: str | None) -> tuple[list[dict[str, str]], None]:
    """The selected alert's roster as typeahead options (empty without a visible alert)."""
    lang = lang_of(lang)
    principal = desk_principal("alerts.act")
    alert_id = target if isinstance(target, int) and not isinstance(target, bool) else None
    if principal is None or alert_id is None:
        return [], None
    with scope.session() as s:
        alert = alert_story.visible_alert(s, principal, alert_id)
        people = roster.candidates(s, alert) if alert is not None else []
    return R.roster_options(people, lang), None


def on_story_cell(queue_cell, board_cell, lang):
    """Dash entry point: the clicked list decides which cell counts."""
    return open_story(board_cell if ctx.triggered_id == L.BOARD else queue_cell, lang)


def register(app: Dash) -> None:
    """Attach the story drawer's and the roster's callbacks."""
    app.callback(Output(S.STORY, "is_open"), Output(S.STORY, "title"), Output(S.STORY_BODY, "children"),
                 Input(L.QUEUE, "cellClicked"), Input(L.BOARD, "cellClicked"), State(ids.LANG, "data"),
                 prevent_initial_call=True)(on_story_cell)
    app.callback(Output(L.ASSIGN, "options"), Output(L.ASSIGN, "value"),
                 Input(L.TARGET, "data"), State(ids.LANG, "data"), prevent_initial_call=True)(roster_for)
