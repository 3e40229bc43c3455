"""SQLite: a backup through SQLite's online backup API (consistent while the application
writes: the copy restarts, or holds a read snapshot, rather than mixing two states), and a
restore that installs a checked copy of the backup by renaming it over the database file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
from contextlib import closing
from pathlib import Path

from clinic_consent.backup import (
    ALEMBIC_TABLE,
    BackupFailed,
    BackupRefused,
    check_key_tables,
    check_revision,
    fsync_folder,
    temporary_file_beside,
)
from clinic_consent.extensions import db

SIDE_FILES = ("-wal", "-shm", "-journal")


def database_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupRefused("the database is not an SQLite file")
    return Path(name)


def _rows(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in sorted(names)
    }


def write_backup(temporary: Path) -> dict[str, int]:
    """Copy the live database into temporary (a single file in rollback-journal mode, so that
    it needs no -wal beside it); return its rows per table."""
    path = database_path()
    if not path.is_file():  # sqlite3.connect would create an empty database
        raise BackupRefused(f"{path}: the database file does not exist")
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(temporary)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        problem = copy.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupFailed(f"the copy does not check out: {problem}")
        return _rows(copy)


def _header_size(path: Path) -> tuple[int, int]:
    """(page size, page count) from the database header."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100:
        return 0, 0
    (page_size,) = struct.unpack(">H", header[16:18])
    (page_count,) = struct.unpack(">I", header[28:32])
    return (65536 if page_size == 1 else page_size), page_count


def check(source: Path, copy: Path) -> None:
    """Refuse copy (of source) unless it is a complete, sound clinic-consent database."""
    page_size, page_count = _header_size(copy)
    size = copy.stat().st_size
    if page_size == 0 or size != page_size * page_count:
        raise BackupRefused(
            f"{source}: incomplete SQLite file ({size:,} bytes; its header says "
            f"{page_size * page_count:,})"
        )
    try:
        with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as conn:
            problem = conn.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise BackupRefused(f"{source}: damaged SQLite file ({problem})")
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            check_key_tables(source, tables)
            versions = conn.execute(f"SELECT version_num FROM {ALEMBIC_TABLE}").fetchall()  # noqa: S608
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{source}: damaged SQLite file ({exc})") from None
    check_revision(source, versions[0][0] if len(versions) == 1 else None)


def restore(source: Path) -> None:
    """Copy source beside the database, check the copy, then rename it over the database."""
    path = database_path()
    with temporary_file_beside(path, ".restore") as copy:
        shutil.copyfile(source, copy)
        check(source, copy)
        with copy.open("rb") as handle:
            os.fsync(handle.fileno())
        _checkpoint(path)
        copy.replace(path)
        for suffix in SIDE_FILES:  # the old database's, now stale
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        fsync_folder(path.parent)


def _checkpoint(path: Path) -> None:
    """Write the live database's log into it and check nobody else is using it: a process
    still serving would go on writing into the replaced file."""
    if not path.exists():
        return
    with closing(sqlite3.connect(path, timeout=5)) as conn:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        raise BackupRefused(
            f"{path}: the database is in use; stop the application before a restore"
        )
