"""The recording pages: planning with a live verdict, a recording's page, its access list,
made and destroyed, changing its terms, and the waiting-room notice (R10)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AccessLogEntry, AuditEntry
from clinic_consent.clients.models import Client, Representative
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.practice.operations import retention_class
from clinic_consent.recordings.models import AccessListEntry, Recording
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.conftest import sign_in_with

Login = Callable[[str], User]


@pytest.fixture
def login_as(login_as: Login) -> Login:
    """Sign in as the demo user of a role, reading the pages in English (the demo's users read
    Dutch; these tests check the English source texts)."""

    def sign_in(role: str) -> User:
        user = login_as(role)
        user.language = "en"
        db.session.commit()
        return user

    return sign_in


# --- finding the demo's sessions and recordings ---------------------------------------------


def _client_participant(given_name: str, on: Any = None) -> SessionParticipant:
    """The participant of the demo client in their session on ``on`` (default: today)."""
    query = (
        select(SessionParticipant)
        .join(Client, SessionParticipant.client_id == Client.id)
        .join(TreatmentSession, SessionParticipant.session_id == TreatmentSession.id)
        .where(Client.given_name == given_name, TreatmentSession.date == (on or today_utc()))
    )
    return db.session.scalars(query).one()


def _staff_of(session: TreatmentSession) -> SessionParticipant:
    return next(p for p in session.participants if p.role == "staff")


def _recording(given_name: str, purpose: str | None, on: Any = None) -> Recording:
    participant = _client_participant(given_name, on)
    return next(r for r in participant.session.recordings if r.purpose == purpose)


def _counts() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Recording, AccessListEntry, AuditEntry)
    )


def _status(html: str) -> str:
    match = re.search(r'id="verdict-status" class="status status-(\w+)"', html)
    assert match, html
    return match.group(1)


def _client_plan(participant: SessionParticipant, **extra: str) -> dict[str, Any]:
    return {
        "made_by": "client",
        "recorder": str(participant.id),
        "medium": "audio",
        "scope": "whole",
        "motive": "To listen back at home",
        "alternatives_offered": "A spoken summary at the end",
        "agreements": "The recording stays private",
        **extra,
    }


def _clinician_plan(staff: SessionParticipant, **extra: Any) -> dict[str, Any]:
    supervision = retention_class("supervision")
    assert supervision is not None
    return {
        "made_by": "clinician",
        "recorder": str(staff.id),
        "medium": "video",
        "scope": "whole",
        "purpose": "supervision",
        "retention_class": str(supervision.id),
        "storage_location": "Practice file server",
        "access_users": [str(staff.user_id)],
        "access_purpose": "Own supervision",
        **extra,
    }


def _plan(client: FlaskClient, session: TreatmentSession, data: dict[str, Any]) -> Any:
    return client.post(f"/recordings/new?session_id={session.id}", data=data)


def _planned(response: Any) -> Recording:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/recordings/(\d+)", response.headers["Location"])
    assert match
    recording = db.session.get(Recording, int(match.group(1)))
    assert recording is not None
    return recording


# --- planning through the form --------------------------------------------------------------


def test_plan_form_shows_the_sessions_participants_and_the_verdict_panel(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    lotte = _client_participant("Lotte")
    response = client.get(f"/recordings/new?session_id={lotte.session_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<button id="save-recording" type="submit"' in html
    assert 'id="verdict-panel"' in html
    assert f'value="{lotte.id}"' in html and "Lotte Mulder (client)" in html
    assert "Tessa Bakker (staff)" in html
    for name in ("made_by", "recorder", "alternatives_offered", "retention_class", "covert"):
        assert f'id="{name}"' in html
    assert "js/verdict.js" in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script (CSP)


def test_client_audio_in_an_individual_session_needs_no_consent(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    lotte = _client_participant("Lotte")
    recording = _planned(_plan(client, lotte.session, _client_plan(lotte)))
    assert (recording.made_by, recording.purpose) == ("client", "private")
    assert recording.alternatives_offered == "A spoken summary at the end"
    assert recording.retention_until is None and recording.access_entries == []
    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert _status(html) == "not_required"
    assert "discuss the motive" in html  # the R1 advice
    assert "A spoken summary at the end" in html


def test_clinician_video_names_every_party_and_rule(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")  # 14, two parents with authority
    staff = _staff_of(sanne.session)
    recording = _planned(_plan(client, sanne.session, _clinician_plan(staff)))
    assert [e.label for e in recording.access_entries] == ["Tessa Bakker"]
    assert recording.retention_until == sanne.session.date + timedelta(days=365)
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "recordings", AuditEntry.object_id == recording.id
        )
    ).all()
    assert "recording.planned" in actions

    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert _status(html) == "consent_required"
    assert '<span class="rule">R3</span>' in html and '<span class="rule">R6</span>' in html
    for name in ("Sanne Jansen", "Ella Jansen", "Joost Jansen"):
        assert name in html
    assert html.count("on behalf of Sanne Jansen") == 2
    parents = db.session.scalars(
        select(Representative).where(Representative.client_id == sanne.client_id)
    ).all()
    for party in [f"p{sanne.id}", *(f"r{p.id}" for p in parents)]:
        assert f'class="capture" href="/recordings/{recording.id}/consent/{party}/p{sanne.id}"' in (
            html
        )


def test_clinician_recording_without_access_list_is_incomplete(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")
    data = _clinician_plan(_staff_of(sanne.session), medium="audio", access_users=[])
    data.pop("access_purpose")
    recording = _planned(_plan(client, sanne.session, data))
    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert _status(html) == "incomplete"
    assert "who may see or hear it (the access list)" in html


def test_covert_video_is_forbidden(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    lotte = _client_participant("Lotte")
    data = _client_plan(lotte, medium="video", covert="y")
    recording = _planned(_plan(client, lotte.session, data))
    assert recording.covert
    assert _status(client.get(f"/recordings/{recording.id}").get_data(as_text=True)) == "forbidden"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"made_by": "clinician"}, "a clinician recording is made by a staff"),
        ({"medium": "film"}, "Not a valid choice"),
        ({"scope": "partial"}, "say which part is recorded"),
        ({"recorder": "999999"}, "Not a valid choice"),
        ({"motive": "x" * 2001}, "2000"),
    ],
)
def test_bad_client_plan_is_refused_and_nothing_is_written(
    client: FlaskClient, login_as: Login, change: dict[str, str], message: str
) -> None:
    login_as("therapist")
    lotte = _client_participant("Lotte")
    before = _counts()
    response = _plan(client, lotte.session, _client_plan(lotte, **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access_purpose": ""}, "is required"),
        ({"outside_name": "Dr. P. de Wit"}, "is required"),  # an outsider without purpose
        ({"retention_until": "2000-01-01"}, "cannot be before the session date"),
        ({"retention_until": "not a date"}, "Not a valid date"),
        ({"purpose": "fun"}, "Not a valid choice"),
    ],
)
def test_bad_clinician_plan_is_refused_and_nothing_is_written(
    client: FlaskClient, login_as: Login, change: dict[str, str], message: str
) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")
    before = _counts()
    response = _plan(client, sanne.session, _clinician_plan(_staff_of(sanne.session), **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts() == before


def test_retention_beyond_the_class_needs_a_written_reason(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")
    later = (sanne.session.date + timedelta(days=800)).isoformat()
    data = _clinician_plan(_staff_of(sanne.session), retention_until=later)
    response = _plan(client, sanne.session, data)
    assert response.status_code == 422
    assert "needs a written reason" in response.get_data(as_text=True)
    data["retention_reason"] = "The supervision runs for two years"
    recording = _planned(_plan(client, sanne.session, data))
    assert recording.retention_reason == "The supervision runs for two years"


# --- the live verdict -----------------------------------------------------------------------


def _preview(client: FlaskClient, data: dict[str, Any]) -> Any:
    return client.post("/recordings/preview", data=data)


@pytest.mark.parametrize(
    ("who", "change", "status"),
    [
        ("client", {}, "not_required"),
        ("client", {"medium": "video", "covert": "y"}, "forbidden"),
        ("clinician", {}, "consent_required"),
        ("clinician", {"access_users": [], "access_purpose": ""}, "incomplete"),
        ("clinician", {"purpose": ""}, "incomplete"),
    ],
)
def test_preview_gives_the_verdict_of_the_form_and_writes_nothing(
    client: FlaskClient, login_as: Login, who: str, change: dict[str, Any], status: str
) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")
    data = (
        _client_plan(sanne, **change)
        if who == "client"
        else _clinician_plan(_staff_of(sanne.session), **change)
    )
    before = _counts()
    response = _preview(client, {"form_name": "plan", "session_id": sanne.session_id, **data})
    assert response.status_code == 200
    assert _status(response.get_data(as_text=True)) == status
    assert _counts() == before


def test_preview_of_invalid_input_says_what_is_wrong_and_writes_nothing(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    sanne = _client_participant("Sanne")
    before = _counts()
    data = _clinician_plan(_staff_of(sanne.session), scope="partial", retention_until="soon")
    response = _preview(client, {"form_name": "plan", "session_id": sanne.session_id, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "verdict-status" not in html
    assert "Not a valid date" in html
    data = _client_plan(sanne, recorder=str(_staff_of(sanne.session).id))
    html = _preview(client, {"session_id": sanne.session_id, **data}).get_data(as_text=True)
    assert "a client recording is made by a client" in html
    assert _counts() == before


def test_preview_shows_new_consent_is_needed_when_a_cleared_recording_widens(
    client: FlaskClient, login_as: Login
) -> None:
    """R7: wider access, public, longer retention need a new consent, shown before saving."""
    login_as("therapist")
    supervision = _recording("Sanne", "supervision")
    base = {"recording_id": str(supervision.id)}
    before = _counts()

    unchanged = _preview(client, {**base, "form_name": "access"})
    assert _status(unchanged.get_data(as_text=True)) == "cleared"
    wider = _preview(
        client,
        {**base, "form_name": "access", "outside_name": "Dr. New", "purpose": "Teaching"},
    )
    assert wider.status_code == 200
    assert _status(wider.get_data(as_text=True)) == "consent_required"

    terms = {
        **base,
        "form_name": "terms",
        "medium": "video",
        "scope": "whole",
        "purpose": "supervision",
        "retention_class": str(supervision.retention_class_id),
        "storage_location": supervision.storage_location,
    }
    assert _status(_preview(client, terms).get_data(as_text=True)) == "cleared"
    for change in (
        {"public": "y"},
        {"retention_until": (supervision.retention_until + timedelta(days=1)).isoformat()},  # type: ignore[operator]
    ):
        html = _preview(client, {**terms, "retention_reason": "Longer", **change}).get_data(
            as_text=True
        )
        assert _status(html) == "consent_required", change
    assert _counts() == before
    db.session.refresh(supervision)
    assert supervision.public is False


# --- the recording's page: access list, made, destroyed -------------------------------------


def test_recording_page_lists_consents_access_and_withdraw_links(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("group_facilitator")
    training = next(
        r
        for r in db.session.scalars(select(Recording).where(Recording.purpose == "training"))
        if r.session.kind == "group"
    )
    html = client.get(f"/recordings/{training.id}").get_data(as_text=True)
    assert _status(html) == "refused"
    assert f'id="roster-link" href="/recordings/{training.id}/roster"' in html
    assert "Changed her mind after the session" in html  # the withdrawal reason
    granted = [c for c in training.consents if c.withdrawn_at is None]
    assert html.count('class="withdraw"') == len(granted)
    assert f'href="/consents/{granted[0].id}/withdraw"' in html
    assert "Every group facilitator" in html and "Training" in html


def test_access_is_granted_and_revoked(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    supervision = _recording("Sanne", "supervision")
    url = f"/recordings/{supervision.id}/access"
    before = _counts()
    for bad in (
        {"outside_name": "Dr. New"},  # no purpose
        {"outside_name": "Dr. New", "role": "therapist", "purpose": "Teaching"},  # two at once
        {"purpose": "Teaching"},  # nobody
    ):
        assert client.post(url, data=bad).status_code == 422, bad
    assert _counts() == before

    response = client.post(
        url, data={"outside_name": "Dr. New", "purpose": "Teaching", "valid_until": ""}
    )
    assert response.status_code == 302
    entry = supervision.access_entries[-1]
    assert (entry.outside_name, entry.purpose) == ("Dr. New", "Teaching")
    html = client.get(f"/recordings/{supervision.id}").get_data(as_text=True)
    assert "Dr. New" in html
    assert _status(html) == "consent_required"  # R7: the consents do not cover Dr. New

    revoke = f"/recordings/{supervision.id}/access/{entry.id}/revoke"
    assert client.post(revoke).status_code == 302
    db.session.refresh(entry)
    assert entry.revoked_at is not None
    assert _status(client.get(f"/recordings/{supervision.id}").get_data(as_text=True)) == "cleared"
    assert client.post(revoke).status_code == 422  # already revoked
    other = _recording("Willem", "treatment", today_utc() + timedelta(days=1))
    assert client.post(f"/recordings/{other.id}/access/{entry.id}/revoke").status_code == 404


def test_recording_is_marked_made_and_its_destruction_registered(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    recording = _recording("Daan", "treatment", today_utc() + timedelta(days=2))
    assert client.post(f"/recordings/{recording.id}/destroy", data={"method": "x"}).status_code == (
        422
    )  # never made
    assert client.post(f"/recordings/{recording.id}/made").status_code == 302
    assert recording.status == "made"
    assert client.post(f"/recordings/{recording.id}/made").status_code == 422
    response = client.post(f"/recordings/{recording.id}/destroy", data={"method": " "})
    assert response.status_code == 422
    assert recording.status == "made"
    response = client.post(
        f"/recordings/{recording.id}/destroy",
        data={"method": "Deleted from the recorder and the server", "witness": "Mark Dekker"},
    )
    assert response.status_code == 302
    db.session.refresh(recording)
    assert recording.status == "destroyed" and recording.destruction_witness == "Mark Dekker"
    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "Deleted from the recorder and the server" in html and "Tessa Bakker" in html


# --- changing the terms ---------------------------------------------------------------------


def _terms_of(recording: Recording, **change: Any) -> dict[str, Any]:
    return {
        "version": str(recording.version),
        "medium": recording.medium,
        "scope": recording.scope,
        "purpose": recording.purpose or "",
        "retention_class": str(recording.retention_class_id or ""),
        "retention_until": recording.retention_until.isoformat()
        if recording.retention_until
        else "",
        "storage_location": recording.storage_location or "",
        **change,
    }


def test_terms_change_with_the_current_version(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    recording = _recording("Daan", "treatment", today_utc() + timedelta(days=2))
    version = recording.version
    page = client.get(f"/recordings/{recording.id}/edit")
    assert page.status_code == 200
    assert f'name="version" type="hidden" value="{version}"' in page.get_data(as_text=True)
    response = client.post(
        f"/recordings/{recording.id}/edit", data=_terms_of(recording, medium="video")
    )
    assert response.status_code == 302
    db.session.refresh(recording)
    assert recording.medium == "video" and recording.version == version + 1
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "recording.terms_changed", AuditEntry.object_id == recording.id)
    )


def test_terms_change_on_a_stale_version_is_refused(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    recording = _recording("Daan", "treatment", today_utc() + timedelta(days=2))
    stale = _terms_of(recording, medium="video", version=str(recording.version - 1))
    before = _counts()
    response = client.post(f"/recordings/{recording.id}/edit", data=stale)
    assert response.status_code == 422
    assert "changed meanwhile" in response.get_data(as_text=True)
    assert _counts() == before
    db.session.refresh(recording)
    assert recording.medium == "audio"


def test_terms_of_a_made_recording_cannot_change(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    covert = _recording("Daan", "private", today_utc() - timedelta(days=7))  # made
    assert client.get(f"/recordings/{covert.id}/edit").status_code == 302
    response = client.post(f"/recordings/{covert.id}/edit", data=_terms_of(covert))
    assert response.status_code == 422


# --- who may see and do what ----------------------------------------------------------------


def test_manager_reads_the_page_for_audit_but_changes_nothing(
    client: FlaskClient, login_as: Login
) -> None:
    manager = login_as("practice_manager")
    recording = _recording("Daan", "treatment", today_utc() + timedelta(days=2))
    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert _status(html) == "consent_required"
    assert 'class="capture"' not in html and 'id="grant-form"' not in html
    assert 'id="mark-made"' not in html
    logged = db.session.scalars(
        select(AccessLogEntry).where(
            AccessLogEntry.user_id == manager.id,
            AccessLogEntry.object_type == "recordings",
            AccessLogEntry.object_id == recording.id,
        )
    ).all()
    assert [e.purpose_of_use for e in logged] == ["audit"]
    before = _counts()
    for url in (
        f"/recordings/{recording.id}/made",
        f"/recordings/{recording.id}/destroy",
        f"/recordings/{recording.id}/access",
        f"/recordings/{recording.id}/access/{recording.access_entries[0].id}/revoke",
        f"/recordings/{recording.id}/edit",
        f"/recordings/new?session_id={recording.session_id}",
        "/recordings/preview",
    ):
        data = {"method": "x", "purpose": "x", "session_id": recording.session_id}
        assert client.post(url, data=data).status_code == 403, url
    assert client.get(f"/recordings/new?session_id={recording.session_id}").status_code == 403
    assert _counts() == before


def test_another_therapist_gets_not_found(
    client: FlaskClient, login_as: Login, demo: DemoResult
) -> None:
    create_user(
        email="other@example.org",
        display_name="Timo Smit",
        role="therapist",
        password="another long password",
    )
    db.session.commit()
    sign_in_with(client, "other@example.org", "another long password")
    # Sanne's supervision video: its list names one user and an outsider, no role (Daan's
    # treatment recording lists the role therapist, so every therapist may open it).
    recording = _recording("Sanne", "supervision")
    before = _counts()
    assert client.get(f"/recordings/{recording.id}").status_code == 404
    assert client.get(f"/recordings/{recording.id}/edit").status_code == 404
    assert client.post(f"/recordings/{recording.id}/made").status_code == 404
    assert client.get(f"/recordings/new?session_id={recording.session_id}").status_code == 404
    preview = {"form_name": "access", "recording_id": str(recording.id)}
    assert client.post("/recordings/preview", data=preview).status_code == 404
    assert _counts() == before


def test_administrator_sees_no_recording(client: FlaskClient, login_as: Login) -> None:
    login_as("administrator")
    recording = _recording("Daan", "treatment", today_utc() + timedelta(days=2))
    assert client.get(f"/recordings/{recording.id}").status_code == 404


# --- the waiting-room notice (R10) ----------------------------------------------------------


def test_waiting_room_notice_is_in_dutch_and_english(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    response = client.get("/recordings/waiting-room-notice")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    blocks = dict(
        re.findall(r'<section class="notice card" lang="(\w\w)">(.*?)</section>', html, re.S)
    )
    assert set(blocks) == {"nl", "en"}
    assert "Nederlands" in blocks["nl"] and "<h2>" in blocks["nl"]
    assert "<h2>Recording your consultation</h2>" in blocks["en"]
    assert "audio recording of your own consultation" in blocks["en"]
    assert "js/print.js" in html
