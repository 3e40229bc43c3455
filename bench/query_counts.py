"""SQL queries per main page with few and with many rows behind it (bench/scale.py), on a
throw-away SQLite database, through the operations (tests/pages/world.py) and Flask's test
client; the same count as tests/pages/test_query_counts.py, at the benchmark's sizes."""

from __future__ import annotations

from pathlib import Path

from clinic_consent import create_app
from clinic_consent.extensions import db

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105


def queries_per_page(rows: tuple[int, int], folder: Path) -> dict[str, dict[str, int]]:
    from tests.conftest import FreshRequestClient
    from tests.pages import counting
    from tests.pages import world as pages_world

    app = create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'queries.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.test_client_class = FreshRequestClient  # a request's signed-in user is its own
    few, many = rows
    with app.app_context():
        db.create_all()
        world = pages_world.build()
        pages_world.grow(world, few)
        client = app.test_client()
        first = counting.measure(client, world)
        print(f"  {few} rows: counted; growing to {many}", flush=True)
        pages_world.grow(world, many - few)
        second = counting.measure(client, world)
        db.session.remove()
        db.engine.dispose()
    return {
        page: {str(few): count, str(many): second[page][0]} for page, (count, _s) in first.items()
    }
