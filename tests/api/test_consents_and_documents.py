"""Consents and their sealed forms through the API: register, refuse, withdraw, download."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clinic_consent.clients.models import Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.demo import signature_png
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import latest_version, seal_consent_form
from clinic_consent.recordings.facts import participant_key, representative_key
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.users.models import User
from tests.api.conftest import ApiClient

Api = Callable[[str], ApiClient]
SIGNATURE = base64.b64encode(signature_png()).decode()


def _recordings_of(given_name: str) -> list[Recording]:
    return list(
        db.session.scalars(
            select(Recording)
            .join(SessionParticipant, SessionParticipant.session_id == Recording.session_id)
            .join(Client, Client.id == SessionParticipant.client_id)
            .where(Client.given_name == given_name)
            .order_by(Recording.id)
        )
    )


def _daans_treatment() -> tuple[Recording, str, str]:
    """A planned recording waiting for one consent: Daan's (9) mother's, on his behalf (R6)."""
    recording = next(r for r in _recordings_of("Daan") if r.purpose == "treatment")
    mother = db.session.scalars(
        select(Representative).where(Representative.name == "Mila de Vries")
    ).one()
    daan = next(p for p in recording.session.participants if p.role == "client")
    return recording, representative_key(mother), participant_key(daan)


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Consent.id))) or 0,
        db.session.scalar(select(func.count(StoredDocument.id))) or 0,
    )


def _verdict(api: ApiClient, recording: Recording) -> dict[str, Any]:
    response = api.get(f"/api/v1/recordings/{recording.id}")
    assert response.status_code == 200
    return response.get_json()["verdict"]  # type: ignore[no-any-return]


def _download(api: ApiClient, document: dict[str, Any]) -> bytes:
    response = api.get(document["pdf_url"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.get_data()


def test_a_drawn_signature_is_registered_sealed_and_changes_the_verdict(api_as: Api) -> None:
    api = api_as("therapist")
    recording, mother, daan = _daans_treatment()
    assert _verdict(api, recording)["status"] == "consent_required"

    response = api.post(
        f"/api/v1/recordings/{recording.id}/consents",
        json={
            "party": mother,
            "for": daan,
            "decision": "granted",
            "method": "drawn_signature",
            "signature_png": SIGNATURE,
        },
    )
    assert response.status_code == 201, response.get_json()
    consent = response.get_json()
    assert (consent["party"], consent["for"], consent["decision"]) == (mother, daan, "granted")
    assert consent["party_name"] == "Mila de Vries"
    assert consent["for_client_id"] == recording.session.participants[1].client_id
    assert consent["still_covers"] is True
    # The text pinned is the latest representative form in the party's language.
    pinned = latest_version("representative_consent", "nl")
    assert consent["template_version"]["id"] == pinned.id
    assert _verdict(api, recording)["status"] == "cleared"

    [form] = consent["documents"]
    assert form["kind"] == "consent_form"
    metadata = api.get(form["url"]).get_json()
    assert metadata["consent_id"] == consent["id"]
    assert metadata["recording_id"] == recording.id
    assert metadata["template_version"]["id"] == pinned.id
    pdf = _download(api, form)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == metadata["sha256"]
    assert len(pdf) == metadata["size_bytes"]

    assert api.get(f"/api/v1/consents/{consent['id']}").get_json() == consent
    listed = api.get(f"/api/v1/recordings/{recording.id}/consents").get_json()
    assert [c["id"] for c in listed] == [consent["id"]]


def test_a_refusal_on_paper_stops_the_recording(api_as: Api) -> None:
    api = api_as("therapist")
    recording, mother, daan = _daans_treatment()
    decided = datetime.now(UTC) - timedelta(hours=2)
    response = api.post(
        f"/api/v1/recordings/{recording.id}/consents",
        json={
            "party": mother,
            "for": daan,
            "decision": "refused",
            "method": "paper_form",
            "decided_at": decided.isoformat(),
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["decision"] == "refused"
    assert response.get_json()["decided_at"] == decided.isoformat()
    assert _verdict(api, recording)["status"] == "refused"
    # A refusal is not withdrawn: nothing was given.
    again = api.post(f"/api/v1/consents/{response.get_json()['id']}/withdraw", json={})
    assert again.status_code == 409


def test_a_withdrawal_is_sealed_and_cannot_be_registered_twice(api_as: Api) -> None:
    api = api_as("therapist")
    recording = next(r for r in _recordings_of("Sanne") if r.purpose == "supervision")
    assert _verdict(api, recording)["status"] == "cleared"
    consent = recording.consents[0]
    before = _counts()

    response = api.post(
        f"/api/v1/consents/{consent.id}/withdraw", json={"reason": "Changed her mind"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["consequence"] == "blocked"  # it is only planned: it may not be made
    assert body["consent"]["decision"] == "withdrawn"
    assert body["consent"]["withdrawal_reason"] == "Changed her mind"
    # The demo's forms are not sealed: the receipt is the consent's only document here.
    [receipt] = body["consent"]["documents"]
    assert receipt["kind"] == "withdrawal_receipt"
    assert _download(api, receipt).startswith(b"%PDF")
    assert _verdict(api, recording)["status"] == "refused"
    assert _counts() == (before[0], before[1] + 1)

    twice = api.post(f"/api/v1/consents/{consent.id}/withdraw", json={})
    assert twice.status_code == 409
    assert twice.mimetype == "application/problem+json"
    assert _counts() == (before[0], before[1] + 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"signature_png": None}, "signature_png"),  # drawn, but nothing drawn
        ({"signature_png": base64.b64encode(b"GIF89a...").decode()}, "signature_png"),
        ({"signature_png": "not base64!"}, "signature_png"),
        ({"method": "verbal_witness", "signature_png": None}, "witness_name"),
        ({"decision": "withdrawn"}, "decision"),
        ({"method": "email"}, "method"),
        ({"party": "p999999"}, "party"),
        ({"for": "p999999"}, "party"),
        ({"decided_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "decided_at"),
        ({"decided_at": "2026-11-01T10:00:00"}, "decided_at"),  # no time zone
        ({"template_version_id": 999999}, "template_version_id"),
        ({"template_version_id": 2**40}, "template_version_id"),
    ],
)
def test_bad_consent_input_is_refused_and_nothing_is_written(
    api_as: Api, change: dict[str, Any], field: str
) -> None:
    api = api_as("therapist")
    recording, mother, daan = _daans_treatment()
    body = {
        "party": mother,
        "for": daan,
        "decision": "granted",
        "method": "drawn_signature",
        "signature_png": SIGNATURE,
    }
    before = _counts()
    response = api.post(f"/api/v1/recordings/{recording.id}/consents", json=body | change)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == field
    assert _counts() == before
    assert _verdict(api, recording)["status"] == "consent_required"


def test_a_form_text_of_another_kind_is_refused(api_as: Api) -> None:
    recording, mother, daan = _daans_treatment()
    other_kind = latest_version("video_recording", "nl")
    before = _counts()
    response = api_as("therapist").post(
        f"/api/v1/recordings/{recording.id}/consents",
        json={
            "party": mother,
            "for": daan,
            "decision": "granted",
            "method": "paper_form",
            "template_version_id": other_kind.id,
        },
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "template_version_id"
    assert _counts() == before


def test_a_recording_that_needs_no_consent_refuses_one(api_as: Api) -> None:
    private = next(r for r in _recordings_of("Lotte") if r.made_by == "client")  # R1
    lotte = participant_key(private.recorder)
    before = _counts()
    response = api_as("therapist").post(
        f"/api/v1/recordings/{private.id}/consents",
        json={"party": lotte, "for": lotte, "decision": "granted", "method": "paper_form"},
    )
    assert response.status_code == 409
    assert _counts() == before


def test_the_practice_manager_reads_consents_but_registers_nothing(api_as: Api) -> None:
    api = api_as("practice_manager")
    recording, mother, daan = _daans_treatment()
    sanne_consent = next(r for r in _recordings_of("Sanne")).consents[0]
    before = _counts()
    registered = api.post(
        f"/api/v1/recordings/{recording.id}/consents",
        json={"party": mother, "for": daan, "decision": "granted", "method": "paper_form"},
    )
    assert registered.status_code == 403
    # The role is checked before the body: a bad body is still a 403, not a 422.
    assert api.post(f"/api/v1/recordings/{recording.id}/consents", json={}).status_code == 403
    assert api.post(f"/api/v1/consents/{sanne_consent.id}/withdraw", json={}).status_code == 403
    assert _counts() == before
    assert api.get(f"/api/v1/consents/{sanne_consent.id}").status_code == 200
    listed = api.get(f"/api/v1/recordings/{sanne_consent.recording_id}/consents")
    assert listed.status_code == 200
    assert len(listed.get_json()) == 3  # Sanne herself and both parents


def test_another_therapists_documents_and_consents_are_not_found(api_as: Api) -> None:
    group_recording = db.session.scalars(
        select(Recording)
        .join(TreatmentSession)
        .where(TreatmentSession.group_treatment_id.is_not(None), Recording.made_by == "clinician")
    ).one()
    consent = group_recording.consents[0]
    facilitator = db.session.get(User, consent.registered_by_id)
    document = seal_consent_form(consent, facilitator)
    db.session.commit()

    facilitator_api = api_as("group_facilitator")
    assert facilitator_api.get(f"/api/v1/documents/{document.id}").status_code == 200
    therapist = api_as("therapist")
    assert therapist.get(f"/api/v1/documents/{document.id}").status_code == 404
    assert therapist.get(f"/api/v1/documents/{document.id}/pdf").status_code == 404
    assert therapist.get(f"/api/v1/consents/{consent.id}").status_code == 404
    assert therapist.get(f"/api/v1/recordings/{group_recording.id}/consents").status_code == 404
    withdrawn = therapist.post(f"/api/v1/consents/{consent.id}/withdraw", json={})
    assert withdrawn.status_code == 404
    assert therapist.get("/api/v1/documents/999999").status_code == 404
