"""The unit tree: its levels, where each level's code is kept on a row, ancestor chains, subtree
tests, and the root, which comes from the data (the one unit without a parent), never from code.

Rows below a unit (units themselves, staff, incidents, supervision items, alerts, instructions,
certificates) carry their ancestors' codes in denormalised columns (``district_code`` ..
``grid_code``), so "lies under unit X" is one equality test on the column of X's level. Codes are
hierarchical as well (``licheng`` → ``licheng-zhenhai`` → …-g01), which is what the browser and
the stream routing use: a code lies under another when it equals it or starts with it and "-".
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import ColumnElement, Engine, select, true
from sqlalchemy.orm import Session

from dashboard.core.models import LEVELS, Unit

ROOT_LEVEL = LEVELS[0]  # the city
LEVEL_COLUMN = {level: f"{level}_code" for level in LEVELS[1:]}  # level -> ancestor column
CHILD_LEVEL = dict(zip(LEVELS, LEVELS[1:], strict=False))  # city -> district, ... village -> grid
PARENT_LEVEL = {child: parent for parent, child in CHILD_LEVEL.items()}  # grid -> village, ...
CENTER_ORDER = LEVELS[:-1]  # the levels with a command center, highest first
LADDER = LEVELS[::-1]  # the escalation ladder, lowest first: grid, village, town, district, city

_roots: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


class NoRootError(LookupError):
    """The database holds no unit tree yet (or more than one root)."""


def root_code(session: Session) -> str:
    """The code of the tree's root: the one unit without a parent (read once per database)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    root = _roots.get(engine)
    if root is None:
        codes = session.execute(select(Unit.code).where(Unit.parent_code.is_(None)).limit(2)).scalars().all()
        if len(codes) != 1:
            raise NoRootError("the units table has no single root unit: seed a city first "
                              "(python -m dashboard seed)")
        root = _roots[engine] = codes[0]
    return root


def chain(root: str, *codes: str | None) -> list[str]:
    """Codes from the root down: the root, then each known code once (the routing list of an event)."""
    out = [root]
    for code in codes:
        if code and code not in out:
            out.append(code)
    return out


def row_chain(row: Any, root: str) -> list[str]:
    """The chain of a row with ancestor columns, from the root down to its grid (or as far as known)."""
    return chain(root, *(getattr(row, column, None) for column in LEVEL_COLUMN.values()))


def code_at(row: Any, level: str, root: str) -> str:
    """The code of the unit at a level above (or at) the row's grid; the root for the city level."""
    if level == ROOT_LEVEL:
        return root
    return getattr(row, LEVEL_COLUMN[level]) or root


def under(model: Any, level: str, code: str) -> ColumnElement[bool]:
    """SQL condition: the row of ``model`` lies in the subtree of the unit at this level."""
    if level == ROOT_LEVEL:
        return true()
    return getattr(model, LEVEL_COLUMN[level]) == code


def is_under(code: str | None, ancestor: str, root: str) -> bool:
    """Whether a unit code lies in the subtree of ``ancestor`` (by the codes' hierarchy; an unknown
    code lies only under the root)."""
    if ancestor == root:
        return True
    return code is not None and (code == ancestor or code.startswith(ancestor + "-"))

