"""Registering consents, refusals and withdrawals (R6, R7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from clinic_consent.audit.operations import log_change
from clinic_consent.clients.models import Representative
from clinic_consent.consents.models import CONSENT_DECISIONS, CONSENT_METHODS, Consent
from clinic_consent.errors import OperationError, refused_transition
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplateVersion
from clinic_consent.recordings.facts import (
    current_terms,
    participant_key,
    representative_key,
    verdict_for_recording,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.sqlite_settings import begin_writing
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User
from clinic_consent.validation import one_of, optional_text, required_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024
# By the recording's status; a destroyed recording has nothing left to block or destroy.
WITHDRAWAL_CONSEQUENCES: Final = {"planned": "blocked", "made": "destroy", "destroyed": "none"}
REGISTERED_MEANWHILE: Final = _l(
    "this person's decision was already registered meanwhile, by someone else: look at the "
    "recording's consents again before registering another"
)


def _check_signature(method: str, signature_png: bytes | None) -> bytes | None:
    if method != "drawn_signature":
        return None
    if not signature_png:
        raise OperationError("signature", _l("draw the signature"))
    if not signature_png.startswith(PNG_SIGNATURE):
        raise OperationError("signature", _l("must be a PNG image"))
    if len(signature_png) > MAX_SIGNATURE_BYTES:
        raise OperationError("signature", _l("the image is too large"))
    return signature_png


def register_consent(
    recording: Recording,
    *,
    party: SessionParticipant | Representative,
    for_participant: SessionParticipant,
    decision: str,
    method: str,
    actor: User,
    witness_name: str | None = None,
    signature_png: bytes | None = None,
    decided_at: datetime | None = None,
    template_version: FormTemplateVersion | None = None,
    decision_number: int | None = None,
) -> Consent:
    """Register a decision by a party whose consent the recording's verdict requires.

    ``decision_number`` is the number the registrant's page showed would come next (the
    tablet sends it); without it, the next one after the decisions loaded now. If another
    registration took that number first, this one is refused as registered meanwhile: by
    the check here when it committed before, by the unique constraint when at the same moment.
    """
    one_of(decision, CONSENT_DECISIONS, "decision")
    one_of(method, CONSENT_METHODS, "method")
    if recording.status == "destroyed":
        raise OperationError(None, _l("this recording has been destroyed"))
    verdict = verdict_for_recording(recording)
    if verdict.status == "not_required":
        raise OperationError(None, _l("this recording needs no consent (R1)"))
    if verdict.status == "forbidden":
        raise OperationError(None, _l("this recording may not be made at all"))
    party_key = (
        participant_key(party)
        if isinstance(party, SessionParticipant)
        else representative_key(party)
    )
    pair = (party_key, participant_key(for_participant))
    if pair not in {(r.party, r.for_) for r in verdict.required}:
        raise OperationError(
            "party", _l("this recording does not need this person's consent for them")
        )
    decided_at = decided_at or now_utc()
    if decided_at > now_utc():
        raise OperationError("decided_at", _l("cannot be in the future"))
    following = next_decision_number(recording, party, for_participant)
    if decision_number is not None and decision_number != following:
        raise OperationError(None, REGISTERED_MEANWHILE)
    witness_name = (
        required_text(witness_name, "witness_name") if method == "verbal_witness" else None
    )
    signature_png = _check_signature(method, signature_png)
    consent = _store_once(
        lambda: Consent(
            recording=recording,
            party_participant=party if isinstance(party, SessionParticipant) else None,
            party_representative=party if isinstance(party, Representative) else None,
            for_participant=for_participant,
            decision=decision,
            decision_number=following,
            method=method,
            witness_name=witness_name,
            signature_png=signature_png,
            decided_at=decided_at,
            registered_by_id=actor.id,
            template_version=template_version,
            terms=current_terms(recording).to_json(),
        )
    )
    log_change(
        f"consent.{decision}",
        consent,
        actor,
        client_id=for_participant.client_id,
        recording_id=recording.id,
        method=method,
    )
    return consent


def next_decision_number(
    recording: Recording,
    party: SessionParticipant | Representative,
    for_participant: SessionParticipant,
) -> int:
    """The number the next decision of ``party`` about ``for_participant`` takes."""
    by_participant = isinstance(party, SessionParticipant)
    numbers = [
        c.decision_number
        for c in recording.consents
        if c.for_participant_id == for_participant.id
        and (c.party_participant_id if by_participant else c.party_representative_id) == party.id
    ]
    return max(numbers, default=0) + 1


def _store_once(make: Callable[[], Consent]) -> Consent:
    """Make and insert the consent in a savepoint: a registration of the same decision number
    that committed meanwhile refuses this one, and the transaction stays usable for the answer.
    (The consent is made inside: beginning a savepoint flushes what is pending before it.)"""
    begin_writing(db.session)
    consent = None
    try:
        with db.session.begin_nested():
            consent = make()
            db.session.add(consent)
            db.session.flush()
    except IntegrityError as error:
        if consent is None or "decision_number" not in str(error.orig):
            raise
        # Rolled back out of the session; out of the recording's list of consents too.
        if consent in db.session:
            db.session.expunge(consent)
        if consent in consent.recording.consents:
            consent.recording.consents.remove(consent)
        raise OperationError(None, REGISTERED_MEANWHILE) from None
    return consent


def withdrawal_consequence(recording: Recording) -> str:
    """What a withdrawal obliges (R7): a planned recording may not be made ("blocked"); a made
    one must be destroyed, or the part concerned, and that registered ("destroy")."""
    return WITHDRAWAL_CONSEQUENCES[recording.status]


def withdraw_consent(
    consent: Consent, *, actor: User, reason: str | None = None, at: datetime | None = None
) -> str:
    """R7: a consent can be withdrawn at any time; the recording then becomes refused.

    Returns the consequence for the recording, which the audit entry records too.
    """
    reason = optional_text(reason, "reason")
    with refused_transition():
        consent.withdraw(reason, actor.id, at or now_utc())
    consequence = withdrawal_consequence(consent.recording)
    log_change(
        "consent.withdrawn",
        consent,
        actor,
        client_id=consent.for_participant.client_id,
        recording_id=consent.recording_id,
        consequence=consequence,
    )
    return consequence
