"""The audit log for administrators: `GET /api/v1/audit?unit=&from=&to=&format=csv|json`,
`GET /api/v1/audit/verify` (the hash chain checked end to end), and the `/audit` page showing both."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from sqlalchemy import func, select

from dashboard.api import ApiError, current_principal, error_reply, require, services
from dashboard.auth.login import session_principal
from dashboard.auth.words import page_lang, texts
from dashboard.core import audit_anchor
from dashboard.core.i18n import fmt_datetime
from dashboard.core.models import AuditEntry, Unit
from dashboard.core.policy import may
from dashboard.core.principal import Principal
from dashboard.core.timeutil import LOCAL_TZ, Period, PeriodError, parse_period
from dashboard.core.units import root_code
from dashboard.queries import audit_export

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")
MAX_JSON_ROWS = 1000


def _scope(principal: Principal) -> tuple[str, Period]:
    """The unit (in the administrator's jurisdiction) and period asked for."""
    code = request.args.get("unit") or principal.unit_code
    with services().Session() as s:
        unit = s.get(Unit, code)
    if unit is None:
        raise ApiError(404, f"unknown unit {code!r}", "unit")
    if not principal.covers(unit):  # the same answer as a unit that does not exist
        raise ApiError(404, f"unknown unit {code!r}", "unit")
    try:
        period = parse_period(request.args)
    except PeriodError as exc:
        raise ApiError(400, str(exc), exc.field) from exc
    return code, period


@bp.get("/audit")
@require("audit")
def list_audit():
    """Entries of a unit's subtree (whole city by default) in a period (default today), oldest first."""
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, "format must be json or csv", "format")
    code, period = _scope(current_principal())
    if fmt == "csv":
        out = io.StringIO()
        with services().Session() as s:
            audit_export.export_csv(s, out, code, period.utc_start, period.utc_end)
        name = f"audit-{code}-{period.start}-{period.end}.csv"
        return Response(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    total, body = _entries(code, period)
    return jsonify(entries=body, total=total, unit=code,
                   period={"from": period.start.isoformat(), "to": period.end.isoformat()})


def _entries(code: str, period: Period) -> tuple[int, list[dict]]:
    """How many entries the unit's subtree has in the period, and the first MAX_JSON_ROWS of them."""
    with services().Session() as s:
        query = audit_export.entries_query(code, period.utc_start, period.utc_end, root_code(s))
        total = s.scalar(select(func.count()).select_from(query.subquery()))
        entries = s.execute(query.order_by(AuditEntry.id).limit(MAX_JSON_ROWS)).scalars().all()
        return total, [_row(e) for e in entries]


def _row(e: AuditEntry) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "local_at": f"{e.at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M:%S}",
            "actor": e.actor, "action": e.action, "target": e.target, "unit": e.unit_code, "detail": e.detail,
            "source_ip": e.source_ip, "prev_hash": e.prev_hash, "hash": e.hash}


def audit_page():
    """The audit log as a page: filters, the entries, a CSV link and whether the chain holds."""
    principal = session_principal()
    lang = page_lang()
    words = texts(lang)
    if principal is None or not may(principal.role, "audit"):
        return render_template("refused.html", t=words, lang=lang, message=words["audit.admin_only"],
                               principal=principal), 403
    try:
        code, period = _scope(principal)
        total, entries = _entries(code, period)
        error = None
    except ApiError as exc:
        code, period, total, entries, error = request.args.get("unit", ""), None, 0, [], exc.message
    verdict = verify_chain()
    start, end = (period.start.isoformat(), period.end.isoformat()) if period else ("", "")
    csv_url = f"/api/v1/audit?{urlencode({'unit': code, 'from': start, 'to': end, 'format': 'csv'})}"
    return render_template("audit.html", t=words, lang=lang, unit=code, start=start, end=end, total=total,
                           entries=entries, verdict=verdict, error=error, csv_url=csv_url,
                           checkpoint_at=fmt_datetime(verdict.broken.at, lang) if verdict.broken else "")


def verify_chain() -> audit_anchor.Verdict:
    """The chain checked end to end and against the checkpoints kept in Redis."""
    svc = services()
    with svc.Session() as s:
        return audit_anchor.verify(s, audit_anchor.stored(svc.redis))


@bp.get("/audit/verify")
@require("audit")
def verify_audit():
    """Walk the whole chain: `intact`, the id of the first entry that does not check, and the oldest
    checkpoint the table no longer matches with the reason (see dashboard.core.audit_anchor)."""
    return jsonify(verify_chain().as_json())


bp.register_error_handler(ApiError, error_reply)


def init_app(server: Flask) -> None:
    """Register the audit endpoints and page."""
    server.register_blueprint(bp)
    server.add_url_rule("/audit", "audit_page", audit_page)
