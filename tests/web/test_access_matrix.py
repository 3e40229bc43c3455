"""The access matrix: every object URL of the app, against every role that may not see it.

The routes are read from the app's URL map, so a page added later is covered automatically;
a route with a parameter this test cannot fill fails the test until it is added below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.api.paths import API_PREFIX
from clinic_consent.api.tokens import create_token
from clinic_consent.clients.models import Client
from clinic_consent.consents.models import Consent
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplate
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.oversight.queries import LIST_NAMES
from clinic_consent.recordings.facts import participant_key, representative_key
from clinic_consent.recordings.models import PublicationIncident, Recording, RetentionClass
from clinic_consent.sessions.models import GroupTreatment
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.conftest import sign_in_with

OTHER_PASSWORD = "another therapist's password"
NOBODYS = 10**6  # an id nobody may reach: the world has no such object
PUBLIC_OR_OWN = {
    "auth.login",
    "auth.logout",
    "auth.password",
    "auth.language",
    "web.home",
    "web.health",
    "static",
}
ADMIN_AREAS = ("admin.", "form_templates.", "retention.")  # administrators' pages: no clinical data
OWN_ONLY = ("tokens.",)  # a user's own API tokens: 404 for everyone else, the manager too


@dataclass(frozen=True)
class World:
    """The ids in one clinician's part of the demo, by URL parameter name."""

    params: dict[str, object]
    secrets: tuple[str, ...]  # text that must never appear in a refused answer


def _sealed_form_id(consent: Consent) -> int:
    document = seal_consent_form(consent, None)
    db.session.commit()
    return document.id


def _template_params() -> dict[str, object]:
    template = db.session.scalars(select(FormTemplate).order_by(FormTemplate.id)).first()
    assert template is not None
    retention_class = db.session.scalars(select(RetentionClass).order_by(RetentionClass.id)).first()
    assert retention_class is not None
    return {"template_id": template.id, "version": 1, "class_id": retention_class.id}


def _incident_id() -> int:
    """The demo's publication incident (on the therapist's covert video session)."""
    return db.session.scalars(select(PublicationIncident.id)).one()


def _token_id(user_id: int) -> int:
    """A personal API token of the world's clinician: only its owner may revoke it."""
    owner = db.session.get(User, user_id)
    assert owner is not None
    token, _secret = create_token(owner, name="health record link", days=30)
    db.session.commit()
    return token.id


def therapists_world() -> World:
    sanne = db.session.scalars(select(Client).where(Client.given_name == "Sanne")).one()
    recording = db.session.scalars(
        select(Recording).where(Recording.medium == "video", Recording.covert.is_(False))
    ).one()
    participant = next(p for p in recording.session.participants if p.client_id == sanne.id)
    consent = recording.consents[0]
    parent = sanne.representatives[0]
    return World(
        params={
            "client_id": sanne.id,
            "session_id": recording.session_id,
            "recording_id": recording.id,
            "consent_id": consent.id,
            "participant_id": participant.id,
            "representative_id": parent.id,
            "rid": parent.id,
            "entry_id": recording.access_entries[0].id,
            "party_key": representative_key(parent),
            "for_key": participant_key(participant),
            "user_id": recording.created_by_id,
            # the therapist has no group: use one nobody may reach
            "group_id": NOBODYS,
            "membership_id": NOBODYS,
            "document_id": _sealed_form_id(consent),
            "list_name": LIST_NAMES[0],
            "incident_id": _incident_id(),
            "token_id": _token_id(recording.created_by_id),
            **_template_params(),
        },
        secrets=("Sanne", "Jansen", "Ella"),
    )


