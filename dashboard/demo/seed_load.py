"""Fast bulk loading for the seed: executemany on SQLite, COPY on PostgreSQL.

Columns arrive as numpy arrays or lists; timestamps as int64 UTC epoch seconds with -1 for "none".
The ORM is bypassed on purpose: the 2018 history is over half a million rows and must load in
seconds, so rows go straight through the raw DBAPI connection inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, text
from sqlalchemy.schema import CreateIndex

from dashboard.core.models import Base

NONE_TS = -1
_CHUNK = 50_000


def is_sqlite(conn: Connection) -> bool:
    """Whether the connection is to SQLite."""
    return conn.dialect.name == "sqlite"


def timestamps(conn: Connection, seconds: np.ndarray) -> list[str | None]:
    """UTC epoch seconds as the text each backend stores (-1 becomes NULL).

    SQLite text must match SQLAlchemy's own format exactly (with microseconds) or range
    comparisons against bound parameters go wrong.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    if not len(seconds):  # an empty batch (a small city on a quiet day): nothing to reshape
        return []
    missing = seconds < 0
    text_form = np.datetime_as_string(np.where(missing, 0, seconds).astype("datetime64[s]")
                                      .astype("datetime64[us]"), unit="us")
    # Fixed-width unicode: swap the ISO 'T' for a space through a code-point view.
    points = text_form.view(np.uint32).reshape(len(text_form), -1)
    points[:, 10] = ord(" ")
    values = text_form.tolist()
    if not is_sqlite(conn):
        values = [v + "+00" for v in values]
    for index in np.flatnonzero(missing).tolist():
        values[index] = None
    return values


def prepare_session(conn: Connection) -> None:
    """Per-transaction settings that make a bulk load fast and still crash-safe enough for a seed."""
    if is_sqlite(conn):
        # A rollback journal on a fresh file journals almost nothing (new pages need no undo);
        # WAL would write the whole world twice. Must run before the transaction's first write.
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
    else:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))


def _as_python(column) -> list:
    if isinstance(column, np.ndarray):
        return column.tolist()
    return list(column)


def insert_columns(conn: Connection, table: str, columns: dict[str, Sequence]) -> int:
    """Insert rows given column-wise; returns the number of rows written."""
    names = list(columns)
    lists = [_as_python(columns[name]) for name in names]
    count = len(lists[0]) if lists else 0
    if not count:
        return 0
    raw = conn.connection.driver_connection
    if is_sqlite(conn):
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        cursor = raw.cursor()
        try:
            for start in range(0, count, _CHUNK):
                cursor.executemany(sql, zip(*(col[start:start + _CHUNK] for col in lists),
                                            strict=True))
        finally:
            cursor.close()
        return count
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in zip(*lists, strict=True):
                copy.write_row(row)
    return count


def insert_dicts(conn: Connection, table: str, rows: list[dict]) -> int:
    """Insert a list of same-keyed dicts (small tables)."""
    if not rows:
        return 0
    return insert_columns(conn, table, {key: [row[key] for row in rows] for key in rows[0]})


def suspend_indexes(conn: Connection, tables: list[str]) -> list[str]:
    """Drop secondary indexes (and, on PostgreSQL, unique and foreign-key constraints) before a bulk
    load; returns the statements that restore them, for `restore_indexes`.

    Building an index once over loaded rows is far cheaper than maintaining it row by row.
    """
    restore: list[str] = []
    if is_sqlite(conn):
        for table in tables:
            for index in Base.metadata.tables[table].indexes:
                if not index.unique:
                    index.drop(conn, checkfirst=True)
                    restore.append(str(CreateIndex(index).compile(conn)))
        return restore
    for table in tables:
        constraints = conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('f', 'u') ORDER BY conname"),
            {"t": table}).all()
        indexes = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
            "ORDER BY i.indexname"), {"t": table}).all()
        for name, definition in constraints:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
            restore.insert(0, definition)
    return restore


def restore_indexes(conn: Connection, statements: list[str]) -> None:
    """Recreate what `suspend_indexes` dropped."""
    for statement in statements:
        conn.exec_driver_sql(statement)


def reset_sequences(conn: Connection, tables: list[str]) -> None:
    """Move PostgreSQL serial sequences past explicitly inserted ids."""
    if is_sqlite(conn):
        return
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
