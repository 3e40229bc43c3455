"""Row ids, value formats and the bulk writes of the seed, on SQLite and on PostgreSQL.

Values are given in one form that both databases read the way SQLAlchemy writes them:
timestamps as naive UTC text with microseconds (``YYYY-MM-DD HH:MM:SS.ffffff``; PostgreSQL
reads it in the session time zone, set to UTC here), dates as ISO text, JSON as text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Connection, func, select, text

from clinic_consent.db import Base

Row = tuple[Any, ...]
BLOCK: Final = 5000

# SQLite settings for the load, put back afterwards (the connection returns to the pool).
# Checking CHECK constraints takes a third of SQLite's insert time; the same generator's rows
# pass them on PostgreSQL, which checks every row (the seed's tests run there too).
SQLITE_LOAD: Final = {"cache_size": (-3_145_728, -2000), "ignore_check_constraints": (1, 0)}


def stamp(moment: datetime) -> str:
    """A naive UTC datetime as stored (SQLAlchemy's SQLite format, read as UTC by both)."""
    return moment.isoformat(" ", "microseconds")


def day(on: date | None) -> str | None:
    return on.isoformat() if on is not None else None


def as_json(value: Any) -> str:
    return json.dumps(value)


def next_ids(connection: Connection, tables: Iterable[str]) -> dict[str, int]:
    """The first free id of every table, after the rows already there."""
    found = {}
    for name in tables:
        table = Base.metadata.tables[name]
        found[name] = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
    return found


class Ids:
    """Hands out ids: consecutive for one generator; for several, each takes blocks of
    ``BLOCK`` ids in turn (generator k the blocks k, k + n, k + 2n...), so that they never
    meet. The last block of each is left partly unused: ids have gaps, as after rollbacks."""

    def __init__(self, first: dict[str, int], worker: int = 0, workers: int = 1) -> None:
        self._first = dict(first)
        self._worker = worker
        self._workers = workers
        self._next: dict[str, int] = {}
        self._end: dict[str, int] = {}
        self._blocks: dict[str, int] = defaultdict(int)

    def take(self, table: str) -> int:
        value = self._next.get(table)
        if value is None or value == self._end[table]:
            block = self._blocks[table] * self._workers + self._worker
            self._blocks[table] += 1
            value = self._first[table] + block * BLOCK
            self._end[table] = value + BLOCK
        self._next[table] = value + 1
        return value

    def unused(self) -> dict[str, int]:
        """The first id after every id taken (for one generator: the next free id)."""
        return {t: self._next.get(t, first) for t, first in self._first.items()}


@dataclass
class Batch:
    """Rows of several tables, to be written in one go; ``sessions`` made since the last."""

    columns: dict[str, Sequence[str]]
    rows: dict[str, list[Row]]
    sessions: int = 0

    def write_to(self, connection: Connection) -> dict[str, int]:
        """Write every table's rows, parents first; returns the rows written per table."""
        present = set(self.rows)
        for table in (t.name for t in Base.metadata.sorted_tables if t.name in present):
            insert_rows(connection, table, self.columns[table], self.rows[table])
        return {table: len(rows) for table, rows in self.rows.items()}


class Rows:
    """Rows collected per table until they are taken as a batch."""

    def __init__(self) -> None:
        self.columns: dict[str, Sequence[str]] = {}
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.count = 0

    def add(self, table: str, columns: Sequence[str], row: Row) -> None:
        self.columns.setdefault(table, columns)
        self.rows[table].append(row)
        self.count += 1

    def take(self, sessions: int) -> Batch:
        batch = Batch(dict(self.columns), dict(self.rows), sessions)
        self.rows = defaultdict(list)
        self.count = 0
        return batch


def prepare(connection: Connection) -> None:
    """Settings for a bulk load in this connection's transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL TIME ZONE 'UTC'"))
        return
    # A rollback journal for the load: in write-ahead mode every page would be written
    # twice, to the log and then to the database (the app's connections switch back).
    connection.exec_driver_sql("PRAGMA journal_mode = DELETE")
    for name, (during, _after) in SQLITE_LOAD.items():
        connection.exec_driver_sql(f"PRAGMA {name} = {during}")


def restore(connection: Connection) -> None:
    """The connection's usual settings again (SQLite's pragmas outlive the transaction; the
    journal mode is set again by the next connection, sqlite_settings)."""
    if connection.dialect.name == "sqlite":
        for name, (_during, after) in SQLITE_LOAD.items():
            connection.exec_driver_sql(f"PRAGMA {name} = {after}")


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: list[Row]
) -> None:
    names = ", ".join(columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    cursor.close()


def drop_indexes(connection: Connection, tables: Iterable[str]) -> list[str]:
    """Drop the tables' plain indexes for the load and return their definitions: building an
    index once over sorted keys costs a fraction of keeping it up to date row by row.
    Indexes behind a constraint (primary keys, UNIQUE) stay. Inside the load's transaction,
    so a failed load leaves every index as it was."""
    names = sorted(tables)
    if connection.dialect.name == "postgresql":
        found = connection.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables)"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                "  WHERE c.conindid = (quote_ident(i.schemaname) || '.' ||"
                "   quote_ident(i.indexname))::regclass)"
            ),
            {"tables": names},
        ).all()
    else:
        marks = ", ".join("?" * len(names))
        found = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master"  # noqa: S608 (only ? marks are formatted in)
            f" WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tuple(names),
        ).all()
    for name, _definition in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def create_indexes(connection: Connection, definitions: Iterable[str]) -> None:
    """The dropped indexes again, sorted with more memory or a helper thread (the generators
    are done by now)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    else:
        connection.exec_driver_sql("PRAGMA threads = 2")
    for definition in definitions:
        connection.exec_driver_sql(definition)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA threads = 0")


def finish(connection: Connection, tables: Iterable[str]) -> None:
    """Sequences past the ids written (PostgreSQL), and fresh planner statistics (SQLite;
    PostgreSQL's come with the VACUUM after the commit)."""
    if connection.dialect.name == "postgresql":
        for name in tables:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"  # noqa: S608
                    f" (SELECT max(id) FROM {name}))"
                )
            )
        return
    # Sampled statistics, as PRAGMA optimize gathers them (a full ANALYZE reads everything).
    connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    connection.exec_driver_sql("ANALYZE")
