"""Consent pages: capture on the tablet, the group roster and withdrawal (R6, R7)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.models import Client
from clinic_consent.clients.operations import add_representative, create_client
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent
from clinic_consent.demo import signature_png
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.recordings.facts import (
    participant_key,
    representative_key,
    verdict_for_recording,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import mark_recording_made
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.sessions.operations import add_client_participant
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.builders import IndividualSession, clinician_recording, individual_session, years_ago
from tests.conftest import sign_in_with

Login = Callable[[str], User]
PNG = signature_png()
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
R4_EN = "A clinician records: every participant who is not staff consents beforehand."
R4_NL = "Een behandelaar neemt op: iedere deelnemer die geen medewerker is geeft vooraf"


@dataclass
class Setup:
    recording: Recording
    setting: IndividualSession

    @property
    def client_key(self) -> str:
        return participant_key(self.setting.client)


def _setup(therapist: User, *, language: str = "nl", age: int = 40) -> Setup:
    patient = create_client(
        given_name="Robin",
        family_name="Test",
        birth_date=years_ago(age),
        actor=therapist,
        language=language,
    )
    setting = individual_session(therapist, patient)
    recording = clinician_recording(setting, therapist)
    db.session.commit()
    return Setup(recording, setting)


def _english(user: User) -> User:
    """UI texts this test reads are checked in English, the source language."""
    user.language = "en"
    db.session.commit()
    return user


def _capture_url(recording: Recording, party: str, for_: str) -> str:
    return f"/recordings/{recording.id}/consent/{party}/{for_}"


def _sealed_document(
    client: FlaskClient, response: TestResponse, consent: Consent, kind: str
) -> StoredDocument:
    """A decision or withdrawal leads to its sealed document's page, to download or print."""
    match = re.fullmatch(r"/documents/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    document = db.session.get(StoredDocument, int(match[1]))
    assert document is not None
    assert (document.consent_id, document.kind) == (consent.id, kind)
    download = client.get(f"/documents/{document.id}/pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == document.content  # the stored bytes, never a new rendering
    return document


def _document_page(client: FlaskClient, document: StoredDocument) -> tuple[str, str]:
    """The page after a decision: its text, and where its Continue button goes."""
    page = client.get(f"/documents/{document.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert document.form_number in text
    assert f'href="/documents/{document.id}/pdf"' in text  # download
    assert f'href="/documents/{document.id}/pdf?inline=1"' in text  # open to print
    match = re.search(r'id="continue" class="button" href="([^"]+)"', text)
    assert match
    return text, match[1]


def _continue_link(client: FlaskClient, document: StoredDocument) -> str:
    return _document_page(client, document)[1]


def _consents(recording: Recording) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.recording_id == recording.id)))


def _status(recording: Recording) -> str:
    db.session.expire_all()
    return verdict_for_recording(db.session.get(Recording, recording.id)).status  # type: ignore[arg-type]


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", html.decode())


def _terms_block(html: bytes) -> str:
    match = re.search(r'<section id="consent-terms".*?</section>', html.decode(), re.S)
    assert match is not None
    return re.sub(r"\s+", " ", match.group(0))


# --- capture ---------------------------------------------------------------------------------


def test_capture_shows_the_terms_in_the_partys_language(
    client: FlaskClient, login_as: Login
) -> None:
    therapist = login_as("therapist")  # reads Dutch
    english = _setup(therapist, language="en")
    dutch = _setup(therapist, language="nl")

    response = client.get(_capture_url(english.recording, english.client_key, english.client_key))
    assert response.status_code == 200
    terms = _terms_block(response.data)
    assert 'lang="en"' in terms
    assert R4_EN in terms and "For supervision of the clinician" in terms
    assert "Tessa Bakker" in terms  # who records
    page = _text(response.data)
    assert "Nog niet gevraagd" in page  # the signed-in user's own part stays Dutch
    for marker in ('id="consent-form"', 'id="signature-pad"', 'id="submit-consent"'):
        assert marker in page
    assert 'name="signature" type="hidden"' in page
    assert re.search(r'<input checked [^>]*value="drawn_signature"', page)  # the default

    response = client.get(_capture_url(dutch.recording, dutch.client_key, dutch.client_key))
    assert R4_NL in _terms_block(response.data)


