"""R8: destroying a recording registers who, when, how and a witness; the recording becomes
destroyed, and its consents, sealed forms and audit trail stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.timeutil import today_utc
from tests.retention.conftest import Login, audit_actions, audit_count


def _due_training() -> Recording:
    """The demo's made training recording of Lotte that is due within 30 days."""
    today = today_utc()
    return db.session.scalars(
        select(Recording)
        .join(TreatmentSession)
        .where(
            Recording.status == "made",
            Recording.purpose == "training",
            TreatmentSession.kind == "individual",
            Recording.retention_until >= today,
            Recording.retention_until <= today + timedelta(days=30),
        )
    ).one()


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"method": "Deleted and overwritten", "witness": ""}, "This field is required."),
        ({"method": "", "witness": "Mark Dekker"}, "This field is required."),
        (
            {
                "method": "Deleted",
                "witness": "Mark Dekker",
                "destroyed_on": (today_utc() + timedelta(days=1)).isoformat(),
            },
            "cannot be in the future",
        ),
    ],
)
def test_destruction_needs_how_and_a_witness(
    client: FlaskClient, login_as: Login, data: dict[str, str], field_message: str
) -> None:
    login_as("therapist")
    recording = _due_training()
    before = audit_count()
    response = client.post(f"/recordings/{recording.id}/destroy", data=data)
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    db.session.refresh(recording)
    assert recording.status == "made" and audit_count() == before


def test_destruction_keeps_consents_forms_and_audit(client: FlaskClient, login_as: Login) -> None:
    therapist = login_as("therapist")
    recording = _due_training()
    consent_ids = [c.id for c in recording.consents]
    form_id = seal_consent_form(recording.consents[0], therapist).id
    db.session.commit()
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert 'name="witness"' in page and 'name="destroyed_on"' in page

    yesterday = today_utc() - timedelta(days=1)
    response = client.post(
        f"/recordings/{recording.id}/destroy",
        data={
            "method": "Deleted from the archive and overwritten",
            "witness": "Mark Dekker",
            "destroyed_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)  # type: ignore[assignment]
    assert recording.status == "destroyed"
    assert recording.destroyed_by_id == therapist.id
    assert recording.destroyed_at is not None and recording.destroyed_at.date() == yesterday
    assert recording.destruction_witness == "Mark Dekker"
    assert [
        c.id for c in db.session.scalars(select(Consent).where(Consent.id.in_(consent_ids)))
    ] == (consent_ids)
    assert db.session.get(StoredDocument, form_id) is not None
    actions = audit_actions("recordings", recording.id)
    assert actions[0] == "recording.planned" and actions[-1] == "recording.destroyed"
    html = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert "Deleted from the archive and overwritten" in html and "Mark Dekker" in html
    assert "consents, forms and audit trail are kept" in html
    again = client.post(
        f"/recordings/{recording.id}/destroy", data={"method": "Again", "witness": "X"}
    )
    assert again.status_code == 422
    assert "already registered" in again.get_data(as_text=True)


def test_the_practice_manager_cannot_destroy(client: FlaskClient, login_as: Login) -> None:
    login_as("practice_manager")
    recording = _due_training()
    response = client.post(
        f"/recordings/{recording.id}/destroy", data={"method": "Deleted", "witness": "X"}
    )
    assert response.status_code == 403
    db.session.refresh(recording)
    assert recording.status == "made"
