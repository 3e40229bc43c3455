"""`clinic-consent backup FILE` and `restore FILE`: a round trip gives back every row, every
sealed form byte for byte and an audit chain that verifies; a file that is not a complete
backup of the same kind of database is refused and changes nothing.

The practice here is the demo with every form sealed, on a database built by the migrations
(a restore checks the schema against the migration head), copied into each test's database.
"""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from argon2 import PasswordHasher, profiles
from click.testing import Result
from flask import Flask
from sqlalchemy import Table, inspect, select, text, update
from sqlalchemy.engine import make_url

from clinic_consent.audit.verification import run_verification
from clinic_consent.backup.postgres import libpq_environment
from clinic_consent.demo import build_demo
from clinic_consent.extensions import db
from clinic_consent.maintenance import prepare_database
from clinic_consent.users import passwords
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.conftest import ON_POSTGRES, DemoRows, make_test_app

KIND = "PostgreSQL" if ON_POSTGRES else "SQLite"
OTHER_KIND = "SQLite" if ON_POSTGRES else "PostgreSQL"
KEY_TABLES = ("consents", "stored_documents", "audit_entries")
Contents = dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def sealed_demo_rows(
    new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> DemoRows:
    """The demo practice with every decision's form and every withdrawal receipt sealed, on a
    migrated database, and a verified audit trail: built once, its rows copied per test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        patch.setenv("CLINIC_CONSENT_INSTANCE_PATH", str(tmp_path_factory.mktemp("sealed")))
        application = make_test_app(new_database_url())
        with application.app_context():
            prepare_database()
            build_demo(seal_forms=True)
            run_verification(None)
            db.session.commit()
            rows = [
                (table, [dict(row._mapping) for row in db.session.execute(table.select())])
                for table in db.metadata.sorted_tables
            ]
            db.session.remove()
            db.engine.dispose()
    return rows


def _migrated_app(url: str) -> Flask:
    application = make_test_app(url)
    with application.app_context():
        flask_migrate.upgrade()
    return application


@pytest.fixture
def practice(
    instance_path: Path, new_database_url: Callable[[], str], sealed_demo_rows: DemoRows
) -> Iterator[Flask]:
    """An app on its own migrated database holding the sealed demo practice."""
    application = _migrated_app(new_database_url())
    with application.app_context():
        for table in reversed(db.metadata.sorted_tables):  # what the migrations fill in
            db.session.execute(table.delete())
        for table, rows in sealed_demo_rows:
            if rows:
                db.session.execute(table.insert(), rows)
        if ON_POSTGRES:
            for table, rows in sealed_demo_rows:
                if rows and "id" in table.c:
                    db.session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                            f" (SELECT max(id) FROM {table.name}))"
                        )
                    )
        db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    """An empty folder for backup files."""
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def contents() -> Contents:
    """Every row of every table (alembic_version included), in primary-key order."""
    db.session.remove()
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        found: Contents = {}
        for name in names:
            if name in db.metadata.tables:
                table = _table(name)
                query = select(table).order_by(*table.primary_key.columns)
                found[name] = [tuple(row) for row in conn.execute(query)]
            else:
                found[name] = sorted(
                    tuple(row) for row in conn.execute(text(f"SELECT * FROM {name}"))
                )
    return found


def document_hashes() -> dict[int, str]:
    """SHA-256 of every stored form's bytes, by document id; each matches its stored hash."""
    table = _table("stored_documents")
    with db.engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.content, table.c.sha256)).all()
    hashes = {row.id: hashlib.sha256(row.content).hexdigest() for row in rows}
    assert hashes == {row.id: row.sha256 for row in rows}
    return hashes


def backup(app: Flask, path: Path, *args: str) -> Result:
    db.session.remove()
    return app.test_cli_runner().invoke(args=["backup", str(path), *args])


def restore(app: Flask, path: Path, *args: str, yes: bool = True) -> Result:
    db.session.remove()
    return app.test_cli_runner().invoke(
        args=["restore", str(path), *(["--yes"] if yes else []), *args]
    )


def _printed_sha256(result: Result) -> str:
    line = next(line for line in result.output.splitlines() if line.startswith("SHA-256: "))
    return line.removeprefix("SHA-256: ")


