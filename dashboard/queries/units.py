"""Read-side queries on units and their figures. Each takes a Session and returns plain data.

The read side is split by concern: this module (units, the tree, figures and roll-ups),
`queries_incidents` (lists and one incident's timeline), `queries_catalog` (business items,
departments, search) and `queries_stats` (trends, breakdowns, boards for the screens). None of
them imports Flask; the API and the Dash callbacks call them with a session they opened.

Figures count incidents *reported in the period* under a unit (see `figures`). Every incident
carries its ancestors' codes, so a unit's subtree is one equality test and a roll-up over its
children is one GROUP BY on the child level's column: children always sum to their parent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dashboard.core.models import (
    CENTER_LEVELS,
    OPEN_STATES,
    BusinessLine,
    Certificate,
    Incident,
    SupervisionItem,
    Unit,
)
from dashboard.core.timeutil import Period

# The column that holds a unit's code on rows beneath it (incidents, staff, supervision, ...).
LEVEL_COLUMN = {"district": "district_code", "town": "town_code", "village": "village_code",
                "grid": "grid_code"}
CHILD_LEVEL = {"city": "district", "district": "town", "town": "village", "village": "grid"}
CERTIFICATE_KINDS = ("senior_card", "love_card")


def unit(session: Session, code: str) -> Unit | None:
    """The unit with this code, or None."""
    return session.get(Unit, code)


def children(session: Session, code: str) -> list[Unit]:
    """The unit's direct children in display order."""
    return list(session.scalars(select(Unit).where(Unit.parent_code == code)
                                .order_by(Unit.sort_key, Unit.code)))


def ancestors(session: Session, code: str) -> list[Unit]:
    """The breadcrumb chain from the city down to the unit itself (empty if unknown)."""
    chain: list[Unit] = []
    current = session.get(Unit, code)
    while current is not None and len(chain) < len(LEVEL_COLUMN) + 1:
        chain.append(current)
        current = session.get(Unit, current.parent_code) if current.parent_code else None
    return chain[::-1]


def unit_ref(u: Unit) -> dict[str, str]:
    """The short form of a unit used in paths and lists."""
    return {"code": u.code, "name": u.name, "name_en": u.name_en, "level": u.level}


def line_exists(session: Session, code: str) -> bool:
    """Whether a business line ("网格+" practice) with this code exists."""
    return session.get(BusinessLine, code) is not None


def subtree(model: Any, u: Unit) -> list[ColumnElement[bool]]:
    """WHERE clauses keeping rows of `model` (with denormalised ancestor codes) under the unit."""
    if u.level == "city":
        return []
    return [getattr(model, LEVEL_COLUMN[u.level]) == u.code]


def in_period(column: Any, period: Period | None) -> list[ColumnElement[bool]]:
    """WHERE clauses keeping a timestamp column inside the period's UTC range (none: no limit)."""
    if period is None:
        return []
    return [column >= period.utc_start, column < period.utc_end]


def incident_filters(u: Unit, period: Period | None, line: str | None = None) -> list[ColumnElement[bool]]:
    """The WHERE clauses for incidents reported in the period under the unit (and line)."""
    clauses = subtree(Incident, u) + in_period(Incident.reported_at, period)
    if line:
        clauses.append(Incident.line_code == line)
    return clauses


def empty_figures() -> dict[str, Any]:
    """Incident figures for a unit with nothing collected."""
    return {"collected": 0, "closed": 0, "closure_rate": None, "open": 0, "overdue": 0,
            "on_time_rate": None, "cancelled": 0, "open_by_state": dict.fromkeys(OPEN_STATES, 0)}


def _add_counts(fig: dict[str, Any], state: str, overdue: bool, count: int) -> None:
    fig["collected"] += count
    if state == "closed":
        fig["closed"] += count
        fig.setdefault("_closed_overdue", 0)
        if overdue:
            fig["_closed_overdue"] += count
    elif state == "cancelled":
        fig["cancelled"] += count
    else:
        fig["open"] += count
        fig["open_by_state"][state] = fig["open_by_state"].get(state, 0) + count
        if overdue:
            fig["overdue"] += count


def _finish(fig: dict[str, Any]) -> dict[str, Any]:
    """Derive the rates. On-time rate: closed without ever going overdue, over closed plus
    open-overdue, so overdue work still open counts against it (a backlog is never 100 %)."""
    closed_late = fig.pop("_closed_overdue", 0)
    fig["closure_rate"] = fig["closed"] / fig["collected"] if fig["collected"] else None
    judged = fig["closed"] + fig["overdue"]
    fig["on_time_rate"] = (fig["closed"] - closed_late) / judged if judged else None
    return fig


