"""The leaders' briefing over HTTP: the list (GET /briefing), its A4 PDF (GET /briefing.pdf) and
instructions (POST /instructions). Same query, filters and jurisdiction as the page
(dashboard.queries.briefing), same action function (dashboard.actions.instructions.instruct_once)."""

from __future__ import annotations

from flask import Response, jsonify, request

from dashboard.actions import outbox
from dashboard.actions.instructions import InstructionError, instruct_once
from dashboard.api import ApiError, bp, current_principal, json_body, now, require, services
from dashboard.auth.login import client_address
from dashboard.core.i18n import lang_of
from dashboard.queries import briefing_pdf
from dashboard.queries.briefing import briefing, parse_filters

INSTRUCTION_FIELDS = {"target_kind", "target_id", "text", "request_id"}


def _read() -> tuple[dict, object]:
    principal, at, svc = current_principal(), now(), services()
    try:
        with svc.Session.begin() as session:
            return briefing(session, principal, at, parse_filters(session, request.args)), at
    except InstructionError as exc:
        raise ApiError(exc.status, str(exc), exc.field) from exc


@bp.get("/briefing")
@require("instructions.read")
def get_briefing():
    """Open supervision items and critical or escalated alerts in jurisdiction, highest level and
    newest first; ?level=, ?district=, ?age= (1d, 7d, 30d, older) filter."""
    data, _ = _read()
    return jsonify(data)


@bp.get("/briefing.pdf")
@require("instructions.read")
def get_briefing_pdf():
    """The same briefing as an A4 PDF; ?lang=en for English."""
    data, at = _read()
    lang = lang_of(request.args.get("lang"))
    body = briefing_pdf.render(data, current_principal().name, at, lang)
    stamp = at.strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="briefing-{stamp}.pdf"'})


@bp.post("/instructions")
@require("instructions.write")
def post_instruction():
    """Record an instruction (批示) on a supervision item, alert or incident in jurisdiction; a
    repeated request_id answers 200 with the first instruction and records nothing."""
    body = json_body()
    unknown = sorted(set(body) - INSTRUCTION_FIELDS)
    if unknown:
        raise ApiError(422, f"unknown field {unknown[0]!r}", unknown[0])
    svc = services()
    try:
        row, key = instruct_once(svc.Session, current_principal(), body.get("target_kind"),
                                 body.get("target_id"), body.get("text"), client_address(), now(),
                                 body.get("request_id"))
    except InstructionError as exc:
        raise ApiError(exc.status, str(exc), exc.field) from exc
    if key is None:
        return jsonify(instruction=row, repeat=True), 200
    outbox.try_flush(svc.Session, svc.redis)
    return jsonify(instruction=row, repeat=False), 202
