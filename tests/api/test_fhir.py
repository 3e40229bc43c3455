"""FHIR R5 Consent export: what an EHR receives is valid R5 and says what the practice knows."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.bundle import Bundle
from fhir.resources.consent import Consent as FhirConsent
from sqlalchemy import select
from werkzeug.test import TestResponse

from clinic_consent.clients.models import Client, Representative
from clinic_consent.clients.operations import add_representative
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import RecordingPlan, grant_access, plan_recording
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.sessions.operations import (
    add_client_participant,
    add_other_participant,
    add_staff_participant,
    create_session,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.api.conftest import ApiClient, token_of, user_of_role

FHIR_JSON = "application/fhir+json"
ApiAs = Callable[[str], ApiClient]


def _client(given: str) -> Client:
    return db.session.scalars(select(Client).where(Client.given_name == given)).one()


def _consents_for(client: Client) -> list[Consent]:
    return list(
        db.session.scalars(
            select(Consent)
            .join(SessionParticipant, Consent.for_participant_id == SessionParticipant.id)
            .where(SessionParticipant.client_id == client.id)
            .order_by(Consent.id)
        )
    )


def _read(api: ApiClient, consent: Consent) -> dict[str, Any]:
    response = api.get(f"/api/v1/fhir/Consent/{consent.id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    resource: dict[str, Any] = response.get_json(force=True)
    FhirConsent.model_validate(resource)
    return resource


def _search(api: ApiClient, patient: object) -> TestResponse:
    return api.get(f"/api/v1/fhir/Consent?patient={patient}")


def _sanne_consents() -> tuple[Consent, Consent]:
    """Sanne's own consent to her supervision video, and her mother's for her."""
    consents = _consents_for(_client("Sanne"))
    own = next(c for c in consents if c.party_participant is not None)
    mother = next(
        c
        for c in consents
        if c.party_representative is not None and c.party_representative.name == "Ella Jansen"
    )
    return own, mother


def _other_therapist() -> User:
    user = create_user(
        email="other.therapist@example.org",
        display_name="Olga Other",
        role="therapist",
        password="another therapist's password",
    )
    db.session.commit()
    return user


def test_every_consent_is_a_valid_r5_consent(api_as: ApiAs) -> None:
    api = api_as("practice_manager")
    consents = list(db.session.scalars(select(Consent)))
    assert len(consents) > 10
    for consent in consents:
        resource = _read(api, consent)
        assert resource["resourceType"] == "Consent"
        assert resource["id"] == str(consent.id)
        assert resource["category"][0]["coding"][0]["code"] == "59284-0"
        assert resource["controller"][0]["display"] == "Demo practice"
        assert resource["date"] == consent.decided_at.date().isoformat()


def test_a_representative_decides_as_a_contained_related_person(api_as: ApiAs) -> None:
    own, mother = _sanne_consents()
    sanne = _client("Sanne")
    sanne.external_ref = "EHR-0042"
    db.session.commit()
    api = api_as("therapist")

    resource = _read(api, mother)
    representative = mother.party_representative
    assert representative is not None
    assert resource["contained"] == [
        {
            "resourceType": "RelatedPerson",
            "id": f"rep-{representative.id}",
            "active": True,
            "patient": {
                "reference": f"Patient/{sanne.id}",
                "type": "Patient",
                "display": "Sanne Jansen",
                "identifier": {
                    "system": "urn:clinic-consent:health-record-id",
                    "value": "EHR-0042",
                },
            },
            "relationship": [
                {
                    "text": "Parent",
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                            "code": "PRN",
                            "display": "parent",
                        }
                    ],
                }
            ],
            "name": [{"text": "Ella Jansen"}],
        }
    ]
    assert resource["grantor"] == [
        {
            "reference": f"#rep-{representative.id}",
            "type": "RelatedPerson",
            "display": "Ella Jansen",
        }
    ]
    assert resource["subject"]["reference"] == f"Patient/{sanne.id}"

    # Sanne decided for herself as well: she is her own grantor, and nothing is contained.
    resource = _read(api, own)
    assert "contained" not in resource
    assert resource["grantor"][0]["reference"] == f"Patient/{sanne.id}"
    assert resource["grantor"][0]["identifier"]["value"] == "EHR-0042"


def test_a_companion_is_no_patient_and_their_representative_is_named(api_as: ApiAs) -> None:
    own, _mother = _sanne_consents()
    recording = own.recording
    therapist = user_of_role("therapist")
    brother = add_other_participant(
        recording.session,
        name="Tim Jansen",
        relation="brother",
        birth_date=recording.session.date - timedelta(days=8 * 366),
        actor=therapist,
    )
    mentor = add_representative(brother, name="Rob Mentor", relation="mentor", actor=therapist)
    consent = register_consent(
        recording,
        party=mentor,
        for_participant=brother,
        decision="granted",
        method="paper_form",
        actor=therapist,
    )
    db.session.commit()

    resource = _read(api_as("therapist"), consent)
    assert "subject" not in resource  # no Patient, Practitioner or Group to name
    [related] = resource["contained"]
    assert related["patient"] == {"display": "Tim Jansen"}
    assert related["relationship"] == [{"text": "Mentor (court-appointed representative)"}]
    assert resource["grantor"][0]["reference"] == f"#rep-{mentor.id}"


def test_a_withdrawn_consent_is_inactive_and_its_period_ends(api_as: ApiAs) -> None:
    withdrawn = db.session.scalars(select(Consent).where(Consent.withdrawn_at.is_not(None))).one()
    assert withdrawn.withdrawn_at is not None
    resource = _read(api_as("group_facilitator"), withdrawn)
    assert resource["status"] == "inactive"
    assert resource["decision"] == "permit"  # what was decided; the status says it ended
    assert resource["period"] == {
        "start": withdrawn.decided_at.date().isoformat(),
        "end": withdrawn.withdrawn_at.date().isoformat(),
    }

    standing = next(c for c in withdrawn.recording.consents if c.withdrawn_at is None)
    resource = _read(api_as("group_facilitator"), standing)
    assert (resource["status"], resource["decision"]) == ("active", "permit")
    assert "end" not in resource["period"]


def test_a_refusal_is_a_deny(api_as: ApiAs) -> None:
    daan = _client("Daan")
    mila = db.session.scalars(
        select(Representative).where(Representative.name == "Mila de Vries")
    ).one()
    recording = next(
        r
        for r in db.session.scalars(select(Recording).where(Recording.purpose == "treatment"))
        if any(p.client_id == daan.id for p in r.session.participants)
    )
    daan_p = next(p for p in recording.session.participants if p.client_id == daan.id)
    refusal = register_consent(
        recording,
        party=mila,
        for_participant=daan_p,
        decision="refused",
        method="paper_form",
        actor=user_of_role("therapist"),
    )
    db.session.commit()

    resource = _read(api_as("therapist"), refusal)
    assert (resource["status"], resource["decision"]) == ("active", "deny")
    assert resource["grantor"][0]["reference"] == f"#rep-{mila.id}"


def test_the_provision_runs_until_the_destroy_by_date_for_the_access_list(
    api_as: ApiAs,
) -> None:
    api = api_as("therapist")
    own, _mother = _sanne_consents()
    recording = own.recording
    assert recording.retention_until is not None
    provision = _read(api, own)["provision"]
    assert len(provision) == 1
    assert provision[0]["period"] == {
        "start": recording.session.date.isoformat(),
        "end": recording.retention_until.isoformat(),
    }
    assert [p["code"] for p in provision[0]["purpose"]] == ["supervision"]
    assert sorted(a["reference"]["display"] for a in provision[0]["actor"]) == [
        "Dr. P. de Wit (supervisor)",
        "Tessa Bakker",
    ]
    assert {a["role"]["coding"][0]["code"] for a in provision[0]["actor"]} == {"IRCP"}

    # Lotte's supervision recording: the supervisor's access has expired since, but the consent
    # covers what was agreed then (R7): the provision is the consent's terms, not today's list.
    lotte_supervision = next(
        c for c in _consents_for(_client("Lotte")) if c.recording.purpose == "supervision"
    )
    assert any(
        e.outside_name is not None and not e.is_active(today_utc())
        for e in lotte_supervision.recording.access_entries
    )
    provision = _read(api, lotte_supervision)["provision"]
    agreed = sorted(lotte_supervision.terms["access_list"])
    assert sorted(a["reference"]["display"] for a in provision[0]["actor"]) == agreed
    assert any("supervisor" in label for label in agreed)
    assert provision[0]["period"]["end"] == lotte_supervision.terms["retention_until"]


def test_a_sealed_form_is_the_source_attachment(api_as: ApiAs) -> None:
    own, mother = _sanne_consents()
    document = seal_consent_form(own, None)
    db.session.commit()
    pdf = document.content

    resource = _read(api_as("therapist"), own)
    assert resource["identifier"] == [
        {"system": "urn:clinic-consent:form-number", "value": document.form_number}
    ]
    [attachment] = resource["sourceAttachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert attachment["size"] == str(len(pdf))
    assert attachment["url"] == f"http://localhost/api/v1/documents/{document.id}/pdf"
    assert document.form_number in attachment["title"]
    # What the URL serves is the file the hash is of.
    served = api_as("therapist").get(attachment["url"].removeprefix("http://localhost"))
    assert served.status_code == 200
    assert base64.b64encode(hashlib.sha1(served.data).digest()).decode() == attachment["hash"]

    # A decision whose form was not sealed has neither.
    resource = _read(api_as("therapist"), mother)
    assert "sourceAttachment" not in resource
    assert "identifier" not in resource


def test_another_therapist_finds_nothing_of_clients_not_theirs(api_as: ApiAs, client: Any) -> None:
    own, _mother = _sanne_consents()
    outsider = ApiClient(client, token_of(_other_therapist()))
    for response in (
        outsider.get(f"/api/v1/fhir/Consent/{own.id}"),
        _search(outsider, _client("Sanne").id),
        _search(outsider, f"Patient/{_client('Sanne').id}"),
        api_as("administrator").get(f"/api/v1/fhir/Consent/{own.id}"),
    ):
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    # The therapist of the case does see them.
    assert api_as("therapist").get(f"/api/v1/fhir/Consent/{own.id}").status_code == 200


def _validated_bundle(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    bundle: dict[str, Any] = response.get_json(force=True)
    Bundle.model_validate(bundle)
    for entry in bundle.get("entry", []):
        FhirConsent.model_validate(entry["resource"])
        assert entry["fullUrl"].endswith(f"/api/v1/fhir/Consent/{entry['resource']['id']}")
        assert entry["search"] == {"mode": "match"}
    assert bundle["total"] == len(bundle.get("entry", []))
    return bundle


def _ids(bundle: dict[str, Any]) -> list[int]:
    return [int(e["resource"]["id"]) for e in bundle.get("entry", [])]


def test_the_bundle_lists_the_clients_consents_the_user_may_see(api_as: ApiAs, client: Any) -> None:
    lotte = _client("Lotte")
    # Another therapist sees Lotte in a session of their own, with a consent the demo's
    # therapist may not see.
    other = _other_therapist()
    session = create_session(kind="individual", on=today_utc() - timedelta(days=3), actor=other)
    other_p = add_staff_participant(session, other, actor=other)
    lotte_p = add_client_participant(session, lotte, actor=other)
    recording = plan_recording(
        session,
        RecordingPlan(made_by="clinician", recorder=other_p, medium="audio", purpose="treatment"),
        actor=other,
    )
    grant_access(recording, user=other, purpose="Treatment", actor=other)
    theirs = register_consent(
        recording,
        party=lotte_p,
        for_participant=lotte_p,
        decision="granted",
        method="paper_form",
        actor=other,
    )
    db.session.commit()
    everything = [c.id for c in _consents_for(lotte)]
    assert theirs.id in everything

    bundle = _validated_bundle(_search(api_as("therapist"), lotte.id))
    assert bundle["type"] == "searchset"
    assert bundle["link"] == [
        {"relation": "self", "url": f"http://localhost/api/v1/fhir/Consent?patient={lotte.id}"}
    ]
    assert sorted(_ids(bundle)) == sorted(i for i in everything if i != theirs.id)
    assert all(
        e["resource"]["subject"]["reference"] == f"Patient/{lotte.id}" for e in bundle["entry"]
    )

    outsider = ApiClient(client, token_of(other))
    assert _ids(_validated_bundle(_search(outsider, f"Patient/{lotte.id}"))) == [theirs.id]
    assert sorted(_ids(_validated_bundle(_search(api_as("practice_manager"), lotte.id)))) == (
        sorted(everything)
    )


def test_the_search_answers_a_page_at_a_time_with_a_link_to_the_next(api_as: ApiAs) -> None:
    lotte = _client("Lotte")
    manager = api_as("practice_manager")
    everything = _ids(_validated_bundle(_search(manager, lotte.id)))
    assert len(everything) >= 3
    seen: list[int] = []
    url: str | None = f"/api/v1/fhir/Consent?patient={lotte.id}&_count=2"
    while url is not None:
        response = manager.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200
        bundle = response.get_json(force=True)
        Bundle.model_validate(bundle)
        assert bundle["total"] == len(everything)  # all matches, not the page's
        assert len(bundle["entry"]) <= 2
        seen.extend(_ids(bundle))
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert links["self"].endswith(url.removeprefix("http://localhost"))
        url = links.get("next")
    assert seen == everything  # oldest first, each once


@pytest.mark.parametrize("query", ["_count=0", "_count=101", "_count=x", "_after=abc", "_after=1_"])
def test_a_bad_page_request_is_refused(api_as: ApiAs, query: str) -> None:
    response = _search(api_as("therapist"), f"{_client('Lotte').id}&{query}")
    assert response.status_code == 422
    assert response.get_json()["field"] == query.partition("=")[0]


def test_a_client_without_consents_is_an_empty_searchset(api_as: ApiAs) -> None:
    willem = _client("Willem")  # his recording has no access list yet: nobody decided
    bundle = _validated_bundle(_search(api_as("therapist"), willem.id))
    assert bundle["total"] == 0
    assert "entry" not in bundle


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?patient=",
        "?patient=abc",
        "?patient=Group/1",
        "?x=1",
        "?patient=0",
        "?patient=9999999999",
    ],
)
def test_the_patient_must_be_a_client_id(api_as: ApiAs, query: str) -> None:
    response = api_as("therapist").get(f"/api/v1/fhir/Consent{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "patient"


def test_the_openapi_document_describes_fhir_json(api_as: ApiAs) -> None:
    document = api_as("therapist").get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/fhir/Consent/{consent_id}", "/api/v1/fhir/Consent"):
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(content) == [FHIR_JSON]