def test_granting_with_a_drawn_signature_stores_it_and_clears_the_recording(
    client: FlaskClient, login_as: Login
) -> None:
    s = _setup(login_as("therapist"))
    response = client.post(
        _capture_url(s.recording, s.client_key, s.client_key),
        data={"decision": "granted", "method": "drawn_signature", "signature": PNG_URL},
    )
    assert response.status_code == 303
    (consent,) = _consents(s.recording)
    form = _sealed_document(client, response, consent, "consent_form")
    assert _continue_link(client, form) == f"/recordings/{s.recording.id}"
    assert consent.decision == "granted" and consent.signature_png == PNG
    assert _status(s.recording) == "cleared"


def test_a_refusal_makes_the_verdict_refused(client: FlaskClient, login_as: Login) -> None:
    s = _setup(login_as("therapist"))
    response = client.post(
        _capture_url(s.recording, s.client_key, s.client_key),
        data={"decision": "refused", "method": "paper_form", "signature": PNG_URL},
    )
    assert response.status_code == 303
    (consent,) = _consents(s.recording)
    assert consent.signature_png is None  # only a drawn signature keeps an image
    assert _status(s.recording) == "refused"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "granted", "method": "verbal_witness", "witness_name": ""}, "is required"),
        ({"decision": "granted", "method": "drawn_signature"}, "draw the signature"),
        (
            {
                "decision": "granted",
                "method": "drawn_signature",
                "signature": "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff").decode(),
            },
            "must be a PNG image",
        ),
        (
            {
                "decision": "granted",
                "method": "drawn_signature",
                "signature": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode(),
            },
            "must be a PNG image",
        ),
        (
            {
                "decision": "granted",
                "method": "drawn_signature",
                "signature": "data:image/png;base64,"
                + base64.b64encode(PNG + b"\0" * 530_000).decode(),
            },
            "too large",
        ),
        ({"method": "paper_form"}, "Choose"),
    ],
    ids=["verbal-without-witness", "no-drawing", "jpeg", "not-png", "too-large", "no-decision"],
)
def test_a_bad_capture_is_422_and_saves_nothing(
    client: FlaskClient, login_as: Login, data: dict[str, str], message: str
) -> None:
    # The party reads English too: errors under the party's own fields are in their language.
    s = _setup(_english(login_as("therapist")), language="en")
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    response = client.post(_capture_url(s.recording, s.client_key, s.client_key), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _consents(s.recording) == []
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert _status(s.recording) == "consent_required"


def test_a_parent_consents_on_behalf_of_a_14_year_old(client: FlaskClient, login_as: Login) -> None:
    therapist = login_as("therapist")
    s = _setup(therapist, language="en", age=14)
    patient = db.session.get(Client, s.setting.client.client_id)
    assert patient is not None
    parent = add_representative(patient, name="Iris Test", relation="parent", actor=therapist)
    db.session.commit()
    parent_key = representative_key(parent)

    url = _capture_url(s.recording, parent_key, s.client_key)
    page = _terms_block(client.get(url).data)
    assert "You decide on behalf of Robin Test." in page
    assert "Decides for a child" in page and R4_EN in page  # why: R6, and the rule behind it
    response = client.post(url, data={"decision": "granted", "method": "paper_form"})
    assert response.status_code == 303
    (consent,) = _consents(s.recording)
    assert consent.party_representative_id == parent.id
    assert consent.for_participant_id == s.setting.client.id
    assert _status(s.recording) == "consent_required"  # the 14-year-old decides too (R6)

    client.post(
        _capture_url(s.recording, s.client_key, s.client_key),
        data={"decision": "granted", "method": "verbal_witness", "witness_name": "Iris Test"},
    )
    assert _status(s.recording) == "cleared"


def test_a_pair_the_verdict_does_not_require_is_404(client: FlaskClient, login_as: Login) -> None:
    s = _setup(login_as("therapist"))
    staff_key = participant_key(s.setting.staff)
    for party, for_ in ((staff_key, staff_key), (s.client_key, staff_key), ("p999999", "p1")):
        assert client.get(_capture_url(s.recording, party, for_)).status_code == 404
        data = {"decision": "granted", "method": "paper_form"}
        assert client.post(_capture_url(s.recording, party, for_), data=data).status_code == 404
    assert _consents(s.recording) == []


def test_the_manager_may_not_capture_or_withdraw_and_others_see_nothing(
    client: FlaskClient, login_as: Login
) -> None:
    therapist = login_as("therapist")
    s = _setup(therapist)
    consent = register_consent(
        s.recording,
        party=s.setting.client,
        for_participant=s.setting.client,
        decision="granted",
        method="paper_form",
        actor=therapist,
    )
    db.session.commit()
    capture = _capture_url(s.recording, s.client_key, s.client_key)
    withdraw = f"/consents/{consent.id}/withdraw"
    grant = {"decision": "granted", "method": "paper_form"}

    login_as("practice_manager")
    assert client.get(capture).status_code == 403
    assert client.post(capture, data=grant).status_code == 403
    assert client.get(withdraw).status_code == 403
    assert client.post(withdraw).status_code == 403
    roster = client.get(f"/recordings/{s.recording.id}/roster")
    assert roster.status_code == 200  # read-only: no links to change anything
    assert b'class="withdraw"' not in roster.data and b'class="capture' not in roster.data

    create_user(
        email="t3@example.org", display_name="Timo Smit", role="therapist", password="x" * 16
    )
    db.session.commit()
    client.post("/logout")
    sign_in_with(client, "t3@example.org", "x" * 16)
    for url in (capture, withdraw, f"/recordings/{s.recording.id}/roster"):
        assert client.get(url).status_code == 404
    assert client.post(capture, data=grant).status_code == 404
    assert client.post(withdraw).status_code == 404

    login_as("administrator")
    assert client.get(f"/recordings/{s.recording.id}/roster").status_code == 404
    db.session.expire_all()
    assert [c.withdrawn_at for c in _consents(s.recording)] == [None]


# --- roster ----------------------------------------------------------------------------------


def _member_recording() -> Recording:
    return db.session.scalars(
        select(Recording)
        .join(TreatmentSession)
        .where(TreatmentSession.kind == "group", Recording.made_by == "client")
    ).one()


def _roster(client: FlaskClient, recording: Recording) -> str:
    response = client.get(f"/recordings/{recording.id}/roster")
    assert response.status_code == 200
    return _text(response.data)


def _status_of(page: str) -> str:
    match = re.search(r'<span id="verdict-status" class="status status-(\w+)">', page)
    assert match is not None
    return match.group(1)


def _capture_links(page: str) -> list[str]:
    return re.findall(r'<a class="capture[^"]*" href="([^"]+)"', page)


def test_the_group_roster_shows_every_member_but_the_recorder(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("group_facilitator")
    recording = _member_recording()
    page = _roster(client, recording)
    table = page[page.index('<table id="roster" class="roster">') :]
    assert table.count('<tr class="role-client"') == 5
    assert "Ahmed El Amrani" not in table  # the recorder
    assert all(name in table for name in ("Bram", "Chantal", "Dewi", "Eva", "Fleur"))
    assert table.count('class="chip status-granted"') == 3
    assert table.count('class="withdraw"') == 3
    assert len(_capture_links(page)) == 2
    assert _status_of(page) == "consent_required"


def test_go_only_when_all_granted_and_a_late_joiner_waits_again(
    client: FlaskClient, login_as: Login
) -> None:
    facilitator = login_as("group_facilitator")
    recording = _member_recording()
    links = _capture_links(_roster(client, recording))
    for n, link in enumerate(links):
        response = client.post(link, data={"decision": "granted", "method": "paper_form"})
        assert response.status_code == 303
        form = _sealed_document(client, response, _consents(recording)[-1], "consent_form")
        assert _continue_link(client, form) == f"/recordings/{recording.id}/roster"
        page = _roster(client, recording)
        assert _status_of(page) == ("cleared" if n == len(links) - 1 else "consent_required")
    assert _capture_links(page) == []

    late = create_client(
        given_name="Gijs", family_name="Laat", birth_date=years_ago(30), actor=facilitator
    )
    add_client_participant(_member_recording().session, late, actor=facilitator)
    db.session.commit()
    page = _roster(client, recording)
    assert _status_of(page) == "consent_required"
    assert "Gijs Laat" in page and len(_capture_links(page)) == 1


# --- withdrawal ------------------------------------------------------------------------------


def _granted_member_consent(recording: Recording) -> Consent:
    return next(c for c in recording.consents if c.effective_decision == "granted")


def test_withdrawal_is_two_clicks_and_records_its_consequence(
    client: FlaskClient, login_as: Login
) -> None:
    _english(login_as("group_facilitator"))
    recording = _member_recording()
    consent = _granted_member_consent(recording)
    url = f"/consents/{consent.id}/withdraw"
    assert f'href="{url}"' in _roster(client, recording)

    page = client.get(url)
    assert page.status_code == 200
    text = _text(page.data)
    assert 'id="withdraw-form"' in text and 'id="confirm-withdrawal"' in text
    assert "the recording may not be made" in text

    response = client.post(url, data={"reason": "Changed my mind"})
    assert response.status_code == 303
    receipt = _sealed_document(client, response, consent, "withdrawal_receipt")
    receipt_page, next_page = _document_page(client, receipt)
    assert next_page == f"/recordings/{recording.id}/roster"
    assert "withdrawn: the recording may not be made." in receipt_page  # the flash
    assert _status(recording) == "refused"
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "consent.withdrawn", AuditEntry.object_id == consent.id
        )
    ).one()
    assert entry.details["consequence"] == "blocked"
    roster = _roster(client, recording)
    assert "Do not record." in roster and 'id="refused"' in roster

    again = client.post(url, data={"reason": "twice"})
    assert again.status_code == 422
    assert "already withdrawn" in again.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "consent.withdrawn")
        )
        == 2
    )  # the demo's own withdrawal and this one


