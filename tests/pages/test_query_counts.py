"""The SQL queries a main page costs do not grow with the rows behind it: each page lists a
page of rows with a fixed number of queries (eager loading, counts, keyset pages)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from clinic_consent.extensions import db
from tests import builders
from tests.api.conftest import token_of
from tests.pages import world as pages_world

ROWS_BEFORE, ROWS_AFTER = 3, 24


@contextmanager
def counted() -> Iterator[Counter[str]]:
    statements: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements[statement] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def pages(world: pages_world.World) -> list[tuple[str, str]]:
    """(who, path) of every main page and API list, about the world's growing rows."""
    assert world.group_recording is not None and world.group_session is not None
    regular = world.regular.id
    recording = world.recordings[0].id
    return [
        ("therapist", "/sessions/agenda"),
        ("therapist", "/clients/"),
        ("therapist", f"/clients/{regular}"),
        ("therapist", f"/recordings/{recording}"),
        ("therapist", f"/sessions/{world.sessions[0].id}"),
        ("facilitator", f"/recordings/{world.group_recording.id}"),
        ("facilitator", f"/recordings/{world.group_recording.id}/roster"),
        ("facilitator", f"/groups/{world.group.id}"),
        ("facilitator", f"/sessions/{world.group_session.id}"),
        ("manager", "/dashboard"),
        ("manager", "/dashboard/lists/overdue"),
        ("manager", "/clients/"),
        ("manager", "/sessions/agenda"),
        ("manager", f"/clients/{regular}/accesses"),
        ("manager", "/audit-log"),
        ("manager", "/audit-log/accesses"),
        ("manager", "/groups/"),
        ("therapist", "/api/v1/clients"),
        ("therapist", "/api/v1/sessions"),
        ("therapist", f"/api/v1/sessions/{world.sessions[0].id}/recordings"),
        ("facilitator", f"/api/v1/recordings/{world.group_recording.id}/consents"),
        ("therapist", f"/api/v1/fhir/Consent?patient={regular}"),
        ("manager", "/api/v1/reports/retention"),
    ]


def sign_in(client: FlaskClient, email: str) -> None:
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": builders.PASSWORD})
    assert response.status_code == 302


def measure(client: FlaskClient, world: pages_world.World) -> dict[str, tuple[int, Counter[str]]]:
    emails = {
        "therapist": world.staff.therapist.email,
        "facilitator": world.staff.facilitator.email,
        "manager": world.staff.manager.email,
    }
    tokens = {
        who: token_of(user)
        for who, user in (
            ("therapist", world.staff.therapist),
            ("facilitator", world.staff.facilitator),
            ("manager", world.staff.manager),
        )
    }
    found = {}
    for who, path in pages(world):
        headers = {}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {tokens[who]}"
        else:
            sign_in(client, emails[who])
        with counted() as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (who, path, response.status_code)
        # Keyed by page, not object: the group session is the newest one each time.
        label = re.sub(r"/\d+", "/<id>", re.sub(r"=\d+", "=<id>", path))
        found[f"{who} {label}"] = (sum(statements.values()), statements)
    return found


def test_queries_per_page_do_not_grow_with_the_rows(app: Flask, client: FlaskClient) -> None:
    world = pages_world.build()
    pages_world.grow(world, ROWS_BEFORE)
    few = measure(client, world)
    pages_world.grow(world, ROWS_AFTER - ROWS_BEFORE)
    many = measure(client, world)
    assert set(many) == set(few)
    for page, (count, statements) in many.items():
        before = few[page][0]
        if count != before:
            repeated = [s[:160] for s, n in statements.items() if n > 2]
            print(page, before, count, repeated)
    assert {page: n for page, (n, _) in many.items()} == {page: n for page, (n, _) in few.items()}