def incident_figures(session: Session, u: Unit, period: Period | None,
                     line: str | None = None) -> dict[str, Any]:
    """Incident counts and rates for the unit's subtree over the period (one grouped query)."""
    rows = session.execute(
        select(Incident.state, Incident.overdue, func.count())
        .where(*incident_filters(u, period, line))
        .group_by(Incident.state, Incident.overdue))
    fig = empty_figures()
    for state, overdue, count in rows:
        _add_counts(fig, state, bool(overdue), count)
    return _finish(fig)


def _child_groups(session: Session, parent: Unit, period: Period | None,
                  line: str | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The parent's incident figures and each child's, from ONE query grouped on the child
    level's ancestor column (the parent's total includes any row whose child is unknown)."""
    column = getattr(Incident, LEVEL_COLUMN[CHILD_LEVEL[parent.level]])
    rows = session.execute(
        select(column, Incident.state, Incident.overdue, func.count())
        .where(*incident_filters(parent, period, line))
        .group_by(column, Incident.state, Incident.overdue))
    total, by_child = empty_figures(), {}
    for child_code, state, overdue, count in rows:
        _add_counts(by_child.setdefault(child_code, empty_figures()), state, bool(overdue), count)
        _add_counts(total, state, bool(overdue), count)
    return _finish(total), {code: _finish(fig) for code, fig in by_child.items()}


def _child_rows(session: Session, code: str, by_child: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**unit_ref(child), "figures": by_child.get(child.code) or _finish(empty_figures())}
            for child in children(session, code)]


def children_figures(session: Session, code: str, period: Period | None,
                     line: str | None = None) -> list[dict[str, Any]]:
    """One row per child ({code, name, name_en, level, figures}) from ONE query grouped on the
    child level's ancestor column, so the children's counts always sum to the parent's."""
    parent = session.get(Unit, code)
    if parent is None or parent.level not in CHILD_LEVEL:
        return []
    return _child_rows(session, code, _child_groups(session, parent, period, line)[1])


def supervision_counts(session: Session, u: Unit, period: Period | None = None,
                       line: str | None = None, state: str | None = "open") -> dict[str, int]:
    """Supervision items under the unit by their current level (opened in the period, if given)."""
    query = (select(SupervisionItem.level, func.count())
             .where(*subtree(SupervisionItem, u), *in_period(SupervisionItem.opened_at, period))
             .group_by(SupervisionItem.level))
    if state:
        query = query.where(SupervisionItem.state == state)
    if line:
        query = query.join(Incident, Incident.id == SupervisionItem.incident_id).where(
            Incident.line_code == line)
    counts = dict.fromkeys(CENTER_LEVELS, 0)
    counts.update({level: n for level, n in session.execute(query)})
    return counts


def certificate_counts(session: Session, u: Unit, period: Period | None) -> dict[str, int]:
    """Certificates handled for residents under the unit in the period: total and per kind
    (senior_card and love_card always present, other kinds when any were handled)."""
    rows = session.execute(
        select(Certificate.kind, func.count())
        .where(*subtree(Certificate, u), *in_period(Certificate.handled_at, period))
        .group_by(Certificate.kind))
    counts = dict.fromkeys(CERTIFICATE_KINDS, 0)
    counts.update({kind: n for kind, n in rows})
    return {"total": sum(counts.values()), **counts}


def figures(session: Session, code: str, period: Period | None,
            line: str | None = None, supervision_now: bool = False) -> dict[str, Any] | None:
    """All the figures of a unit for a period: incident counts and rates, open work by state,
    open supervision items by level (opened in the period; with `supervision_now`, every item open
    now, as a screen's 督办中 shows them), certificates (which belong to no line). None if unknown.

    collected = incidents reported in the period under the unit; closed = those now closed;
    open = those neither closed nor cancelled; overdue = open ones with the overdue flag.
    """
    u = session.get(Unit, code)
    if u is None:
        return None
    fig = incident_figures(session, u, period, line)
    fig["supervision_by_level"] = supervision_counts(session, u, None if supervision_now else period, line)
    fig["certificates"] = certificate_counts(session, u, period)
    return fig


def figures_with_children(session: Session, code: str, period: Period | None,
                          line: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """`figures` and `children_figures` of a unit together, the incident counts of both from the
    same single grouped query (half the work of calling the two). None if the unit is unknown."""
    u = session.get(Unit, code)
    if u is None:
        return None
    if u.level in CHILD_LEVEL:
        fig, by_child = _child_groups(session, u, period, line)
        rows = _child_rows(session, code, by_child)
    else:
        fig, rows = incident_figures(session, u, period, line), []
    fig["supervision_by_level"] = supervision_counts(session, u, period, line)
    fig["certificates"] = certificate_counts(session, u, period)
    return fig, rows
