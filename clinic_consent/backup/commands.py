"""clinic-consent backup FILE / restore FILE: the whole database, SQLite or PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app

from clinic_consent.backup import (
    BackupFailed,
    BackupRefused,
    make_backup,
    restore_backup,
)

EXIT_REFUSED = 2  # nothing was written or changed
EXIT_FAILED = 1


def _refused(command: str, message: str) -> NoReturn:
    click.echo(f"clinic-consent {command}: {message}; nothing was changed.", err=True)
    sys.exit(EXIT_REFUSED)


def _failed(command: str, message: str) -> NoReturn:
    click.echo(f"clinic-consent {command}: {message}", err=True)
    sys.exit(EXIT_FAILED)


def _rows_text(rows: dict[str, int]) -> str:
    total = sum(rows.values())
    return f"{len(rows)} tables, {total:,} rows"


@click.command("backup")
@click.argument("target", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def backup_command(target: Path, force: bool) -> None:
    """Write a consistent backup of the whole database to FILE, while the application may go
    on serving: SQLite through its online backup API, PostgreSQL with pg_dump (custom
    format, no owners or privileges). FILE gets mode 0600, since it holds health data, and
    appears only when complete. Keep instance/seal/ as well: it is not in the database."""
    try:
        summary = make_backup(target, force=force)
    except BackupRefused as exc:
        _refused("backup", str(exc))
    except (BackupFailed, OSError) as exc:
        _failed("backup", str(exc))
    click.echo(
        f"Backed up the {summary.kind} database to {summary.path}: {_rows_text(summary.rows)}, "
        f"{summary.size_bytes:,} bytes, in {summary.seconds:.2f} s."
    )
    click.echo(f"SHA-256: {summary.sha256}")
    for name, count in summary.rows.items():
        click.echo(f"  {name:<32} {count:>10,}")


@click.command("restore")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--yes", is_flag=True, help="Replace the database without asking (required in production)."
)
def restore_command(source: Path, yes: bool) -> None:
    """Replace the whole database with the backup in FILE, made by 'clinic-consent backup'.

    Stop the application first: it must not serve while the database is replaced. FILE is
    checked completely before the database is touched; a file that is not a complete backup
    of a clinic-consent database of the same kind (SQLite or PostgreSQL) is refused with exit
    code 2 and changes nothing. SQLite: the checked copy is renamed over the database file
    in one step. PostgreSQL: pg_restore --clean --single-transaction, so a failure leaves the
    database as it was. Afterwards the schema is checked against the migration head and the
    audit chain is verified: exit 0 when both are fine, 1 otherwise."""
    production = current_app.config["CLINIC_CONSENT_ENV"] == "production"
    if not yes:
        if production:
            _refused("restore", "in production a restore needs --yes")
        click.confirm(
            f"Replace the whole database with the backup in {source}?", abort=True, err=True
        )
    try:
        summary = restore_backup(source)
    except BackupRefused as exc:
        _refused("restore", str(exc))
    except (BackupFailed, OSError) as exc:
        _failed("restore", str(exc))
    click.echo(
        f"Restored the {summary.kind} database from {source}: {_rows_text(summary.rows)}, "
        f"in {summary.seconds:.2f} s."
    )
    for name, count in summary.rows.items():
        click.echo(f"  {name:<32} {count:>10,}")
    if not summary.at_head:
        _failed(
            "restore",
            f"the schema is at revision {summary.revision or 'none'}, not at the migration "
            f"head {', '.join(summary.heads)}: run 'clinic-consent db upgrade'",
        )
    click.echo(f"Schema at the migration head ({summary.revision}).")
    audit = summary.audit
    assert audit is not None
    if not audit.intact:
        _failed(
            "restore",
            f"the audit chain is broken at entry #{audit.first_broken_id}: {audit.reason}",
        )
    click.echo(f"Audit chain intact: {audit.entries_checked:,} entries.")


COMMANDS: list[click.Command] = [backup_command, restore_command]
