"""The audit entries of incident reports and steps, appended by the persister in the transaction
that stores them: the API sequences steps in Redis, so the database (and its audit chain) first
sees them here. A redelivered entry inserts no event row and so adds no audit entry."""

from __future__ import annotations

from datetime import datetime

from dashboard.contract.schema import Entry, id_key
from dashboard.core import audit


def _ip(data: dict) -> str | None:
    value = data.get("source_ip")
    return value[:64] if isinstance(value, str) and value else None


def _report(e: Entry) -> audit.Record:
    d = e.data
    detail = {"business_item": d.get("business_item_code"), "source": d.get("source"),
              "severity": d.get("severity"), "stream_id": e.id}
    return audit.Record(d.get("actor") or d.get("reporter_id") or "", "incident.report",
                        f"incident:{d['id']}", d.get("grid_code"), detail, _ip(d),
                        datetime.fromisoformat(d["reported_at"]))


def _step(e: Entry) -> audit.Record:
    d = e.data
    detail = {"from": d["from"], "to": d["to"], "department": d.get("department"),
              "note": d.get("note") or "", "version": d["version"], "stream_id": e.id}
    grid = (d.get("units") or [None])[-1]
    return audit.Record(d.get("actor") or "", f"incident.{d['action']}", f"incident:{d['incident']}",
                        grid, detail, _ip(d), datetime.fromisoformat(d["at"]))


def audit_records(reports: list[Entry], steps: list[Entry], new_keys: set[str]) -> list[audit.Record]:
    """Audit entries, in stream order, for the reports and steps stored for the first time."""
    fresh = [(e.id, _report(e)) for e in reports if (e.data.get("key") or f"{e.data['id']}:v1") in new_keys]
    fresh += [(e.id, _step(e)) for e in steps if e.data["key"] in new_keys]
    return [record for _, record in sorted(fresh, key=lambda pair: id_key(pair[0]))]