def test_a_round_trip_into_a_new_database_keeps_every_row_form_and_the_audit_chain(
    practice: Flask, new_database_url: Callable[[], str], backups: Path
) -> None:
    before = contents()
    hashes = document_hashes()
    assert all(before[name] for name in KEY_TABLES)
    path = backups / "practice.backup"

    started = time.perf_counter()
    made = backup(practice, path)
    backup_seconds = time.perf_counter() - started

    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _printed_sha256(made) == hashlib.sha256(path.read_bytes()).hexdigest()
    total = sum(len(rows) for rows in before.values())
    assert f"{len(before)} tables, {total:,} rows, {path.stat().st_size:,} bytes" in made.output
    assert list(backups.iterdir()) == [path]  # no temporary file left beside it

    elsewhere = make_test_app(new_database_url())  # an empty database, as on a new server
    with elsewhere.app_context():
        started = time.perf_counter()
        restored = restore(elsewhere, path)
        restore_seconds = time.perf_counter() - started

        assert restored.exit_code == 0, restored.output
        assert "Schema at the migration head" in restored.output
        assert f"Audit chain intact: {len(before['audit_entries'])} entries." in restored.output
        after = contents()
        assert {name: len(rows) for name, rows in after.items()} == {
            name: len(rows) for name, rows in before.items()
        }
        assert after == before
        assert document_hashes() == hashes
        verified = elsewhere.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0, verified.output
        assert verified.output.strip() == f"intact: {len(before['audit_entries'])} entries"
        db.session.remove()
        db.engine.dispose()
    print(  # figures for the issue note (pytest -s)
        f"\n{KIND}: {len(before)} tables, {total} rows compared, {len(hashes)} documents hashed;"
        f" backup {backup_seconds:.3f} s, restore {restore_seconds:.3f} s"
    )


def test_a_restore_undoes_every_change_made_after_the_backup(
    practice: Flask, backups: Path
) -> None:
    before = contents()
    hashes = document_hashes()
    path = backups / "practice.backup"
    assert backup(practice, path).exit_code == 0

    create_user(
        email="late@example.org",
        display_name="Late Arrival",
        role="therapist",
        password="a long enough password",
    )
    db.session.execute(update(User).where(User.role == "administrator").values(display_name="X"))
    db.session.commit()
    assert practice.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    changed = contents()
    assert len(changed["users"]) == len(before["users"]) + 1
    assert len(changed["audit_entries"]) > len(before["audit_entries"])
    assert len(changed["audit_verifications"]) == len(before["audit_verifications"]) + 1

    restored = restore(practice, path)

    assert restored.exit_code == 0, restored.output
    assert contents() == before
    assert document_hashes() == hashes
    assert db.session.scalar(select(User.id).where(User.email == "late@example.org")) is None


def test_backup_refuses_to_overwrite_a_file_unless_forced(practice: Flask, backups: Path) -> None:
    path = backups / "practice.backup"
    path.write_bytes(b"last week's backup")
    path.chmod(0o644)

    refused = backup(practice, path)

    assert refused.exit_code == 2
    assert "exists already (give --force to overwrite it); nothing was changed" in refused.output
    assert path.read_bytes() == b"last week's backup"
    assert list(backups.iterdir()) == [path]

    forced = backup(practice, path, "--force")

    assert forced.exit_code == 0, forced.output
    assert _printed_sha256(forced) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert restore(practice, path).exit_code == 0


