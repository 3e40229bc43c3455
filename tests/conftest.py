"""Fixtures: an app on a fresh database per test, on SQLite or on PostgreSQL.

The database is chosen by TEST_DATABASE_URL: unset, every test gets its own SQLite file; set to
a PostgreSQL URL (e.g. postgresql://postgres@127.0.0.1:5432/test), the suite creates its own
throw-away databases next to it and drops them at the end, so it never touches the data of
the database named in the URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_babel
import pyotp
import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from clinic_consent import create_app
from clinic_consent.config import normalise_database_url
from clinic_consent.demo import DemoResult, build_demo
from clinic_consent.extensions import db
from clinic_consent.users import passwords
from clinic_consent.users.models import User

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def pytest_report_header() -> str:
    return f"clinic-consent test database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's cheapest parameters: production cost (~0.2 s a hash) would dominate the run."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(scope="session")
def new_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A factory of empty databases of the kind under test, dropped at the end of the run."""
    created: list[str] = []
    admin_url = make_url(normalise_database_url(TEST_DATABASE_URL)) if ON_POSTGRES else None

    def factory() -> str:
        if admin_url is None:
            folder = tmp_path_factory.mktemp("db")
            return f"sqlite:///{folder / 'test.sqlite3'}"
        name = f"cc_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        created.append(name)
        return admin_url.set(database=name).render_as_string(hide_password=False)

    yield factory

    if admin_url is not None and created:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def shared_postgres_url(new_database_url: Callable[[], str]) -> str | None:
    """On PostgreSQL, one database for the whole run, emptied after each test."""
    return new_database_url() if ON_POSTGRES else None


@pytest.fixture
def instance_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "instance"
    monkeypatch.setenv("CLINIC_CONSENT_INSTANCE_PATH", str(path))
    for name in ("DATABASE_URL", "SECRET_KEY", "CLINIC_CONSENT_ENV"):
        monkeypatch.delenv(name, raising=False)
    return path


class FreshRequestClient(FlaskClient):
    """Requests made while a test holds an app context share it: Flask-Login caches the
    signed-in user and Flask-Babel the locale there. In production every request has its own
    context, so drop both here."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("api_token_id", None)
            flask_babel.refresh()
        return super().open(*args, **kwargs)


def make_test_app(database_url: str, **settings: Any) -> Flask:
    """The application on ``database_url``; ``settings`` override the test configuration."""
    application = _create_test_app(database_url, settings)
    application.test_client_class = FreshRequestClient
    return application


def _create_test_app(database_url: str, settings: dict[str, Any] | None = None) -> Flask:
    return create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            **(settings or {}),
        }
    )


_schemas_created: set[str] = set()


@pytest.fixture
def app(instance_path: Path, shared_postgres_url: str | None, tmp_path: Path) -> Iterator[Flask]:
    url = shared_postgres_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    application = make_test_app(url)
    with application.app_context():
        if url not in _schemas_created:
            db.create_all()
            # On PostgreSQL the schema stays for the run; tables are emptied after each test.
            if ON_POSTGRES:
                _schemas_created.add(url)
        yield application
        db.session.remove()
        if ON_POSTGRES:
            _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    preparer = db.engine.dialect.identifier_preparer
    names = ", ".join(preparer.format_table(t) for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def another_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Another instance of the application on the test's database (a second worker or server,
    or other settings). Its connections are closed at the end of the test: a pool left to the
    garbage collector closes nothing, and psycopg warns of every connection it drops."""
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        made.append(make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], **settings))
        return made[-1]

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


DemoRows = list[tuple[Table, list[dict[str, Any]]]]


def _build_demo() -> DemoResult:
    """The demo practice (every role, every verdict), committed; its forms are not sealed
    (tests about forms seal their own: sealing all demo forms would add ~1 s to each test)."""
    from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
    from clinic_consent.practice.operations import (
        ensure_default_retention_classes,
        ensure_practice_settings,
    )

    ensure_practice_settings("Demo practice")
    ensure_default_retention_classes()
    ensure_default_form_templates()
    result = build_demo(seal_forms=False)
    db.session.commit()
    return result


@pytest.fixture(scope="session")
def demo_snapshot(
    new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[DemoResult, DemoRows]:
    """The demo practice built once per run, and every row it wrote: building it through the
    application takes about 1.5 s, copying its rows into a test's database a few milliseconds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        patch.setenv("CLINIC_CONSENT_INSTANCE_PATH", str(tmp_path_factory.mktemp("demo")))
        application = make_test_app(new_database_url())
        with application.app_context():
            db.create_all()
            result = _build_demo()
            rows = [
                (table, [dict(row._mapping) for row in db.session.execute(table.select())])
                for table in db.metadata.sorted_tables
            ]
            db.session.remove()
            db.engine.dispose()
    return result, rows


@pytest.fixture
def demo(app: Flask, demo_snapshot: tuple[DemoResult, DemoRows]) -> DemoResult:
    """The demo practice, committed in the test's database (a copy of the run's snapshot)."""
    result, rows = demo_snapshot
    for table, table_rows in rows:
        if table_rows:
            db.session.execute(table.insert(), table_rows)
    if ON_POSTGRES:
        for table, table_rows in rows:
            if table_rows and "id" in table.c:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" (SELECT max(id) FROM {table.name}))"
                    )
                )
    db.session.commit()
    return result


@pytest.fixture
def login_as(client: FlaskClient, demo: DemoResult) -> Callable[[str], User]:
    """Sign the test client in as the demo user of a role; returns that user."""

    def sign_in(role: str) -> User:
        login = next(entry for entry in demo.logins if entry.role == role)
        client.post("/logout")
        response = sign_in_with(client, login.email, login.password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return db.session.scalars(select(User).where(User.email == login.email)).one()

    return sign_in


# The key a test enrols for a manager or administrator who has none yet.
TEST_TOTP_SECRET = "TESTTOTPKEYFORCLINICCONSENTTESTS"


def sign_in_with(client: FlaskClient, email: str, password: str, **extra: str) -> TestResponse:
    """Sign in through the form as a person would, with the one-time code where the role needs
    one; the answer of the last step. A test may sign in again at once: the code's time step
    is forgotten first, which only a test can do."""
    response = client.post("/login", data={"email": email, "password": password, **extra})
    if response.status_code != 302 or not response.headers["Location"].endswith("/login/code"):
        return response
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).one()
    secret = user.totp_secret
    if secret is None:  # enrolment: a known key instead of the random one the page shows
        with client.session_transaction() as state:
            state["password_verified"] = {**state["password_verified"], "secret": TEST_TOTP_SECRET}
        secret = TEST_TOTP_SECRET
    user.totp_last_step = None
    db.session.commit()
    return client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})


@pytest.fixture
def empty_app(new_database_url: Callable[[], str], instance_path: Path) -> Iterator[Flask]:
    """An app on a database with no tables at all, as on a new installation."""
    application = make_test_app(new_database_url())
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def cli(empty_app: Flask) -> FlaskCliRunner:
    return empty_app.test_cli_runner()
