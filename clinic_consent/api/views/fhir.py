"""Consents as FHIR R5: one Consent resource, and a search by patient (a searchset Bundle)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, json, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from clinic_consent import access
from clinic_consent.api.fhir_consent import (
    BUNDLE_SCHEMA,
    CONSENT_SCHEMA,
    FHIR_MIMETYPE,
    Practice,
    consent_resource,
    searchset,
)
from clinic_consent.api.spec import error_responses
from clinic_consent.audit.access_log import note_access
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.practice.models import SETTINGS_ID, PracticeSettings
from clinic_consent.recordings.models import Recording
from clinic_consent.row_ids import MAX_ROW_ID
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.web.navigation import practice_name

URL_PREFIX = "/api/v1/fhir"
blp = Blueprint(
    "api_fhir",
    __name__,
    description="Consents as FHIR R5 Consent resources (application/fhir+json)",
)


class PatientSearchSchema(Schema):
    patient = fields.String(
        required=True,
        validate=validate.Regexp(r"^(Patient/)?[1-9][0-9]{0,9}$", error="must be a client id"),
        metadata={"description": "The client's id, or Patient/<id>", "example": "Patient/1"},
    )

    @validates("patient")
    def _a_row_id(self, value: str, **_kwargs: Any) -> None:
        """Ten digits can still exceed a row id: that is no client (422), not a database error."""
        if int(value.removeprefix("Patient/")) > MAX_ROW_ID:
            raise ValidationError("must be a client id")


def _base_url() -> str:
    return request.url_root.rstrip("/")


def _practice() -> Practice:
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    return Practice(practice_name(), settings.agb_code if settings is not None else None)


def _sealed_forms(consent_ids: Sequence[int]) -> dict[int, StoredDocument]:
    """The sealed consent form of each of these consents that has one, with its bytes (its
    hash is part of the resource)."""
    if not consent_ids:
        return {}
    documents = db.session.scalars(
        select(StoredDocument)
        .where(
            StoredDocument.consent_id.in_(consent_ids),
            StoredDocument.kind == "consent_form",
        )
        .options(undefer(StoredDocument.content))
    )
    return {d.consent_id: d for d in documents if d.consent_id is not None}


def _resources(consents: Sequence[Consent]) -> list[dict[str, Any]]:
    forms = _sealed_forms([c.id for c in consents])
    base_url, practice = _base_url(), _practice()
    return [
        consent_resource(c, base_url=base_url, practice=practice, form=forms.get(c.id))
        for c in consents
    ]


def _fhir(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=200, mimetype=FHIR_MIMETYPE)


@blp.route("/Consent/<int:consent_id>")
@blp.doc(
    summary="One consent as a FHIR R5 Consent",
    description="The decision, who made it (a representative as a contained RelatedPerson), "
    "what it covers as agreed then (purpose, the access list as recipients, until the "
    "destroy-by date) "
    "and its sealed form as sourceAttachment. Dates are UTC dates.",
    **error_responses(401, 404),
)
@blp.response(200, CONSENT_SCHEMA, content_type=FHIR_MIMETYPE)
def read_consent(consent_id: int) -> Response:
    consent = access.load_consent(consent_id)
    return _fhir(_resources([consent])[0])


@blp.route("/Consent")
@blp.doc(
    summary="A client's consents as a FHIR searchset Bundle",
    description="Every decision for the client, on recordings of sessions you may see, "
    "oldest first.",
    **error_responses(401, 404, 422),
)
@blp.arguments(PatientSearchSchema, location="query")
@blp.response(200, BUNDLE_SCHEMA, content_type=FHIR_MIMETYPE)
def search_consents(query: dict[str, str]) -> Response:
    client = access.load_client(int(query["patient"].removeprefix("Patient/")))
    who = access.user()
    consents = list(
        db.session.scalars(
            select(Consent)
            .join(SessionParticipant, Consent.for_participant_id == SessionParticipant.id)
            .join(Recording, Consent.recording_id == Recording.id)
            .where(
                SessionParticipant.client_id == client.id,
                Recording.session_id.in_(access.visible_session_ids(who)),
            )
            .order_by(Consent.decided_at, Consent.id)
            .options(
                selectinload(Consent.recording).options(
                    selectinload(Recording.access_entries), selectinload(Recording.session)
                ),
                selectinload(Consent.party_representative),
                selectinload(Consent.party_participant).options(
                    selectinload(SessionParticipant.client), selectinload(SessionParticipant.user)
                ),
                selectinload(Consent.for_participant).options(
                    selectinload(SessionParticipant.client), selectinload(SessionParticipant.user)
                ),
            )
        )
    )
    note_access("fhir.consents.search", object_type="consents", object_id=None, client_id=client.id)
    base_url = _base_url()
    return _fhir(
        searchset(
            _resources(consents),
            base_url=base_url,
            self_url=f"{base_url}{URL_PREFIX}/Consent?patient={client.id}",
        )
    )
