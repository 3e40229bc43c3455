"""The access list of a recording (R4): only the people on it (and the manager, for audit) open
the recording's page, its terms and its file reference; everyone else gets a 404, logged.

The consent workflow (roster, capture) stays open to the session's clinicians, without the
storage location.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AccessLogEntry, AuditEntry
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import participant_key
from clinic_consent.recordings.models import AccessListEntry, Recording
from clinic_consent.recordings.operations import (
    RecordingPlan,
    grant_access,
    plan_recording,
    revoke_access,
)
from clinic_consent.sessions.operations import add_staff_participant
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests.builders import (
    PASSWORD,
    IndividualSession,
    Staff,
    client,
    individual_session,
    make_staff,
    practice_defaults,
)
from tests.conftest import sign_in_with

STORAGE = "Vault 7, shelf B"
PAGES = ("", "/edit")  # the recording's page and its terms


@dataclass
class World:
    staff: Staff
    setting: IndividualSession
    recording: Recording  # planned by staff.therapist, recorded by them; empty access list


@pytest.fixture
def world(app: Flask) -> World:
    practice_defaults()
    staff = make_staff()
    patient = client(staff.therapist, name="Noor")
    # A session a month ago, so an access entry can already have ended.
    setting = individual_session(staff.therapist, patient, today_utc() - timedelta(days=30))
    add_staff_participant(setting.session, staff.other_therapist, actor=staff.therapist)
    recording = plan_recording(
        setting.session,
        RecordingPlan(
            made_by="clinician",
            recorder=setting.staff,
            medium="video",
            purpose="supervision",
            retention_until=setting.session.date + timedelta(days=300),
            storage_location=STORAGE,
        ),
        actor=staff.therapist,
    )
    db.session.commit()
    return World(staff, setting, recording)


def _sign_in(http: FlaskClient, who: User) -> None:
    http.post("/logout")
    response = sign_in_with(http, who.email, PASSWORD)
    assert response.status_code == 302


def _log_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0


def _last_log() -> AccessLogEntry:
    entry = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id.desc())).first()
    assert entry is not None
    return entry


def _url(world: World, page: str = "") -> str:
    return f"/recordings/{world.recording.id}{page}"


@pytest.mark.parametrize("page", PAGES)
def test_session_staff_not_on_the_list_gets_404_and_the_refusal_is_logged(
    client: FlaskClient, world: World, page: str
) -> None:
    other = world.staff.other_therapist
    _sign_in(client, other)
    response = client.get(_url(world, page))
    assert response.status_code == 404
    assert STORAGE not in response.get_data(as_text=True)
    refusal = _last_log()
    assert (refusal.outcome, refusal.user_id) == ("denied", other.id)
    assert (refusal.object_type, refusal.object_id) == ("recordings", world.recording.id)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("grantee", ["user", "role"])
def test_an_active_entry_by_user_or_by_role_opens_the_recording(
    client: FlaskClient, world: World, grantee: str, page: str
) -> None:
    other = world.staff.other_therapist
    grant_access(
        world.recording,
        user=other if grantee == "user" else None,
        role=other.role if grantee == "role" else None,
        purpose="Second opinion",
        valid_until=today_utc() + timedelta(days=7),
        actor=world.staff.therapist,
    )
    db.session.commit()
    _sign_in(client, other)
    response = client.get(_url(world, page))
    assert response.status_code == 200
    assert STORAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("ended", ["expired", "revoked"])
def test_an_expired_or_revoked_entry_gives_404(
    client: FlaskClient, world: World, ended: str
) -> None:
    other = world.staff.other_therapist
    entry = grant_access(
        world.recording,
        user=other,
        purpose="Second opinion",
        valid_until=today_utc() - timedelta(days=1) if ended == "expired" else None,
        actor=world.staff.therapist,
    )
    if ended == "revoked":
        revoke_access(entry, actor=world.staff.therapist)
    db.session.commit()
    _sign_in(client, other)
    assert client.get(_url(world)).status_code == 404
    assert _last_log().outcome == "denied"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["creator", "recorder"])
def test_the_creator_and_the_staff_recorder_open_it_without_an_entry(
    client: FlaskClient, world: World, who: str, page: str
) -> None:
    staff = world.staff
    # Planned by the other therapist, recorded by the therapist: both may open it.
    recording = plan_recording(
        world.setting.session,
        RecordingPlan(made_by="clinician", recorder=world.setting.staff, medium="audio"),
        actor=staff.other_therapist,
    )
    db.session.commit()
    _sign_in(client, staff.other_therapist if who == "creator" else staff.therapist)
    assert client.get(f"/recordings/{recording.id}{page}").status_code == 200


def test_the_manager_reads_it_and_the_log_says_audit(client: FlaskClient, world: World) -> None:
    _sign_in(client, world.staff.manager)
    response = client.get(_url(world))
    assert response.status_code == 200
    assert STORAGE in response.get_data(as_text=True)
    read = _last_log()
    assert (read.outcome, read.purpose_of_use) == ("success", "audit")
    assert (read.user_id, read.object_id) == (world.staff.manager.id, world.recording.id)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("reader", ["therapist", "manager", "other_therapist"])
def test_every_view_of_a_recording_page_writes_one_access_log_entry(
    client: FlaskClient, world: World, reader: str, page: str
) -> None:
    _sign_in(client, getattr(world.staff, reader))
    before = _log_count()
    client.get(_url(world, page))
    assert _log_count() == before + 1
    assert _last_log().object_type == "recordings"


@pytest.mark.parametrize("reader", ["therapist", "other_therapist"])
def test_the_consent_pages_are_open_to_session_staff_but_never_show_the_storage_location(
    client: FlaskClient, world: World, reader: str
) -> None:
    _sign_in(client, getattr(world.staff, reader))
    key = participant_key(world.setting.client)
    for page in ("/roster", f"/consent/{key}/{key}"):
        response = client.get(_url(world, page))
        assert response.status_code == 200, page
        assert STORAGE not in response.get_data(as_text=True), page


def test_a_clients_own_recording_stays_open_to_the_session_staff(
    client: FlaskClient, world: World
) -> None:
    own = plan_recording(
        world.setting.session,
        RecordingPlan(made_by="client", recorder=world.setting.client, medium="audio"),
        actor=world.staff.therapist,
    )
    db.session.commit()
    _sign_in(client, world.staff.other_therapist)
    assert client.get(f"/recordings/{own.id}").status_code == 200


def test_granting_and_revoking_on_the_page_are_audited_and_take_effect(
    client: FlaskClient, world: World
) -> None:
    other = world.staff.other_therapist
    _sign_in(client, world.staff.therapist)
    form = {"user": str(other.id), "purpose": "Second opinion"}
    response = client.post(_url(world, "/access"), data=form)
    assert response.status_code in (302, 303)  # back to the page
    entry = db.session.scalars(select(AccessListEntry)).one()
    _sign_in(client, other)
    assert client.get(_url(world)).status_code == 200

    _sign_in(client, world.staff.therapist)
    response = client.post(_url(world, f"/access/{entry.id}/revoke"), data={})
    assert response.status_code in (302, 303)  # back to the page
    _sign_in(client, other)
    assert client.get(_url(world)).status_code == 404
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "access_list_entries")
    ).all()
    assert actions == ["access.granted", "access.revoked"]


def test_lists_send_staff_not_on_the_list_to_the_consents_not_to_a_404(
    client: FlaskClient, world: World
) -> None:
    world.staff.other_therapist.language = "en"
    db.session.commit()
    _sign_in(client, world.staff.other_therapist)
    page = client.get(f"/sessions/{world.setting.session.id}").get_data(as_text=True)
    assert f'href="/recordings/{world.recording.id}"' not in page
    roster = f"/recordings/{world.recording.id}/roster"
    assert f'href="{roster}"' in page and "you are not on its access list" in page
    assert client.get(roster).status_code == 200

    _sign_in(client, world.staff.therapist)  # who planned it opens its page from the list
    page = client.get(f"/sessions/{world.setting.session.id}").get_data(as_text=True)
    assert f'href="/recordings/{world.recording.id}"' in page
