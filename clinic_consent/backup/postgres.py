"""PostgreSQL: ``pg_dump`` in the custom format (no owners, no privileges) from a snapshot the
row counts are read in too, and ``pg_restore --clean --if-exists --single-transaction`` into
the configured database, so that a failure leaves it as it was.

The connection goes to the tools as libpq environment variables (PGHOST, PGUSER, PGPASSWORD...)
taken from the SQLAlchemy URL: nothing secret is ever on a command line, where ps shows it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL

from clinic_consent.backup import (
    ALEMBIC_TABLE,
    BackupFailed,
    BackupRefused,
    check_key_tables,
    check_revision,
    count_rows,
)
from clinic_consent.extensions import db

# libpq connection parameters a URL may carry as query arguments, and their variables.
_QUERY_VARIABLES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}
# A restore waits at most this long for a lock: a server still serving fails it, not hangs it.
RESTORE_LOCK_TIMEOUT = "10s"
_TABLE_IN_LIST = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def libpq_environment(url: URL) -> dict[str, str]:
    """The process environment with the URL's connection as libpq variables."""
    environment = dict(os.environ)
    given = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for argument, variable in _QUERY_VARIABLES.items():
        value = url.query.get(argument)
        if value is not None:
            given[variable] = value if isinstance(value, str) else value[-1]
    environment.update({key: value for key, value in given.items() if value})
    return environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(f"{name} is not installed (Debian: the postgresql-client package)")
    return path


def _run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (a fixed tool, arguments without secrets)
        arguments, env=environment, capture_output=True, text=True, check=False
    )


def _tool_failed(name: str, result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return f"{name} failed (exit {result.returncode}): " + (" / ".join(lines[-3:]) or "no message")


def write_backup(temporary: Path) -> dict[str, int]:
    """pg_dump into temporary from an exported snapshot; the rows per table in that snapshot."""
    pg_dump = _tool("pg_dump")
    environment = libpq_environment(db.engine.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            rows = count_rows(conn)
            result = _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={temporary}",
                ],
                environment,
            )
    if result.returncode != 0:
        raise BackupFailed(_tool_failed("pg_dump", result))
    return rows


def check(source: Path) -> None:
    """Read the whole file as pg_restore would (a truncated or damaged file fails here), and
    refuse it unless it holds a clinic-consent database at a revision this version knows."""
    pg_restore = _tool("pg_restore")
    environment = dict(os.environ)
    listing = _run([pg_restore, "--list", str(source)], environment)
    if listing.returncode != 0:
        raise BackupRefused(
            f"{source}: not a readable pg_dump file ({_tool_failed('pg_restore', listing)})"
        )
    tables = {
        match.group(2)
        for line in listing.stdout.splitlines()
        if (match := _TABLE_IN_LIST.match(line))
    }
    check_key_tables(source, tables)
    whole = _run([pg_restore, f"--file={os.devnull}", str(source)], environment)
    if whole.returncode != 0:
        raise BackupRefused(
            f"{source}: incomplete or damaged ({_tool_failed('pg_restore', whole)})"
        )
    version = _run(
        [pg_restore, "--data-only", f"--table={ALEMBIC_TABLE}", "--file=-", str(source)],
        environment,
    )
    check_revision(source, _revision_in(version.stdout))


def _revision_in(script: str) -> str | None:
    """The one row of alembic_version in the data of a pg_restore script."""
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith(f"COPY public.{ALEMBIC_TABLE} "):
            rows = []
            for row in lines:
                if row == "\\.":
                    break
                rows.append(row)
            return rows[0] if len(rows) == 1 else None
    return None


def restore(source: Path) -> None:
    """Check source, then restore it into the configured database in one transaction."""
    check(source)
    pg_restore = _tool("pg_restore")
    url = db.engine.url
    environment = libpq_environment(url)
    options = environment.get("PGOPTIONS", "")
    environment["PGOPTIONS"] = f"{options} -c lock_timeout={RESTORE_LOCK_TIMEOUT}".strip()
    result = _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={url.database}",
            str(source),
        ],
        environment,
    )
    if result.returncode != 0:
        raise BackupFailed(_tool_failed("pg_restore", result) + "; the database was left as it was")
