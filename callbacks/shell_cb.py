"""The shell: language switch (remembered in local storage), title labels, search box."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, no_update

from callbacks import scope
from dashboard.core.i18n import LANGS, ROLE_NAMES, lang_of, name_of, t, unit_name
from layouts import ids
from layouts.components import unit_path, view_href
from layouts.shell import search_list

CLEAR_SEARCH = """function (pathname, search) {
    var field = document.activeElement;
    if (field && field.closest && field.closest(".search")) { field.blur(); }
    return "";
}"""


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


def shell_labels(lang: str | None) -> tuple[str, str, str, dict]:
    """The title, search placeholder, switch label and status words in the chosen language."""
    lang = lang_of(lang)
    return t("app.title", lang), t("search.placeholder", lang), t("lang.switch", lang), status_words(lang)


def _trail(units: list[dict[str, Any]], lang: str) -> str:
    return " › ".join(unit_name(u, lang) for u in units)


def search_hits(text: str | None, lang: str | None, view: dict | None = None) -> list[dict[str, str]]:
    """Units, grids and staff whose name matches, within the caller's jurisdiction, each once:
    its name, where it is (a person's district › town › village › grid) and the link that opens
    it, keeping the period and line on screen (a person opens their grid, ringed: `?staff=<id>`)."""
    from dashboard.core.models import Unit
    from dashboard.queries.catalog import search

    lang = lang_of(lang)
    principal = scope.current_principal()
    if not text or not text.strip() or principal is None:
        return []
    query = (view or {}).get("query", {})
    with scope.session() as s:
        found = search(s, text, within=s.get(Unit, principal.unit_code), limit=15)
    hits: dict[str, dict[str, str]] = {}
    root = scope.services().root()
    for u in found["units"]:
        hits.setdefault(f"unit:{u['code']}", {
            "kind": "unit", "name": unit_name(u, lang), "place": _trail(u["path"][1:], lang),
            "href": view_href(unit_path(u["code"], root), query)})
    for person in found["staff"]:
        href = view_href(unit_path(person.get("grid") or person.get("unit"), root), query)
        href += ("&" if "?" in href else "?") + urlencode({"staff": person["id"]})
        role = f"{t('search.staff', lang)} · {name_of(ROLE_NAMES, person['role'], lang)}"
        hits.setdefault(f"staff:{person['id']}", {
            "kind": "staff", "name": person["name"], "href": href,
            "place": f"{role} · {_trail(person['place'][1:], lang)}"})
    return list(hits.values())


def search_results(text: str | None, lang: str | None, view: dict | None = None) -> list[Any]:
    """The list under the search field: one link per match, or a line saying nothing matched."""
    return search_list(search_hits(text, lang, view), bool(text and text.strip()), lang_of(lang))


def go_to_first(n_submit: int | None, text: str | None, lang: str | None, view: dict | None = None) -> str:
    """Enter in the search field opens the first match."""
    hits = search_hits(text, lang, view) if n_submit else []
    return hits[0]["href"] if hits else no_update


# ?lang= in a page's URL chooses its language and becomes the remembered one (as the switch does).
LANG_FROM_URL = ("function (search) {\n"
                 "    var lang = new URLSearchParams(search || '').get('lang');\n"
                 f"    return {json.dumps(list(LANGS))}.indexOf(lang) >= 0 ? lang\n"
                 "        : window.dash_clientside.no_update;\n"
                 "}")


def register(app: Dash) -> None:
    """Attach the shell callbacks."""
    app.clientside_callback(LANG_FROM_URL, Output(ids.LANG, "data", allow_duplicate=True),
                            Input(ids.PAGES_LOCATION, "search"), prevent_initial_call="initial_duplicate")
    app.callback(Output(ids.LANG, "data"), Input(ids.LANG_SWITCH, "n_clicks"), State(ids.LANG, "data"),
                 prevent_initial_call=True)(toggle_lang)
    app.callback(Output(ids.TITLE, "children"), Output(ids.SEARCH, "placeholder"),
                 Output(ids.LANG_SWITCH, "children"), Output(ids.STATUS_WORDS, "data"),
                 Input(ids.LANG, "data"))(shell_labels)
    view = State(ids.VIEW, "data", allow_optional=True)
    app.callback(Output(ids.SEARCH_RESULTS, "children"), Input(ids.SEARCH, "value"), State(ids.LANG, "data"),
                 view, prevent_initial_call=True)(search_results)
    app.callback(Output(ids.PAGES_LOCATION, "href", allow_duplicate=True), Input(ids.SEARCH, "n_submit"),
                 State(ids.SEARCH, "value"), State(ids.LANG, "data"), view,
                 prevent_initial_call=True)(go_to_first)
    # Once a match is opened (or any navigation), the field empties and lets go of the focus.
    app.clientside_callback(CLEAR_SEARCH, Output(ids.SEARCH, "value", allow_duplicate=True),
                            Input(ids.PAGES_LOCATION, "pathname"), Input(ids.PAGES_LOCATION, "search"),
                            prevent_initial_call=True)
    # A new language re-renders the view on screen: the browser re-stamps the page's VIEW store.
    app.clientside_callback(ClientsideFunction("gridLive", "relabel"), Output(ids.LANG_SWITCH, "title"),
                            Input(ids.LANG, "data"), State(ids.VIEW, "data", allow_optional=True))
    app.clientside_callback(ClientsideFunction("gridLive", "statusText"), Output(ids.STATUS, "children"),
                            Output(ids.STATUS, "className"), Input(ids.LIVE_STATE, "data"),
                            Input(ids.STATUS_TICK, "n_intervals"),
                            State(ids.LIVE_SUB, "data", allow_optional=True), State(ids.STATUS_WORDS, "data"))
