"""The access matrix through the API: the same worlds as the web pages' matrix, with tokens.

Every API route with an object id is read from the URL map; another therapist's token gets a
404 problem on each, with nothing of the object in it, and the practice manager reads but
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.users.operations import create_user
from tests.api.conftest import ApiClient, token_of
from tests.web.test_access_matrix import (
    NOBODYS,
    World,
    facilitators_world,
    object_urls,
    therapists_world,
)


def _assert_refused(api: ApiClient, app: Flask, world: World, expected: int = 404) -> int:
    urls = object_urls(app, world, api=True)
    assert urls, "no API object URLs found"
    for endpoint, method, url in urls:
        response = api.open(method, url, json={})
        assert response.status_code == expected, (endpoint, method, url, response.status_code)
        assert response.mimetype == "application/problem+json", (endpoint, url)
        body = response.get_data(as_text=True)
        for secret in world.secrets:
            assert secret not in body, (endpoint, method, url, secret)
    return len(urls)


def test_another_therapists_token_gets_404_on_every_object(
    app: Flask, client: FlaskClient, demo: DemoResult
) -> None:
    outsider = create_user(
        email="other@example.org", display_name="Other", role="therapist", password="x" * 16
    )
    api = ApiClient(client, token_of(outsider))
    checked = sum(_assert_refused(api, app, w) for w in (therapists_world(), facilitators_world()))
    assert checked >= 10


def test_the_facilitator_and_the_therapist_do_not_reach_each_others_objects(
    app: Flask, api_as: Callable[[str], ApiClient]
) -> None:
    _assert_refused(api_as("group_facilitator"), app, therapists_world())
    _assert_refused(api_as("therapist"), app, facilitators_world())


def test_the_administrators_token_reaches_no_clinical_data(
    app: Flask, api_as: Callable[[str], ApiClient]
) -> None:
    api = api_as("administrator")
    for world in (therapists_world(), facilitators_world()):
        _assert_refused(api, app, world)
    assert api.get("/api/v1/clients").status_code == 404


def test_the_practice_managers_token_reads_and_changes_nothing(
    app: Flask, api_as: Callable[[str], ApiClient]
) -> None:
    api = api_as("practice_manager")
    worlds = (therapists_world(), facilitators_world())  # (they make tokens: audited changes)
    changes_before = db.session.scalar(select(func.count(AuditEntry.id)))
    reads = 0
    for world in worlds:
        for endpoint, method, url in object_urls(app, world, api=True):
            status = api.open(method, url, json={}).status_code
            if f"/{NOBODYS}" in url:
                assert status == 404, (endpoint, url, status)
            elif method == "POST":
                assert status == 403, (endpoint, url, status)
            else:
                assert status == 200, (endpoint, url, status)
                reads += 1
    assert reads >= 6
    assert db.session.scalar(select(func.count(AuditEntry.id))) == changes_before
