"""Consents: a recording's decisions, registering one with its sealed form, and withdrawal
with its sealed receipt: the same steps, in the same order, as the tablet pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from clinic_consent import access
from clinic_consent.api.loading import loaded
from clinic_consent.api.problems import abort_problem, refusals
from clinic_consent.api.schemas.consents import (
    ConsentInputSchema,
    ConsentSchema,
    WithdrawalSchema,
    WithdrawInputSchema,
)
from clinic_consent.api.spec import error_responses
from clinic_consent.api.views.documents import document_link, template_version_body
from clinic_consent.audit.access_log import note_access
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.consents.views import shown_version
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplateVersion, StoredDocument
from clinic_consent.forms_pdf.operations import (
    consent_documents,
    documents_of_consent,
    form_kind_for,
    latest_version,
    seal_consent_form,
    seal_withdrawal_receipt,
)
from clinic_consent.recordings.facts import (
    consent_party_key,
    current_terms,
    participant_key,
    still_covers,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import RequiredRow, participant_name, verdict_view
from clinic_consent.sessions.models import SessionParticipant

URL_PREFIX = "/api/v1"
blp = Blueprint("api_consents", __name__, description="Consents and their withdrawal")


def _party_name(consent: Consent) -> str:
    if consent.party_participant is not None:
        return participant_name(consent.party_participant)
    assert consent.party_representative is not None
    return consent.party_representative.name


def _with_parties(recording: Recording) -> Sequence[Consent]:
    """The recording's consents in decision order, with who gave them and for whom."""

    def person() -> tuple[Any, ...]:
        return (joinedload(SessionParticipant.client), joinedload(SessionParticipant.user))

    # Joined, not selected by ids: a group's hundreds of decisions in one query, however many.
    return (
        db.session.scalars(
            select(Consent)
            .where(Consent.recording_id == recording.id)
            .options(
                joinedload(Consent.party_participant).options(*person()),
                joinedload(Consent.for_participant).options(*person()),
                joinedload(Consent.party_representative),
                joinedload(Consent.template_version),
            )
            .order_by(Consent.decided_at, Consent.id)
        )
        .unique()
        .all()
    )


def consent_bodies(recording: Recording, consents: Sequence[Consent]) -> list[dict[str, Any]]:
    """The consents of one recording, with their documents found in one query."""
    terms = current_terms(recording)
    documents = consent_documents(recording.id)
    return [_consent_body(c, still_covers(c, terms), documents.get(c.id, [])) for c in consents]


def consent_body(consent: Consent) -> dict[str, Any]:
    """One consent: its own documents only (its recording may have a group's hundreds)."""
    covers = still_covers(consent, current_terms(consent.recording))
    return _consent_body(consent, covers, documents_of_consent(consent.id))


def _consent_body(
    consent: Consent, covers: bool, documents: list[StoredDocument]
) -> dict[str, Any]:
    return {
        "id": consent.id,
        "recording_id": consent.recording_id,
        "party": consent_party_key(consent),
        "party_name": _party_name(consent),
        "for_": participant_key(consent.for_participant),
        "for_client_id": consent.for_participant.client_id,
        "decision": consent.effective_decision,
        "method": consent.method,
        "witness_name": consent.witness_name,
        "decided_at": consent.decided_at,
        "registered_at": consent.registered_at,
        "withdrawn_at": consent.withdrawn_at,
        "withdrawal_reason": consent.withdrawal_reason,
        "template_version": template_version_body(consent.template_version),
        "still_covers": covers,
        "documents": [document_link(d) for d in documents],
    }


def _note_change(event: str, consent: Consent, action: str) -> None:
    note_access(
        event,
        object_type="consents",
        object_id=consent.id,
        client_id=consent.for_participant.client_id,
        action=action,
    )


def _required_row(recording: Recording, party: str, for_: str) -> RequiredRow:
    """The consent the verdict asks of ``party`` about ``for_``, as the capture page finds it."""
    view = verdict_view(recording)
    row = next((r for r in view.rows if r.party.key == party and r.for_party.key == for_), None)
    if row is not None and row.for_party.participant is not None:
        return row
    if not view.rows:
        abort_problem(409, f"This recording asks nobody's consent (its verdict: {view.status}).")
    abort_problem(
        422, "The verdict asks no consent of this party about this participant.", field="party"
    )


def _version_shown(values: dict[str, Any], latest: FormTemplateVersion) -> FormTemplateVersion:
    """The text the party read: the one named (checked as on the tablet), or the latest."""
    if values["template_version_id"] is None:
        return latest
    try:
        return shown_version(str(values["template_version_id"]), latest)
    except OperationError as error:
        abort_problem(422, str(error.message), field="template_version_id")


@blp.route("/recordings/<int:recording_id>/consents")
class RecordingConsents(MethodView):
    @blp.doc(summary="Every decision about a recording", **error_responses(401, 404))
    @blp.response(200, ConsentSchema(many=True))
    def get(self, recording_id: int) -> list[dict[str, Any]]:
        recording = access.load_recording(recording_id)
        return consent_bodies(recording, _with_parties(recording))

    @loaded(access.load_recording, "recording_id", "recording", change=True)
    @blp.doc(
        summary="Register a decision, and seal its form",
        description="`party` and `for` name one of the verdict's required consents. The form "
        "text version the party read is pinned, and the sealed form is stored and listed in "
        "`documents`.",
        **error_responses(400, 401, 403, 404, 409, 422),
    )
    @blp.arguments(ConsentInputSchema)
    @blp.response(201, ConsentSchema)
    def post(self, values: dict[str, Any], recording: Recording) -> dict[str, Any]:
        who = access.user()
        row = _required_row(recording, values["party"], values["for_"])
        latest = latest_version(
            form_kind_for(recording, row.party.representative is not None), row.party.language
        )
        version = _version_shown(values, latest)
        party = row.party.participant or row.party.representative
        assert party is not None and row.for_party.participant is not None
        with refusals(signature="signature_png"):
            consent = register_consent(
                recording,
                party=party,
                for_participant=row.for_party.participant,
                decision=values["decision"],
                method=values["method"],
                witness_name=values["witness_name"],
                signature_png=values["signature_png"],
                decided_at=values["decided_at"],
                actor=who,
                template_version=version,
            )
            seal_consent_form(consent, who)
        _note_change("consents.create", consent, "create")
        return consent_body(consent)


@blp.route("/consents/<int:consent_id>")
@blp.doc(summary="One decision", **error_responses(401, 404))
@blp.response(200, ConsentSchema)
def get_consent(consent_id: int) -> dict[str, Any]:
    return consent_body(access.load_consent(consent_id))


@blp.route("/consents/<int:consent_id>/withdraw", methods=["POST"])
@loaded(access.load_consent, "consent_id", "consent", change=True)
@blp.doc(
    summary="Withdraw a granted consent, and seal the receipt",
    description="Possible at any time (R7); the recording may then not be made, or must be "
    "destroyed. The receipt is listed in the consent's `documents`.",
    **error_responses(400, 401, 403, 404, 409, 422),
)
@blp.arguments(WithdrawInputSchema)
@blp.response(200, WithdrawalSchema)
def withdraw(values: dict[str, Any], consent: Consent) -> dict[str, Any]:
    who = access.user()
    with refusals():
        consequence = withdraw_consent(consent, actor=who, reason=values["reason"])
        seal_withdrawal_receipt(consent, who)
    _note_change("consents.withdraw", consent, "update")
    return {"consent": consent_body(consent), "consequence": consequence}
