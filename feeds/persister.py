"""`ingest`: the persist group. Positions and incident steps go to the database in batches,
idempotently, then into the live state; entries are acknowledged only after the commit.

Idempotency: an incident's id is its primary key and every step's ``key`` (``<id>:v<version>``,
assigned by the API's sequencer) is IncidentEvent.event_key; both are inserted with ON CONFLICT
DO NOTHING, and only events actually inserted change the incident row and the live counters, so a
redelivered entry changes nothing. Two persisters in one group may see an incident's steps out of
order: an older step fills its own timestamp but never rolls the state back (the row keeps the
highest stream id applied), and a step whose incident is not yet stored is left pending and
retried (see feeds.consumer) until the report has been committed.
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime
from functools import partial

from sqlalchemy import Engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from dashboard.actions import instruction_receipts
from dashboard.contract import fields as contract
from dashboard.contract import schema
from dashboard.contract.schema import Entry, MalformedEntry, id_key
from dashboard.core import audit
from dashboard.core.config import Settings
from dashboard.core.db import make_engine
from dashboard.core.models import Incident, IncidentEvent, Instruction, Position
from dashboard.core.services import redis_client
from dashboard.ops import worker
from feeds import livestate, retention
from feeds.consumer import Consumer, Knobs
from feeds.persist_audit import audit_records

log = logging.getLogger(__name__)
STEP_COLUMN = {"dispatch": "dispatched_at", "accept": "accepted_at", "resolve": "resolved_at",
               "close": "closed_at", "cancel": "cancelled_at", "reopen": "dispatched_at"}
INCIDENT_COLUMNS = [c.name for c in Incident.__table__.columns if c.name != "stream_id"]
TIME_COLUMNS = ("reported_at", "dispatched_at", "accepted_at", "resolved_at", "closed_at",
                "cancelled_at", "stage_started_at", "updated_at")


def writer_engine(url: str) -> Engine:
    """An engine for a writer; on SQLite each transaction takes the write lock at BEGIN
    (BEGIN IMMEDIATE), so two persisters queue instead of failing to upgrade a read lock."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_autocommit_driver)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def _sqlite_autocommit_driver(dbapi_connection, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself instead of pysqlite's deferred one.
    dbapi_connection.isolation_level = None


def _insert(session: Session, table):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


REQUIRED = {
    schema.T_POSITIONS: ("positions",),
    schema.T_REPORTED: ("id", "reported_at", "lat", "lon", "grid_code", "business_item_code",
                        "source", "severity", "state", "stage_started_at", "updated_at"),
    schema.T_TRANSITION: ("incident", "action", "from", "to", "at", "key", "version"),
}
POSITION_KEYS = ("staff", "ts", "lat", "lon")


def _check(entry: Entry) -> None:
    """Refuse (MalformedEntry) a payload that lacks what the database needs."""
    missing = [k for k in REQUIRED.get(entry.type, ()) if entry.data.get(k) is None]
    if missing:
        raise MalformedEntry(f"{entry.type} lacks {', '.join(missing)}")
    if entry.type == schema.T_TRANSITION and entry.data["action"] not in STEP_COLUMN:
        raise MalformedEntry(f"unknown action {entry.data['action']!r}")
    try:
        if entry.type == schema.T_POSITIONS:
            for p in entry.data["positions"]:
                if any(p.get(k) is None for k in POSITION_KEYS):
                    raise MalformedEntry(f"a position lacks one of {', '.join(POSITION_KEYS)}")
                _time(p["ts"])
        for name in ("reported_at", "at"):
            if name in entry.data:
                _time(entry.data[name])
    except (TypeError, ValueError, AttributeError) as exc:
        raise MalformedEntry(f"{entry.type}: {exc}") from exc
    contract.check(entry.type, entry.data)  # types, lengths and ranges of every stored field


_STAGE_SQL = ("CREATE TEMP TABLE IF NOT EXISTS positions_in (staff_id varchar(32), ts timestamptz, "
              "lat float8, lon float8, grid_code varchar(64)) ON COMMIT DELETE ROWS")
_MOVE_SQL = ("INSERT INTO positions (staff_id, ts, lat, lon, grid_code, downsampled) "
             "SELECT staff_id, ts, lat, lon, grid_code, false FROM positions_in "
             "ON CONFLICT (staff_id, ts) DO NOTHING")


