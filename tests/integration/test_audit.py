"""The audit log is a hash chain: verify passes on an intact log and names the first tampered entry."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from dashboard.core import audit
from dashboard.core.models import AuditEntry, Unit
from dashboard.queries import audit_export

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _units(session) -> None:
    def unit(code, level, parent, **codes):
        session.add(Unit(code=code, name=code, name_en=code, level=level, parent_code=parent,
                         boundary="{}", centroid_lat=25.4, centroid_lon=119.0, area_km2=1.0, **codes))
        session.flush()

    unit("putian", "city", None)
    unit("licheng", "district", "putian", district_code="licheng")
    unit("licheng-zhenhai", "town", "licheng", district_code="licheng", town_code="licheng-zhenhai")
    unit("hanjiang", "district", "putian", district_code="hanjiang")


def _fill(Session, n: int = 5) -> None:
    with Session.begin() as s:
        _units(s)
    for i in range(n):
        with Session.begin() as s:
            audit.append(s, actor=f"duty{i}", action="alert.ack", target=f"alert:{i}",
                         unit_code="licheng-zhenhai" if i % 2 else "hanjiang",
                         detail={"note": f"已电话联系 {i}", "n": i}, source_ip="10.0.0.1",
                         now=T0 + timedelta(minutes=i))


def test_chain_links_each_entry_to_the_previous(Session):
    _fill(Session)
    with Session() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert rows[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert audit.verify(s) is None


def test_verify_names_the_first_tampered_entry(Session):
    _fill(Session)
    with Session() as s:
        third = s.execute(select(AuditEntry.id).order_by(AuditEntry.id).offset(2).limit(1)).scalar()
    with Session.begin() as s:
        s.execute(text("UPDATE audit_log SET detail = :d WHERE id = :i"),
                  {"d": '{"note": "篡改", "n": 2}', "i": third})
    with Session() as s:
        assert audit.verify(s) == third


def test_verify_detects_a_deleted_entry(Session):
    _fill(Session)
    with Session() as s:
        second, third = s.execute(select(AuditEntry.id).order_by(AuditEntry.id)
                                  .offset(1).limit(2)).scalars().all()
    with Session.begin() as s:
        s.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": second})
    with Session() as s:
        assert audit.verify(s) == third


def test_concurrent_appends_keep_one_chain(Session):
    with Session.begin() as s:
        _units(s)

    def writer(k: int) -> None:
        for i in range(5):
            with Session.begin() as s:
                audit.append(s, actor=f"w{k}", action="test", target=str(i), now=T0)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session() as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar() == 15
        assert audit.verify(s) is None


def test_csv_export_by_unit_and_period(Session):
    _fill(Session)
    out = io.StringIO()
    with Session() as s:
        n = audit_export.export_csv(s, out, "licheng", T0, T0 + timedelta(minutes=4))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    # Entries 1 and 3 belong to a town under licheng; entry 5 is outside the period.
    assert n == 2
    assert [r["target"] for r in rows] == ["alert:1", "alert:3"]
    assert "已电话联系 1" in rows[0]["detail"]
    with Session() as s:
        assert audit_export.export_csv(s, io.StringIO(), "putian", T0, T0 + timedelta(days=1)) == 5
