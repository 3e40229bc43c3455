"""Counting the SQL queries of every main page, signed in as the user who reads it; shared by
tests/pages/test_query_counts.py and bench/query_counts.py."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sized
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event

from clinic_consent.api.tokens import create_token
from clinic_consent.extensions import db
from tests import builders
from tests.conftest import sign_in_with
from tests.pages.world import World, reattach


class Statements(Counter[str]):
    """The statements sent, with how often each was sent, and the most values any one of
    them carried (an IN list of ids carries one a row)."""

    widest = 0


Counts = dict[str, tuple[int, Statements]]


@contextmanager
def counted() -> Iterator[Statements]:
    """The statements sent to the database in the block."""
    statements = Statements()

    def count(
        _conn: object, _cursor: object, statement: str, parameters: Sized, *_args: object
    ) -> None:
        statements[statement] += 1
        statements.widest = max(statements.widest, len(parameters or ()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def pages(world: World) -> list[tuple[str, str]]:
    """(who, path) of every main page and API list, about the world's growing rows."""
    assert world.group_recording is not None and world.group_session is not None
    regular = world.regular.id
    recording = world.recordings[0].id
    group_recording = world.group_recording.id
    return [
        ("therapist", "/sessions/agenda"),
        ("therapist", "/clients/"),
        ("therapist", f"/clients/{regular}"),
        ("therapist", f"/recordings/{recording}"),
        ("therapist", f"/sessions/{world.sessions[0].id}"),
        ("facilitator", f"/recordings/{group_recording}"),
        ("facilitator", f"/recordings/{group_recording}/roster"),
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
        ("facilitator", f"/api/v1/recordings/{group_recording}/consents"),
        ("therapist", f"/api/v1/fhir/Consent?patient={regular}"),
        ("manager", "/api/v1/reports/retention"),
    ]


def _sign_in(client: FlaskClient, email: str) -> None:
    client.post("/logout")
    response = sign_in_with(client, email, builders.PASSWORD)
    assert response.status_code == 302


def measure(client: FlaskClient, world: World) -> Counts:
    """Every page's query count, keyed by who reads it and its path with ids left out (the
    group session is the newest one each time)."""
    users = {
        "therapist": world.staff.therapist,
        "facilitator": world.staff.facilitator,
        "manager": world.staff.manager,
    }
    tokens = {who: create_token(user, name="counting", days=30)[1] for who, user in users.items()}
    db.session.commit()
    emails = {who: user.email for who, user in users.items()}
    found: Counts = {}
    for who, path in pages(world):
        headers = {}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {tokens[who]}"
        else:
            _sign_in(client, emails[who])
        # Each request starts with an empty session, as in production (the test's app context
        # would carry one session, with what it loaded, from request to request).
        db.session.remove()
        with counted() as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (who, path, response.status_code)
        label = re.sub(r"/\d+", "/<id>", re.sub(r"=\d+", "=<id>", path))
        found[f"{who} {label}"] = (sum(statements.values()), statements)
    reattach(world)
    return found