def _copy_positions(session: Session, positions: list[dict]) -> None:
    """PostgreSQL: COPY into a per-connection staging table, then one INSERT ... SELECT; an
    executemany would cost a statement per row (about 3x slower)."""
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cur:
        cur.execute(_STAGE_SQL)
        with cur.copy("COPY positions_in (staff_id, ts, lat, lon, grid_code) FROM STDIN") as copy:
            for p in positions:  # wire times are ISO 8601 with offset: PostgreSQL parses them
                copy.write_row((p["staff"], p["ts"], p["lat"], p["lon"], p.get("grid")))
        cur.execute(_MOVE_SQL)


class Persister:
    """The persist-group handler: one transaction per batch, then live state."""

    def __init__(self, Session: sessionmaker, client) -> None:  # noqa: N803 - a factory
        self.Session = Session
        self.redis = client

    def __call__(self, entries: list[Entry]) -> set[str]:
        """Persist a batch; returns ids of steps whose incident is not stored yet (retry later)."""
        for e in entries:
            _check(e)
        positions = [p for e in entries if e.type == schema.T_POSITIONS for p in e.data["positions"]]
        reports = [e for e in entries if e.type == schema.T_REPORTED]
        steps = sorted((e for e in entries if e.type == schema.T_TRANSITION), key=lambda e: id_key(e.id))
        with self.Session.begin() as session:
            self._positions(session, positions)
            self._reports(session, reports)
            held, applied = self._steps(session, steps)
            new_keys = self._events(session, reports, applied)
            deltas = self._apply(session, reports, applied, new_keys)
            audit.append_many(session, audit_records(reports, applied, new_keys))
        livestate.apply_positions(self.redis, positions)
        livestate.apply_counts(self.redis, deltas)
        return held

    def _positions(self, session: Session, positions: list[dict]) -> None:
        if not positions:
            return
        if session.get_bind().dialect.name == "postgresql":
            _copy_positions(session, positions)
            return
        rows = [{"staff_id": p["staff"], "ts": _time(p["ts"]), "lat": p["lat"], "lon": p["lon"],
                 "grid_code": p.get("grid"), "downsampled": False} for p in positions]
        stmt = _insert(session, Position.__table__).on_conflict_do_nothing(
            index_elements=["staff_id", "ts"])
        session.execute(stmt, rows)

    def _reports(self, session: Session, reports: list[Entry]) -> None:
        if not reports:
            return
        rows = []
        for e in reports:
            row = {name: e.data.get(name) for name in INCIDENT_COLUMNS}
            for name in TIME_COLUMNS:
                row[name] = _time(row[name])
            row["stream_id"] = e.id
            rows.append(row)
        stmt = _insert(session, Incident.__table__).on_conflict_do_nothing(index_elements=["id"])
        session.execute(stmt, rows)

    def _steps(self, session: Session, steps: list[Entry]) -> tuple[set[str], list[Entry]]:
        """Split steps into those whose incident is stored (locked) and those to retry later."""
        if not steps:
            return set(), []
        ids = sorted({e.data["incident"] for e in steps})
        found = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids))
                                    .order_by(Incident.id).with_for_update()))
        held = {e.id for e in steps if e.data["incident"] not in found}
        return held, [e for e in steps if e.data["incident"] in found]

    def _events(self, session: Session, reports: list[Entry], steps: list[Entry]) -> set[str]:
        """Insert the timeline rows; returns the keys actually inserted (first deliveries)."""
        rows = [{"incident_id": e.data["id"], "action": "report", "from_state": None,
                 "to_state": "reported", "at": _time(e.data["reported_at"]),
                 "actor": e.data.get("actor") or e.data.get("reporter_id"), "department_code": None,
                 "note": "", "event_key": e.data.get("key") or f"{e.data['id']}:v1",
                 "stream_id": e.id} for e in reports]
        rows += [{"incident_id": e.data["incident"], "action": e.data["action"],
                  "from_state": e.data["from"], "to_state": e.data["to"], "at": _time(e.data["at"]),
                  "actor": e.data.get("actor"), "department_code": e.data.get("department"),
                  "note": e.data.get("note") or "", "event_key": e.data["key"], "stream_id": e.id}
                 for e in steps]
        if not rows:
            return set()
        stmt = (_insert(session, IncidentEvent.__table__)
                .on_conflict_do_nothing(index_elements=["event_key"])
                .returning(IncidentEvent.__table__.c.event_key))
        return set(session.scalars(stmt, rows))

    def _apply(self, session: Session, reports: list[Entry], steps: list[Entry],
               new_keys: set[str]) -> Counter:
        """Move incident rows forward for newly inserted steps; the live-counter changes."""
        deltas: Counter = Counter()
        for e in reports:
            if (e.data.get("key") or f"{e.data['id']}:v1") in new_keys:
                deltas.update(livestate.count_deltas(e.data["units"], None, "reported"))
        fresh = [e for e in steps if e.data["key"] in new_keys]
        if not fresh:
            return deltas
        rows = {r.id: r for r in session.scalars(
            select(Incident).where(Incident.id.in_({e.data["incident"] for e in fresh})))}
        for e in fresh:
            row, at, action = rows[e.data["incident"]], _time(e.data["at"]), e.data["action"]
            column = STEP_COLUMN[action]
            if getattr(row, column) is None or getattr(row, column) < at:
                setattr(row, column, at)
            if action == "reopen":
                row.reopen_count += 1
            if row.stream_id is None or id_key(e.id) > id_key(row.stream_id):
                row.state, row.stage_started_at, row.stream_id = e.data["to"], at, e.id
                row.department_code = e.data.get("department") or row.department_code
                row.updated_at = max(row.updated_at, at)
            deltas.update(livestate.count_deltas(e.data["units"], e.data["from"], e.data["to"]))
        self._receipts(session, fresh)
        return deltas

    def _receipts(self, session: Session, fresh: list[Entry]) -> None:
        """A first-applied step acts on the instructions left on its incident (one query when none)."""
        instructed = set(session.scalars(select(Instruction.incident_id).distinct().where(
            Instruction.incident_id.in_({e.data["incident"] for e in fresh}))))
        for e in fresh:
            if e.data["incident"] in instructed:
                instruction_receipts.on_action(session, e.data.get("actor"), e.data["action"],
                                               _time(e.data["at"]), incident_ids=[e.data["incident"]])


