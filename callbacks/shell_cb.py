"""The shell: language switch (remembered in local storage), title labels, search box."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from callbacks import scope
from dashboard.i18n import ROLE_NAMES, lang_of, name_of, t, unit_name
from layouts import ids
from layouts.components import dropdown_labels, unit_path, view_href


def toggle_lang(n_clicks: int | None, lang: str | None) -> str:
    """Flip between Chinese and English on each press of the switch."""
    if not n_clicks:
        return no_update
    return "en" if lang_of(lang) == "zh" else "zh"


STATUSES = ("connected", "reconnecting", "resynced", "connecting", "refused")


def status_words(lang: str) -> dict[str, Any]:
    """The live status mark's words in the language (a view's subscription carries the same)."""
    return {"status": {k: t(f"status.{k}", lang) for k in STATUSES}, "age": t("status.age", lang),
            "lang": lang}


def shell_labels(lang: str | None) -> tuple[str, str, dict, str, dict]:
    """The title, search placeholder and words, switch label and status words in the chosen language."""
    lang = lang_of(lang)
    return (t("app.title", lang), t("search.placeholder", lang), dropdown_labels(lang),
            t("lang.switch", lang), status_words(lang))


def search_options(text: str | None, lang: str | None, current: Any = None) -> list[dict[str, str]]:
    """Units, grids and staff whose name matches, within the caller's jurisdiction."""
    from dashboard.models import Unit
    from dashboard.queries_catalog import search

    lang = lang_of(lang)
    if not text or len(text.strip()) < 1:
        return no_update if current else []
    principal = scope.current_principal()
    if principal is None:
        return []
    with scope.session() as s:
        within = s.get(Unit, principal.unit_code)
        found = search(s, text, within=within, limit=15)
    options = []
    for u in found["units"]:
        trail = " › ".join(unit_name(p, lang) for p in u["path"][1:])
        label = f"{unit_name(u, lang)}  ·  {trail}" if trail else unit_name(u, lang)
        options.append({"label": label, "value": unit_path(u["code"]), "search": text})
    for person in found["staff"]:
        where = person.get("grid") or person.get("unit")
        options.append({"label": f"{person['name']}  ·  {t('search.staff', lang)} · "
                                 f"{name_of(ROLE_NAMES, person['role'], lang)}",
                        "value": f"{unit_path(where)}?{urlencode({'staff': person['id']})}", "search": text})
    return options


def go_to_search(value: str | None, view: dict | None) -> str:
    """Navigate to the picked unit, or to a staff member's grid with them ringed on the map
    (`?staff=<id>`), keeping the period and line."""
    if not value:
        return no_update
    path, _, picked = value.partition("?")
    href = view_href(path, (view or {}).get("query", {}))
    staff = parse_qs(picked).get("staff")
    if staff:
        href += ("&" if "?" in href else "?") + urlencode({"staff": staff[0]})
    return href


def register(app: Dash) -> None:
    """Attach the shell callbacks."""
    app.callback(Output(ids.LANG, "data"), Input(ids.LANG_SWITCH, "n_clicks"), State(ids.LANG, "data"),
                 prevent_initial_call=True)(toggle_lang)
    app.callback(Output(ids.TITLE, "children"), Output(ids.SEARCH, "placeholder"),
                 Output(ids.SEARCH, "labels"), Output(ids.LANG_SWITCH, "children"),
                 Output(ids.STATUS_WORDS, "data"), Input(ids.LANG, "data"))(shell_labels)
    app.callback(Output(ids.SEARCH, "options"), Input(ids.SEARCH, "search_value"),
                 State(ids.LANG, "data"), State(ids.SEARCH, "value"),
                 prevent_initial_call=True)(search_options)
    app.callback(Output(ids.PAGES_LOCATION, "href", allow_duplicate=True), Input(ids.SEARCH, "value"),
                 State(ids.VIEW, "data", allow_optional=True), prevent_initial_call=True)(go_to_search)
    # A new language re-renders the view on screen: the browser re-stamps the page's VIEW store.
    app.clientside_callback(ClientsideFunction("gridLive", "relabel"), Output(ids.LANG_SWITCH, "title"),
                            Input(ids.LANG, "data"), State(ids.VIEW, "data", allow_optional=True))
    app.clientside_callback(ClientsideFunction("gridLive", "statusText"), Output(ids.STATUS, "children"),
                            Output(ids.STATUS, "className"), Input(ids.LIVE_STATE, "data"),
                            Input(ids.STATUS_TICK, "n_intervals"),
                            State(ids.LIVE_SUB, "data", allow_optional=True), State(ids.STATUS_WORDS, "data"))
