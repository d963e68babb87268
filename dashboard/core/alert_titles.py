"""Alert titles: the supervise worker stores the parts, every screen renders the sentence in its language.

The parts live in ``Alert.detail["title_parts"]``: the message key (dashboard.core.i18n_messages) and its
parameters as codes and counts: ``place`` (a unit code), ``item`` (a business item code), ``level``
(a center level), ``feed`` (a stream name), ``minutes``/``silent``/``judged`` (counts). Names are
looked up when the title is shown, so the sentence is in the screen's language and its unit names are
the data's own. Rows written before parts existed are read from their columns where those tell the
whole story, else from the sentences stored with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from dashboard.core.i18n import LEVEL_NAMES, TABLE, fmt_int, name_of, t, unit_name
from dashboard.core.models import Alert, BusinessItem, Unit

PARTS = "title_parts"
MASS_SILENCE = "silence"  # the cause of a systemic silence alert, beside the streams' names
_CACHE = "alert_title_names"  # per-session cache of looked-up names, in Session.info
_REFS = {"place": ("unit", Unit), "item": ("item", BusinessItem)}


def parts(key: str, **params: Any) -> dict[str, Any]:
    """The parts of a title, as a worker stores them."""
    return {"key": key, **params}


def derived_parts(alert: Alert) -> dict[str, Any] | None:
    """Parts of a row stored without them, from its columns and group key (None: not derivable)."""
    stored = (alert.detail or {}).get(PARTS)
    if stored:
        return stored
    key = (alert.group_key or "").split(":")  # as feeds.supervision_alerts writes them
    ours = len(key) > 1 and key[1] == alert.grid_code
    if alert.kind == "supervision_new" and ours and len(key) == 2:
        return parts("alert.supervision_new", place=alert.grid_code)
    if alert.kind == "supervision_escalated" and ours and len(key) == 3:
        return parts("alert.supervision_escalated", place=alert.grid_code, level=key[2])
    if alert.kind == "severe_incident" and len(key) == 3:
        return parts(f"alert.severe_incident.{4 if alert.severity >= 4 else 3}", place=key[1], item=key[2])
    if alert.kind == "feed_stalled" and len(key) >= 2 and key[1] != MASS_SILENCE:
        return parts("alert.feed_stalled", feed=":".join(key[1:]))
    return None  # a silence alert's minutes and counts are only in its stored sentence


def _cache(session: Session) -> dict[tuple[str, str], dict[str, Any] | None]:
    return session.info.setdefault(_CACHE, {})


def prime(session: Session, alerts: Iterable[Alert]) -> None:
    """Look up the names a list of alerts needs in two queries (payload() then finds them cached)."""
    cache, wanted = _cache(session), {"unit": set(), "item": set()}
    for alert in alerts:
        for name, value in (derived_parts(alert) or {}).items():
            if name in _REFS and (_REFS[name][0], value) not in cache:
                wanted[_REFS[name][0]].add(value)
    for kind, model in (("unit", Unit), ("item", BusinessItem)):
        codes = sorted(wanted[kind])
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            rows = session.execute(select(model.code, model.name, model.name_en).where(model.code.in_(chunk)))
            found = {code: {"code": code, "name": name, "name_en": name_en} for code, name, name_en in rows}
            cache.update({(kind, code): found.get(code) for code in chunk})


def _ref(session: Session, kind: str, code: str) -> dict[str, Any]:
    cache = _cache(session)
    if (kind, code) not in cache:
        row = session.get(Unit if kind == "unit" else BusinessItem, code)
        cache[(kind, code)] = {"code": code, "name": row.name, "name_en": row.name_en} if row else None
    return cache[(kind, code)] or {"code": code}


def render(title_parts: dict[str, Any], lang: str, names: dict[tuple[str, str], dict[str, Any]]) -> str:
    """The sentence of stored parts in the language; `names` maps (unit|item, code) to a name ref."""
    params: dict[str, Any] = {}
    for name, value in title_parts.items():
        if name in _REFS:
            params[name] = unit_name(names.get((_REFS[name][0], value)) or {"code": value}, lang)
        elif name == "level":
            params[name] = name_of(LEVEL_NAMES, value, lang)
        elif name == "feed":
            params[name] = t(f"feed.{value}", lang) if f"feed.{value}" in TABLE else value
        elif isinstance(value, int) and not isinstance(value, bool):
            params[name] = fmt_int(value, lang)
        elif name != "key":
            params[name] = value
    return t(title_parts["key"], lang, **params)


def _stored(alert: Alert) -> tuple[str, str]:
    return alert.title, (alert.detail or {}).get("title_en") or alert.title


def titles(alert: Alert, session: Session | None = None) -> tuple[str, str]:
    """The alert's title in Chinese and in English, from its parts (or, for old rows, as stored)."""
    session = session or object_session(alert)
    found = derived_parts(alert)
    if found is None or session is None or found.get("key") not in TABLE:
        return _stored(alert)
    names = {(_REFS[k][0], v): _ref(session, _REFS[k][0], v) for k, v in found.items() if k in _REFS}
    derived = not (alert.detail or {}).get(PARTS)
    if derived and any(ref.get("name") is None for ref in names.values()):
        return _stored(alert)  # a group key that names no real place or item
    return render(found, "zh", names), render(found, "en", names)