def _rebuild(Session: sessionmaker, client) -> None:  # noqa: N803
    with Session() as session:
        log.info("live state rebuilt from the database: %s", livestate.reconcile(session, client))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ingest."""
    parser.add_argument("--name", default=f"{socket.gethostname()}-ingest",
                        help="consumer name; keep it stable across restarts, unique per process")
    parser.add_argument("--count", type=int, default=500, help="feed:incidents entries per read")
    parser.add_argument("--position-count", type=int, default=20,
                        help="feed:positions entries (API batches of up to 5,000) per read")
    parser.add_argument("--block-ms", type=int, default=1000, help="how long a read waits")
    parser.add_argument("--claim-idle-ms", type=int, default=15_000,
                        help="take over entries idle this long in another consumer")
    parser.add_argument("--max-deliveries", type=int, default=5, help="then dead-letter an entry")
    parser.add_argument("--no-reconcile", action="store_true",
                        help="skip rebuilding the live state from the database on (re)connect")
    parser.add_argument("--retention-every-s", type=float, default=600.0,
                        help="how often to downsample old positions (0: never)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the persist group until SIGTERM/SIGINT."""
    from dashboard.core.db import session_factory

    stop = worker.start("ingest", settings)
    client = redis_client(settings.redis_url)
    Session = session_factory(writer_engine(settings.effective_database_url), settings.audit_key())  # noqa: N806
    persister = Persister(Session, client)
    knobs = Knobs(count=args.count, block_ms=args.block_ms, claim_idle_ms=args.claim_idle_ms,
                  max_deliveries=args.max_deliveries)
    # Two loops, so a read of positions (heavy batches) is sized apart from one of incident steps
    # and a long positions commit never delays an incident.
    consumers = [
        Consumer(client, schema.GROUP_PERSIST, [schema.INCIDENTS], persister,
                 name=f"{args.name}-incidents", worker=f"ingest:{args.name}-incidents", knobs=knobs,
                 on_connect=None if args.no_reconcile else partial(_rebuild, Session, client)),
        Consumer(client, schema.GROUP_PERSIST, [schema.POSITIONS], persister,
                 name=f"{args.name}-positions", worker=f"ingest:{args.name}-positions",
                 knobs=replace(knobs, count=args.position_count)),
    ]
    if args.retention_every_s > 0:
        threading.Thread(target=retention.run_periodically, args=(Session, stop, args.retention_every_s),
                         daemon=True, name="retention").start()
    threads = [threading.Thread(target=c.run, args=(stop,), name=c.name) for c in consumers]
    for thread in threads:
        thread.start()
    log.info("ingest %s consuming %s and %s", args.name, schema.INCIDENTS, schema.POSITIONS)
    died = False
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(0.5)
        if not stop.is_set() and not all(t.is_alive() for t in threads):
            died = True  # one loop died of an unexpected error: stop the other, exit non-zero
            stop.set()
    return 1 if died else 0
