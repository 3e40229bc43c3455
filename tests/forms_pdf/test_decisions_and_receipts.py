"""Every decision gets its sealed form and every withdrawal its receipt: a refusal reads as a
refusal, a receipt records the withdrawal, and the demo seals them all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent
from clinic_consent.demo import DEMO_LOGINS, DemoResult, build_demo
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form, seal_withdrawal_receipt
from clinic_consent.forms_pdf.verification import verify_pdf
from clinic_consent.practice.operations import (
    ensure_default_retention_classes,
    ensure_practice_settings,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.users.models import User
from tests.forms_pdf.tools import pdf_text

WITHDRAWAL_REASON = "Changed her mind after the session"  # as the demo registers it


def _documents(consent_id: int) -> dict[str, StoredDocument]:
    return {
        document.kind: document
        for document in db.session.scalars(
            select(StoredDocument).where(StoredDocument.consent_id == consent_id)
        )
    }


def _language(consent: Consent) -> str:
    assert consent.party_participant is not None and consent.party_participant.client is not None
    return consent.party_participant.client.language


def test_a_withdrawal_gets_a_sealed_receipt_beside_the_form(
    poppler: None, withdrawn_consent: Consent, tmp_path: Path
) -> None:
    form = seal_consent_form(withdrawn_consent, actor=None)
    receipt = seal_withdrawal_receipt(withdrawn_consent, actor=None)
    db.session.commit()

    documents = _documents(withdrawn_consent.id)
    assert set(documents) == {"consent_form", "withdrawal_receipt"}
    assert documents["withdrawal_receipt"].id == receipt.id
    assert receipt.form_number != form.form_number
    assert receipt.content != form.content
    assert verify_pdf(receipt.content).ok
    text = pdf_text(receipt.content, tmp_path)
    with force_locale(_language(withdrawn_consent)):
        heading, withdrawn_on = gettext("Withdrawal"), gettext("Withdrawn on")
    assert heading in text
    assert withdrawn_on in text
    assert WITHDRAWAL_REASON in text
    assert WITHDRAWAL_REASON not in pdf_text(form.content, tmp_path)


def test_a_receipt_is_made_once(withdrawn_consent: Consent) -> None:
    first = seal_withdrawal_receipt(withdrawn_consent, actor=None)
    db.session.commit()

    assert seal_withdrawal_receipt(withdrawn_consent, actor=None).id == first.id
    assert len(_documents(withdrawn_consent.id)) == 1


def test_no_receipt_for_a_consent_that_stands(signed_consent: Consent) -> None:
    with pytest.raises(OperationError, match="has not been withdrawn"):
        seal_withdrawal_receipt(signed_consent, actor=None)
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(StoredDocument)) == 0


def test_a_refusal_is_sealed_as_a_refusal(poppler: None, demo: DemoResult, tmp_path: Path) -> None:
    """A group member refuses a fellow member's recording, aloud with a witness."""
    recording = db.session.scalars(
        select(Recording)
        .join(TreatmentSession)
        .where(Recording.made_by == "client", TreatmentSession.kind == "group")
    ).one()
    answered = {consent.party_participant_id for consent in recording.consents}
    pending = [
        p
        for p in recording.session.participants
        if p.role == "client" and p.id != recording.recorder_participant_id and p.id not in answered
    ]
    email = next(login.email for login in DEMO_LOGINS if login.role == "group_facilitator")
    facilitator = db.session.scalars(select(User).where(User.email == email)).one()
    consent = register_consent(
        recording,
        party=pending[0],
        for_participant=pending[0],
        decision="refused",
        method="verbal_witness",
        witness_name="Floor Visser",
        actor=facilitator,
    )

    document = seal_consent_form(consent, actor=facilitator)
    db.session.commit()

    text = pdf_text(document.content, tmp_path)
    with force_locale(_language(consent)):
        refused, granted = gettext("I do not consent"), gettext("I consent")
    assert refused in text
    assert granted not in text.replace(refused, "")
    assert "Floor Visser" in text
    assert document.template_version is not None
    assert document.template_version.template.kind == "client_group_recording"


@pytest.fixture
def sealed_demo(app: Flask) -> DemoResult:
    ensure_practice_settings("Demo practice")
    ensure_default_retention_classes()
    ensure_default_form_templates()
    result = build_demo(seal_forms=True)
    db.session.commit()
    return result


def test_the_demo_seals_a_form_per_decision_and_a_receipt_per_withdrawal(
    sealed_demo: DemoResult,
) -> None:
    consents = list(db.session.scalars(select(Consent)))
    documents = list(db.session.scalars(select(StoredDocument)))
    decisions = Counter(consent.effective_decision for consent in consents)
    kinds = Counter(document.kind for document in documents)

    assert decisions["granted"] > 0 and decisions["withdrawn"] > 0
    assert kinds["consent_form"] == len(consents)
    assert kinds["withdrawal_receipt"] == decisions["withdrawn"]
    assert sealed_demo.forms == len(documents) == len(consents) + decisions["withdrawn"]
    for consent in consents:
        expected = {"consent_form"} | (
            {"withdrawal_receipt"} if consent.withdrawn_at is not None else set()
        )
        assert set(_documents(consent.id)) == expected
    assert all(verify_pdf(document.content).ok for document in documents)
