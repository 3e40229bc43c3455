"""Consents as FHIR R5: one Consent resource, and a search by patient (a searchset Bundle)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from flask import Response, json, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import func, select
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
from clinic_consent.api.paging import PAGE_DEFAULT, keyset_rows
from clinic_consent.api.spec import error_responses
from clinic_consent.audit.access_log import note_access
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.keyset import Keyset, moment_id, moment_id_key
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


SEARCH_PAGE_MAX = 100  # each entry reads its sealed form to hash it


class PatientSearchSchema(Schema):
    count = fields.Integer(
        data_key="_count",
        strict=False,
        load_default=PAGE_DEFAULT,
        validate=validate.Range(1, SEARCH_PAGE_MAX),
        metadata={"description": "Entries per page (FHIR's _count)"},
    )
    after = fields.String(
        data_key="_after",
        validate=validate.Length(1, 40),
        metadata={"description": "Where the page starts: from the Bundle's next link"},
    )
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


# A search answers a page at a time, oldest decision first, with what each resource shows in
# a fixed number of queries (by the ids of one page: at most SEARCH_PAGE_MAX of each).
OLDEST_FIRST = Keyset(
    (Consent.decided_at, Consent.id),
    moment_id_key,
    lambda consent: moment_id(consent.decided_at, consent.id),
)
SEARCH_LOADING = (
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
    "oldest first, `_count` at a time; `total` counts them all, and the Bundle's `next` link "
    "names the following page.",
    **error_responses(401, 404, 422),
)
@blp.arguments(PatientSearchSchema, location="query")
@blp.response(200, BUNDLE_SCHEMA, content_type=FHIR_MIMETYPE)
def search_consents(query: dict[str, Any]) -> Response:
    client = access.load_client(int(query["patient"].removeprefix("Patient/")))
    who = access.user()
    matches = (
        select(Consent)
        .join(SessionParticipant, Consent.for_participant_id == SessionParticipant.id)
        .join(Recording, Consent.recording_id == Recording.id)
        .where(
            SessionParticipant.client_id == client.id,
            access.in_visible_session(who, Recording.session_id),
        )
    )
    total = db.session.scalar(select(func.count()).select_from(matches.subquery())) or 0
    consents, next_after = keyset_rows(
        matches.options(*SEARCH_LOADING),
        OLDEST_FIRST,
        query.get("after"),
        query["count"],
        field="_after",
    )
    note_access("fhir.consents.search", object_type="consents", object_id=None, client_id=client.id)
    base_url = _base_url()
    search_url = f"{base_url}{URL_PREFIX}/Consent"
    next_url = None
    if next_after is not None:
        arguments = {**request.args.to_dict(), "_after": next_after}
        next_url = f"{search_url}?{urlencode(arguments)}"
    return _fhir(
        searchset(
            _resources(consents),
            base_url=base_url,
            self_url=f"{search_url}?{urlencode(request.args)}",
            next_url=next_url,
            total=total,
        )
    )
