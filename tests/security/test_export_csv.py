"""The audit CSV is safe to open (issue 14, item 5): formula cells neutralised, a UTF-8 BOM, local
times with the zone named; the CSV endpoint serves exactly that file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bench.intake_world import build_world
from dashboard.app import create_app
from dashboard.core import audit
from dashboard.core.principal import issue_token
from dashboard.queries import audit_export

AT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Putian
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\tTAB", "\rCR"]


def _hostile(Session) -> None:  # noqa: N803
    build_world(Session)
    with Session.begin() as s:
        for name in HOSTILE:  # log-in names come unauthenticated from the log-in form
            audit.append(s, actor=name, action="login.failure", target=name, unit_code="putian",
                         detail={"reason": "unknown user"}, source_ip="10.0.0.9", now=AT)
        audit.append(s, actor="王五", action="alert.ack", target="alert:1", unit_code="putian",
                     detail={"note": "已电话联系"}, source_ip="-1", now=AT)


def test_formula_cells_are_neutralised_and_times_are_local(Session):  # noqa: N803
    _hostile(Session)
    out = io.StringIO()
    with Session() as s:
        assert audit_export.export_csv(s, out, "putian", AT, AT.replace(hour=3)) == len(HOSTILE) + 1
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["actor"] for r in rows[:-1]] == ["'" + name for name in HOSTILE]
    assert [r["target"] for r in rows[:-1]] == ["'" + name for name in HOSTILE]
    assert rows[-1]["actor"] == "王五" and rows[-1]["source_ip"] == "'-1"
    assert "已电话联系" in rows[-1]["detail"]
    for row in rows:
        assert not row["actor"].startswith(audit_export.FORMULA_STARTS)
        assert row["at (Asia/Shanghai)"] == "2026-03-01 10:00:00+08:00"


def test_the_csv_endpoint_serves_a_bom_and_safe_cells(Session, engine, services_for):  # noqa: N803
    _hostile(Session)
    with Session.begin() as s:
        admin = issue_token(s, "auditor", "admin", "putian")
    services = services_for(engine)
    http = create_app(services.settings, services).test_client()
    reply = http.get("/api/v1/audit?format=csv&from=2026-03-01&to=2026-03-01",
                     headers={"Authorization": f"Bearer {admin}"})
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    data = reply.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["id", "at (Asia/Shanghai)", "actor"]
    assert [r[2] for r in rows[1:]] == ["'" + name for name in HOSTILE] + ["王五"]
    assert not any(cell.startswith(audit_export.FORMULA_STARTS) for row in rows for cell in row)