def _truncated(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def _other_kind(backups: Path) -> bytes:
    """A database backup of the other kind: a real SQLite file, or a pg_dump file's start."""
    if KIND == "SQLite":
        return b"PGDMP\x01\x0e\x00\x04\x08\x01\x01" + bytes(200)
    other = backups / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE consents (id INTEGER PRIMARY KEY)")
        conn.commit()
    return other.read_bytes()


def _not_clinic_consent(backups: Path, good: bytes) -> bytes:
    """A sound backup of the same kind, of a database that is not clinic-consent's."""
    if KIND == "PostgreSQL":  # the same pg_dump file, with the tables renamed in its listing
        return good.replace(b"stored_documents", b"stored_documentz")
    other = backups / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.commit()
    return other.read_bytes()


BAD_FILES: dict[str, tuple[Callable[[Path, bytes], bytes], str]] = {
    "garbage": (
        lambda _, good: b"\x89garbage, not a backup\n" * 500,
        "not a clinic-consent backup",
    ),
    "empty": (lambda _, good: b"", "not a clinic-consent backup"),
    "the first half": (
        lambda _, good: _truncated(good, 0.5),
        "incomplete" if KIND == "SQLite" else "pg_restore failed",
    ),
    "all but its last bytes": (
        lambda _, good: good[:-100],
        "incomplete" if KIND == "SQLite" else "pg_restore failed",
    ),
    "the other kind": (
        lambda tmp_path, good: _other_kind(tmp_path),
        f"is a {OTHER_KIND} backup; this database is {KIND}",
    ),
    "not clinic-consent": (
        _not_clinic_consent,
        "not a clinic-consent database (no table",
    ),
}


@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_a_file_that_is_not_a_complete_backup_is_refused_and_changes_nothing(
    practice: Flask, backups: Path, bad: str
) -> None:
    good = backups / "good.backup"
    assert backup(practice, good).exit_code == 0
    make, message = BAD_FILES[bad]
    path = backups / "suspect.backup"
    path.write_bytes(make(backups, good.read_bytes()))
    before = contents()

    result = restore(practice, path)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "nothing was changed" in result.output
    assert contents() == before
    leftovers = {p.name for p in backups.iterdir()} - {"good.backup", "suspect.backup"}
    assert leftovers <= {"other.sqlite3"}
    if KIND == "SQLite":  # no temporary copy left beside the database
        database = Path(str(db.engine.url.database))
        assert not [p for p in database.parent.iterdir() if ".restore" in p.name]


def test_a_restore_in_production_needs_yes_and_elsewhere_asks_first(
    practice: Flask, backups: Path
) -> None:
    path = backups / "practice.backup"
    assert backup(practice, path).exit_code == 0
    create_user(
        email="late@example.org", display_name="Late", role="therapist", password="long password!"
    )
    db.session.commit()
    before = contents()

    declined = practice.test_cli_runner().invoke(args=["restore", str(path)], input="n\n")
    assert declined.exit_code == 1
    assert "Replace the whole database with the backup" in declined.output
    assert contents() == before

    practice.config["CLINIC_CONSENT_ENV"] = "production"
    refused = restore(practice, path, yes=False)
    assert refused.exit_code == 2
    assert "in production a restore needs --yes; nothing was changed" in refused.output
    assert contents() == before

    restored = restore(practice, path)
    assert restored.exit_code == 0, restored.output
    assert len(contents()["users"]) == len(before["users"]) - 1


def test_a_backup_taken_while_a_transaction_is_open_holds_only_what_was_committed(
    practice: Flask, backups: Path
) -> None:
    """The application may serve during a backup: an uncommitted change neither blocks the
    backup nor gets into it."""
    committed = contents()
    with db.engine.connect() as writer:
        writer.execute(update(_table("users")).values(display_name="uncommitted"))
        entries = _table("audit_entries")
        writer.execute(entries.delete().where(entries.c.id > 0))
        path = backups / "practice.backup"
        made = backup(practice, path)
        writer.rollback()
    assert made.exit_code == 0, made.output

    restored = restore(practice, path)

    assert restored.exit_code == 0, restored.output
    assert contents() == committed


def test_pg_dump_and_pg_restore_get_the_connection_and_its_password_in_their_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A password on a command line shows in ps: the tools get it as PGPASSWORD."""
    monkeypatch.setenv("PGPASSWORD", "someone else's")
    url = make_url(
        "postgresql+psycopg://clinic:s3cret%2Fpass@db.internal:6543/clinic_consent"
        "?sslmode=verify-full&sslrootcert=/etc/ssl/practice-ca.pem"
    )

    environment = libpq_environment(url)

    assert {key: environment[key] for key in environment if key.startswith("PG")} == {
        "PGHOST": "db.internal",
        "PGPORT": "6543",
        "PGUSER": "clinic",
        "PGPASSWORD": "s3cret/pass",
        "PGDATABASE": "clinic_consent",
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": "/etc/ssl/practice-ca.pem",
    }