def test_withdrawal_after_recording_means_destroy(client: FlaskClient, login_as: Login) -> None:
    therapist = _english(login_as("therapist"))
    s = _setup(therapist)
    consent = register_consent(
        s.recording,
        party=s.setting.client,
        for_participant=s.setting.client,
        decision="granted",
        method="paper_form",
        actor=therapist,
    )
    mark_recording_made(s.recording, actor=therapist)
    db.session.commit()
    url = f"/consents/{consent.id}/withdraw"
    assert "must be destroyed and the destruction registered" in _text(client.get(url).data)

    response = client.post(url, data={})
    assert response.status_code == 303
    receipt = _sealed_document(client, response, consent, "withdrawal_receipt")
    assert _continue_link(client, receipt) == f"/recordings/{s.recording.id}"
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "consent.withdrawn", AuditEntry.object_id == consent.id
        )
    ).one()
    assert entry.details["consequence"] == "destroy"
    roster = _roster(client, s.recording)
    assert "destroy the recording (or the part concerned) and register it" in roster


def test_a_refusal_cannot_be_withdrawn(client: FlaskClient, login_as: Login) -> None:
    therapist = _english(login_as("therapist"))
    s = _setup(therapist)
    refusal = register_consent(
        s.recording,
        party=s.setting.client,
        for_participant=s.setting.client,
        decision="refused",
        method="paper_form",
        actor=therapist,
    )
    db.session.commit()
    url = f"/consents/{refusal.id}/withdraw"
    assert b'id="withdraw-form"' not in client.get(url).data
    response = client.post(url, data={})
    assert response.status_code == 422
    assert "only a granted consent can be withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Consent, refusal.id).withdrawn_at is None  # type: ignore[union-attr]
