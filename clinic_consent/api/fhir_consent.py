"""Consents as FHIR R5 Consent resources, and a searchset Bundle of them, as plain dicts.

The mapping reads the stored consent and what the caller hands it (the API's base URL, the
practice, the sealed form); it never looks at the request. Dates are UTC dates,
as everywhere in the application (``timeutil``): ``date`` and ``period`` are the UTC dates of
the decision and of the withdrawal.

What the consent is about is what the person agreed to: the terms snapshot stored with the
consent (R7): the provision's purpose, the access list then (the recipients) and the period
from the session to the destroy-by date then (R8).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from clinic_consent.clients.models import Representative
from clinic_consent.consents.models import Consent
from clinic_consent.domain.terms import ConsentTerms
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.recordings.presentation import participant_name
from clinic_consent.sessions.models import SessionParticipant

Json = dict[str, Any]

FHIR_MIMETYPE: Final = "application/fhir+json"

# Code systems and identifier systems of this application (no public terminology has them).
HEALTH_RECORD_ID_SYSTEM: Final = "urn:clinic-consent:health-record-id"
FORM_NUMBER_SYSTEM: Final = "urn:clinic-consent:form-number"
PURPOSE_SYSTEM: Final = "urn:clinic-consent:recording-purpose"
# The Dutch healthcare provider code (AGB), as the Dutch FHIR profiles name it.
AGB_SYSTEM: Final = "http://fhir.nl/fhir/NamingSystem/agb-z"

LOINC: Final = "http://loinc.org"
ROLE_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
PARTICIPATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_ACTION: Final = "http://terminology.hl7.org/CodeSystem/consentaction"

CATEGORY: Final = {"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}
RECIPIENT_ROLE: Final = {
    "coding": [{"system": PARTICIPATION_TYPE, "code": "IRCP", "display": "information recipient"}]
}
# Making the recording, and letting those on its access list see or hear it.
ACTIONS: Final = (("collect", "Collect"), ("access", "Access"))
PURPOSE_DISPLAY: Final = {
    "private": "Private use by the client",
    "treatment": "Treatment",
    "training": "Training",
    "supervision": "Supervision",
    "research": "Research",
}
# A representative's relation as a v3 RoleCode where one means the same; the rest are text.
RELATION_CODES: Final = {
    "parent": ("PRN", "parent"),
    "guardian": ("GUARD", "guardian"),
    "curator": ("GUARD", "guardian"),
    "partner": ("SIGOTHR", "significant other"),
    "family": ("FAMMEMB", "family member"),
    "authorised_person": ("HPOWATT", "healthcare power of attorney"),
}
RELATION_TEXT: Final = {
    "parent": "Parent",
    "guardian": "Guardian",
    "curator": "Curator (court-appointed guardian)",
    "mentor": "Mentor (court-appointed representative)",
    "partner": "Partner",
    "family": "Family member",
    "authorised_person": "Person authorised in writing",
}


@dataclass(frozen=True)
class Practice:
    """The organisation that keeps the consents: the data controller and their manager."""

    name: str
    agb_code: str | None = None


def consent_url(base_url: str, consent_id: int) -> str:
    return f"{base_url}/api/v1/fhir/Consent/{consent_id}"


def document_url(base_url: str, document_id: int) -> str:
    return f"{base_url}/api/v1/documents/{document_id}/pdf"


def consent_resource(
    consent: Consent,
    *,
    base_url: str,
    practice: Practice,
    form: StoredDocument | None,
) -> Json:
    """The FHIR R5 Consent of one decision; ``form`` is its sealed consent form, if any."""
    resource: Json = {"resourceType": "Consent", "id": str(consent.id)}
    representative = consent.party_representative
    if representative is not None:
        resource["contained"] = [_related_person(representative, consent.for_participant)]
    if form is not None:
        resource["identifier"] = [{"system": FORM_NUMBER_SYSTEM, "value": form.form_number}]
    resource["status"] = "inactive" if consent.withdrawn_at is not None else "active"
    resource["category"] = [CATEGORY]
    subject = _person_reference(consent.for_participant)
    if subject is not None:
        resource["subject"] = subject
    resource["date"] = consent.decided_at.date().isoformat()
    resource["period"] = _period(
        consent.decided_at.date(),
        consent.withdrawn_at.date() if consent.withdrawn_at is not None else None,
    )
    resource["grantor"] = [_grantor(consent)]
    organisation = _organisation(practice)
    resource["manager"] = [organisation]
    resource["controller"] = [organisation]
    if form is not None:
        resource["sourceAttachment"] = [_attachment(form, base_url)]
    resource["decision"] = "permit" if consent.decision == "granted" else "deny"
    resource["provision"] = [_provision(consent)]
    return resource


def searchset(
    entries: Sequence[Json],
    *,
    base_url: str,
    self_url: str,
    next_url: str | None = None,
    total: int | None = None,
) -> Json:
    """A searchset Bundle of Consent resources, every one a match: one page of ``total``
    matches, with the next page's address when there is one."""
    links = [{"relation": "self", "url": self_url}]
    if next_url is not None:
        links.append({"relation": "next", "url": next_url})
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries) if total is None else total,
        "link": links,
    }
    if entries:  # FHIR JSON has no empty arrays
        bundle["entry"] = [
            {
                "fullUrl": consent_url(base_url, int(resource["id"])),
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in entries
        ]
    return bundle


# --- parts -----------------------------------------------------------------------------------


def _display(reference: Json, name: str) -> Json:
    if name.strip():  # an erased client has no name left to show
        reference["display"] = name
    return reference


def _person_reference(participant: SessionParticipant) -> Json | None:
    """A client as their Patient, a staff member as a Practitioner (by name: the practice's
    users are not published as FHIR resources); someone else has no FHIR identity here."""
    if participant.role == "client":
        client = participant.client
        assert client is not None
        reference = _display(
            {"reference": f"Patient/{client.id}", "type": "Patient"}, participant_name(participant)
        )
        if client.external_ref:
            reference["identifier"] = {
                "system": HEALTH_RECORD_ID_SYSTEM,
                "value": client.external_ref,
            }
        return reference
    if participant.role == "staff":
        return _display({"type": "Practitioner"}, participant_name(participant))
    return None


def _grantor(consent: Consent) -> Json:
    representative = consent.party_representative
    if representative is not None:
        return {
            "reference": f"#rep-{representative.id}",
            "type": "RelatedPerson",
            "display": representative.name,
        }
    party = consent.party_participant
    assert party is not None
    # Someone other than a client or staff member decided for themselves: their name only.
    return _person_reference(party) or {"display": participant_name(party)}


def _related_person(representative: Representative, for_participant: SessionParticipant) -> Json:
    patient = _person_reference(for_participant)
    if patient is None or "reference" not in patient:
        # The represented is not a client (a companion, say): named, not referenced.
        patient = {"display": participant_name(for_participant)}
    relationship: Json = {"text": RELATION_TEXT.get(representative.relation, "Representative")}
    code = RELATION_CODES.get(representative.relation)
    if code is not None:
        relationship["coding"] = [{"system": ROLE_CODE, "code": code[0], "display": code[1]}]
    return {
        "resourceType": "RelatedPerson",
        "id": f"rep-{representative.id}",
        "active": representative.ended_at is None,
        "patient": patient,
        "relationship": [relationship],
        "name": [{"text": representative.name}],
    }


def _organisation(practice: Practice) -> Json:
    reference: Json = {"type": "Organization", "display": practice.name}
    if practice.agb_code:
        reference["identifier"] = {"system": AGB_SYSTEM, "value": practice.agb_code}
    return reference


def _period(start: date | None, end: date | None) -> Json:
    period: Json = {}
    if start is not None:
        period["start"] = start.isoformat()
    if end is not None:
        period["end"] = end.isoformat()
    return period


def _attachment(form: StoredDocument, base_url: str) -> Json:
    content = form.content
    sha1 = hashlib.sha1(content, usedforsecurity=False).digest()
    attachment: Json = {"contentType": form.media_type}
    if form.template_version is not None:
        attachment["language"] = form.template_version.template.language
    attachment.update(
        {
            "url": document_url(base_url, form.id),
            # R5 JSON writes an integer64 as a string.
            "size": str(len(content)),
            # FHIR's Attachment.hash is SHA-1: a checksum of the file, not the seal's evidence
            # (that is the stored SHA-256 and the signature in the PDF).
            "hash": base64.b64encode(sha1).decode("ascii"),
            "title": f"Consent form {form.form_number}",
            "creation": form.created_at.isoformat(),
        }
    )
    return attachment


def _provision(consent: Consent) -> Json:
    """What the person agreed to: the recording's terms as they were at the decision (R7), not
    as they are now; a later change beyond them needed a new consent."""
    terms = ConsentTerms.from_json(consent.terms)
    provision: Json = {"period": _period(consent.recording.session.date, terms.retention_until)}
    if terms.access_list:
        provision["actor"] = [
            {"role": RECIPIENT_ROLE, "reference": {"display": label}}
            for label in sorted(terms.access_list)
        ]
    provision["action"] = [
        {"coding": [{"system": CONSENT_ACTION, "code": code, "display": display}]}
        for code, display in ACTIONS
    ]
    if terms.purpose is not None:
        provision["purpose"] = [
            {
                "system": PURPOSE_SYSTEM,
                "code": terms.purpose,
                "display": PURPOSE_DISPLAY.get(terms.purpose, terms.purpose),
            }
        ]
    return provision


# --- the OpenAPI description of what these endpoints answer ---------------------------------

_OBJECT: Final = {"type": "object"}
_OBJECTS: Final = {"type": "array", "minItems": 1, "items": _OBJECT}
_DATE: Final = {"type": "string", "format": "date"}

CONSENT_SCHEMA: Final[Json] = {
    "type": "object",
    "description": "A FHIR R5 Consent resource (https://hl7.org/fhir/R5/consent.html).",
    "required": [
        "resourceType",
        "id",
        "status",
        "category",
        "date",
        "period",
        "grantor",
        "manager",
        "controller",
        "decision",
        "provision",
    ],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Consent"]},
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "contained": _OBJECTS,
        "identifier": {
            **_OBJECTS,
            "description": f"The sealed form's number ({FORM_NUMBER_SYSTEM})",
        },
        "status": {"type": "string", "enum": ["active", "inactive"]},
        "category": _OBJECTS,
        "subject": {**_OBJECT, "description": "Absent for someone who is not client or staff"},
        "date": {**_DATE, "description": "The date of the decision (UTC)"},
        "period": {
            "type": "object",
            "required": ["start"],
            "properties": {"start": _DATE, "end": _DATE},
        },
        "grantor": _OBJECTS,
        "manager": _OBJECTS,
        "controller": _OBJECTS,
        "sourceAttachment": {**_OBJECTS, "description": "The sealed consent form (PDF)"},
        "decision": {"type": "string", "enum": ["permit", "deny"]},
        "provision": _OBJECTS,
    },
}

BUNDLE_SCHEMA: Final[Json] = {
    "type": "object",
    "description": "A FHIR R5 searchset Bundle of Consent resources.",
    "required": ["resourceType", "type", "total", "link"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "type": {"type": "string", "enum": ["searchset"]},
        "total": {"type": "integer", "minimum": 0},
        "link": _OBJECTS,
        "entry": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["fullUrl", "resource", "search"],
                "properties": {
                    "fullUrl": {"type": "string"},
                    "resource": CONSENT_SCHEMA,
                    "search": {
                        "type": "object",
                        "required": ["mode"],
                        "properties": {"mode": {"type": "string", "enum": ["match"]}},
                    },
                },
            },
        },
    },
}