def facilitators_world() -> World:
    group = db.session.scalars(select(GroupTreatment)).one()
    session = group.sessions[0]
    recording = session.recordings[0]
    member = group.members[1]
    participant = next(p for p in session.participants if p.client_id == member.client_id)
    consent = recording.consents[0]
    return World(
        params={
            "client_id": member.client_id,
            "session_id": session.id,
            "recording_id": recording.id,
            "consent_id": consent.id,
            "participant_id": participant.id,
            "representative_id": NOBODYS,
            "rid": NOBODYS,
            "entry_id": NOBODYS,
            "party_key": participant_key(participant),
            "for_key": participant_key(participant),
            "group_id": group.id,
            "membership_id": member.id,
            "user_id": group.created_by_id,
            "document_id": _sealed_form_id(consent),
            "list_name": LIST_NAMES[0],
            "incident_id": NOBODYS,  # the group has no publication incident
            "token_id": _token_id(group.created_by_id),
            **_template_params(),
        },
        secrets=(member.client.given_name, member.client.family_name, group.name),
    )


def object_urls(app: Flask, world: World, *, api: bool = False) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every page route (or API route) with an object id in it."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_OR_OWN or not rule.arguments:
            continue
        if rule.rule.startswith(API_PREFIX + "/") != api:
            continue  # the API signs in with tokens: tests/api/test_api_access_matrix.py
        missing = rule.arguments - world.params.keys()
        assert not missing, f"{rule.rule}: add {missing} to the access matrix worlds"
        values = {name: world.params[name] for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            urls.append((rule.endpoint, method, url))
    return urls


def _sign_in(client: FlaskClient, email: str, password: str) -> None:
    client.post("/logout")
    response = sign_in_with(client, email, password)
    assert response.status_code == 302


@pytest.fixture
def outsider(demo: DemoResult) -> User:
    user = create_user(
        email="other@example.org",
        display_name="Other Therapist",
        role="therapist",
        password=OTHER_PASSWORD,
    )
    db.session.commit()
    return user


def _assert_refused(
    client: FlaskClient, urls: list[tuple[str, str, str]], world: World, expected: tuple[int, ...]
) -> None:
    for endpoint, method, url in urls:
        response = client.open(url, method=method, data={})
        assert response.status_code in expected, (endpoint, method, url, response.status_code)
        body = response.get_data(as_text=True)
        for secret in world.secrets:
            assert secret not in body, (endpoint, method, url, secret)


def test_another_therapist_gets_404_on_every_object_of_the_demo(
    app: Flask, client: FlaskClient, outsider: User
) -> None:
    _sign_in(client, outsider.email, OTHER_PASSWORD)
    for world in (therapists_world(), facilitators_world()):
        urls = object_urls(app, world)
        assert urls, "no object URLs found"
        _assert_refused(client, urls, world, (404,))


def test_the_facilitator_and_the_therapist_do_not_see_each_others_objects(
    app: Flask, client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    _assert_refused(client, object_urls(app, therapists_world()), therapists_world(), (404,))
    login_as("therapist")
    world = facilitators_world()
    _assert_refused(client, object_urls(app, world), world, (404,))


def test_the_administrator_sees_no_clinical_data(
    app: Flask, client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("administrator")
    for world in (therapists_world(), facilitators_world()):
        clinical = [u for u in object_urls(app, world) if not u[0].startswith(ADMIN_AREAS)]
        _assert_refused(client, clinical, world, (404,))


def test_the_practice_manager_reads_everything_and_changes_nothing(
    app: Flask, client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    read_pages = 0
    for world in (therapists_world(), facilitators_world()):
        for endpoint, method, url in object_urls(app, world):
            response = client.open(url, method=method, data={})
            status = response.status_code
            if endpoint.startswith(ADMIN_AREAS + OWN_ONLY) or f"/{NOBODYS}" in url:
                assert status == 404, (endpoint, method, url, status)
            elif method == "POST":
                assert status == 403, (endpoint, url, status)
            else:
                # Pages that only serve a change (edit forms, capture) are 403 for a reader.
                assert status in (200, 403), (endpoint, url, status)
                read_pages += status == 200
    assert read_pages >= 4
