"""The migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import CheckConstraint, inspect

from clinic_consent.db import Base
from clinic_consent.extensions import db
from tests.conftest import make_test_app


@pytest.fixture
def empty_app(instance_path: Path, new_database_url: Callable[[], str]) -> Iterator[Flask]:
    """An app on a brand-new, empty database (no create_all), inside an app context."""
    app = make_test_app(new_database_url())
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_gives_the_models_schema(empty_app: Flask) -> None:
    flask_migrate.upgrade()

    assert schema_differences() == []


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(
    empty_app: Flask,
) -> None:
    flask_migrate.upgrade()
    assert set(Base.metadata.tables) <= table_names()

    flask_migrate.downgrade(revision="base")
    assert table_names() <= {"alembic_version"}

    flask_migrate.upgrade()
    assert schema_differences() == []


def test_every_named_check_constraint_exists_after_upgrade(empty_app: Flask) -> None:
    flask_migrate.upgrade()

    inspector = inspect(db.engine)
    missing = []
    for table in Base.metadata.sorted_tables:
        expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        missing += sorted(str(name) for name in expected - found)
    assert missing == []


def test_constraint_names_fit_postgresql_identifiers() -> None:
    """PostgreSQL silently truncates names over 63 bytes, which breaks later migrations."""
    names = [
        str(item.name)
        for table in Base.metadata.tables.values()
        for item in [*table.constraints, *table.indexes]
    ]
    assert [name for name in names if len(name) > 63] == []
