"""Backups of the whole database, and restoring one: SQLite by its online backup API
(``sqlite.py``), PostgreSQL by ``pg_dump``/``pg_restore`` in the custom format (``postgres.py``).

A backup file is written under a temporary name beside its destination with mode 0600 (it holds
health data) and renamed into place only when complete. A restore checks the whole file first
(its kind, that it is complete, that it is a clinic-consent database at a revision this version
knows) and touches the database only when every check passed; afterwards it reports the
revision against the migration head, the rows per table and the audit chain.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, func, inspect, select, table

from clinic_consent.audit import chain
from clinic_consent.extensions import db

SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format (-Fc)
# A backup must hold these to be a clinic-consent database (besides alembic_version).
KEY_TABLES = ("consents", "stored_documents", "audit_entries")
ALEMBIC_TABLE = "alembic_version"


class BackupRefused(Exception):
    """The request or the file cannot be used; nothing was written or changed."""


class BackupFailed(Exception):
    """The backup or restore tool failed; the message says what it reported."""


@dataclass(frozen=True)
class BackupSummary:
    kind: str
    path: Path
    rows: dict[str, int]  # per table, as in the file
    size_bytes: int
    sha256: str
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    kind: str
    revision: str | None
    heads: tuple[str, ...]
    rows: dict[str, int]  # per table, as in the database after the restore
    audit: chain.ChainReport | None  # None when the schema is not at head (not checked)
    seconds: float

    @property
    def at_head(self) -> bool:
        return self.revision is not None and (self.revision,) == self.heads


def database_kind() -> str:
    name = db.engine.dialect.name
    if name == "sqlite":
        return SQLITE
    if name == "postgresql":
        return POSTGRESQL
    raise BackupRefused(f"backups of {name} databases are not supported")


def file_kind(path: Path) -> str | None:
    """SQLite, PostgreSQL (a pg_dump custom-format file) or None, from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PG_DUMP_MAGIC):
        return POSTGRESQL
    return None


def migration_heads() -> tuple[str, ...]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return tuple(ScriptDirectory.from_config(config).get_heads())


def check_revision(source: Path, revision: str | None) -> None:
    """Refuse a backup whose schema revision this version of clinic-consent does not know."""
    if revision is None:
        raise BackupRefused(f"{source}: has no schema revision (alembic_version is empty)")
    config = current_app.extensions["migrate"].migrate.get_config()
    scripts = ScriptDirectory.from_config(config)
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupRefused(
            f"{source}: its schema revision {revision} is unknown to this version of "
            "clinic-consent (made by a newer version?)"
        )


def check_key_tables(source: Path, tables: set[str]) -> None:
    missing = [name for name in (ALEMBIC_TABLE, *KEY_TABLES) if name not in tables]
    if missing:
        raise BackupRefused(
            f"{source}: not a clinic-consent database (no table {', '.join(missing)})"
        )


def count_rows(conn: Connection) -> dict[str, int]:
    """Rows per table of the connected database (every table, alembic_version included)."""
    return {
        name: conn.scalar(select(func.count()).select_from(table(name))) or 0
        for name in sorted(inspect(conn).get_table_names())
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def temporary_file_beside(path: Path, suffix: str) -> Iterator[Path]:
    """A new empty file (mode 0600) in path's folder, removed at the end unless renamed away."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def make_backup(target: Path, *, force: bool) -> BackupSummary:
    """Write a backup of the application's database to target; refuse an existing file
    unless force."""
    from clinic_consent.backup import postgres, sqlite

    kind = database_kind()
    if target.is_dir():
        raise BackupRefused(f"{target}: is a folder")
    if not target.parent.is_dir():
        raise BackupRefused(f"{target.parent}: no such folder")
    if target.exists() and not force:
        raise BackupRefused(f"{target}: exists already (give --force to overwrite it)")
    started = time.perf_counter()
    write: Callable[[Path], dict[str, int]] = (
        sqlite.write_backup if kind == SQLITE else postgres.write_backup
    )
    with temporary_file_beside(target, ".tmp") as temporary:
        rows = write(temporary)
        os.chmod(temporary, 0o600)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        if force:
            os.replace(temporary, target)
        else:
            try:  # a link fails if the name was taken meanwhile: never overwrite
                os.link(temporary, target)
            except FileExistsError:
                raise BackupRefused(
                    f"{target}: exists already (give --force to overwrite it)"
                ) from None
        fsync_folder(target.parent)
    return BackupSummary(
        kind=kind,
        path=target,
        rows=rows,
        size_bytes=target.stat().st_size,
        sha256=sha256_of(target),
        seconds=time.perf_counter() - started,
    )


def restore_backup(source: Path) -> RestoreSummary:
    """Replace the application's database with the backup in source, after checking it.

    Raises BackupRefused, with the database untouched, when source is not a complete backup
    of a clinic-consent database of the same kind."""
    from clinic_consent.backup import postgres, sqlite

    kind = database_kind()
    if not source.is_file():
        raise BackupRefused(f"{source}: no such file")
    found = file_kind(source)
    if found is None:
        raise BackupRefused(
            f"{source}: not a clinic-consent backup (neither an SQLite database nor a "
            "pg_dump custom-format file)"
        )
    if found != kind:
        raise BackupRefused(f"{source}: is a {found} backup; this database is {kind}")
    started = time.perf_counter()
    # The application's own connections would block the restore (PostgreSQL) or keep the old
    # file open (SQLite): close them; the session reconnects afterwards.
    db.session.remove()
    db.engine.dispose()
    if kind == SQLITE:
        sqlite.restore(source)
    else:
        postgres.restore(source)
    db.engine.dispose()
    return _after_restore(kind, started)


def _after_restore(kind: str, started: float) -> RestoreSummary:
    heads = migration_heads()
    with db.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        rows = count_rows(conn)
    audit = chain.verify() if revision is not None and (revision,) == heads else None
    db.session.remove()
    return RestoreSummary(
        kind=kind,
        revision=revision,
        heads=heads,
        rows=rows,
        audit=audit,
        seconds=time.perf_counter() - started,
    )
