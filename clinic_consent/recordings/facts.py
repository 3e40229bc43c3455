"""The one mapping from a recording to the rule core's facts.

Every verdict the application shows comes from ``verdict_for_recording``: the same
``evaluate`` the command line and the API use, never a second implementation of the rules.
It reads a stored recording, or an unsaved draft with the same attributes (``RecordingFacts``),
so that the live preview of a planned or changed recording gives exactly the verdict the
stored one will get.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Protocol

from sqlalchemy.orm import joinedload, selectinload, subqueryload
from sqlalchemy.orm.interfaces import LoaderOption

from clinic_consent.clients.models import Client
from clinic_consent.clients.models import Representative as StoredRepresentative
from clinic_consent.consents.models import Consent
from clinic_consent.domain import (
    ConsentEntry,
    Facts,
    Participant,
    Recording,
    Representative,
    Verdict,
    evaluate,
)
from clinic_consent.domain.terms import ConsentTerms, covers
from clinic_consent.recordings.models import AccessListEntry
from clinic_consent.recordings.models import Recording as StoredRecording
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession


class AccessEntryFacts(Protocol):
    """What the mapping reads of an access-list entry (stored, or a grant not yet stored)."""

    @property
    def label(self) -> str: ...
    @property
    def revoked_at(self) -> datetime | None: ...


class RecordingFacts(Protocol):
    """What the mapping reads of a recording: a stored Recording or an unsaved draft."""

    @property
    def session(self) -> TreatmentSession: ...
    @property
    def recorder(self) -> SessionParticipant: ...
    @property
    def made_by(self) -> str: ...
    @property
    def medium(self) -> str: ...
    @property
    def covert(self) -> bool: ...
    @property
    def public(self) -> bool: ...
    @property
    def scope(self) -> str: ...
    @property
    def scope_description(self) -> str | None: ...
    @property
    def purpose(self) -> str | None: ...
    @property
    def retention_until(self) -> date | None: ...
    @property
    def access_entries(self) -> Sequence[AccessEntryFacts]: ...
    @property
    def consents(self) -> Sequence[Consent]: ...  # stored decisions, in decision order


def participant_key(participant: SessionParticipant) -> str:
    return f"p{participant.id}"


def representative_key(representative: StoredRepresentative) -> str:
    return f"r{representative.id}"


def still_covers(consent: Consent, terms: ConsentTerms) -> bool:
    """R7: whether a consent, given on the terms of its time, covers the terms as they are now."""
    return covers(ConsentTerms.from_json(consent.terms), terms)


def consent_party_key(consent: Consent) -> str:
    if consent.party_participant is not None:
        return participant_key(consent.party_participant)
    assert consent.party_representative is not None
    return representative_key(consent.party_representative)


def current_terms(recording: RecordingFacts) -> ConsentTerms:
    """What a consent given now would cover (R7)."""
    return ConsentTerms(
        medium=recording.medium,
        scope=recording.scope,
        scope_description=recording.scope_description,
        public=recording.public,
        purpose=recording.purpose,
        access_list=frozenset(e.label for e in recording.access_entries if e.revoked_at is None),
        retention_until=recording.retention_until,
    )


def _representatives(stored: list[StoredRepresentative], on: date) -> tuple[Representative, ...]:
    return tuple(
        Representative(representative_key(r), r.name, r.relation)
        for r in stored
        if r.decides_on(on)
    )


def _participant_facts(participant: SessionParticipant, on: date) -> Participant:
    key = participant_key(participant)
    if participant.role == "staff":
        return Participant(key, "staff")
    if participant.role == "other":
        return Participant(
            key,
            "other",
            participant.birth_date,
            participant.has_capacity,
            _representatives(participant.representatives, on),
        )
    client = participant.client
    assert client is not None
    judgement = client.current_recording_capacity()
    return Participant(
        key,
        "client",
        client.birth_date,
        judgement.has_capacity if judgement is not None else True,
        _representatives(client.representatives, on),
    )


def _consent_entries(
    recording: RecordingFacts, now: ConsentTerms, known_parties: set[str]
) -> tuple[ConsentEntry, ...]:
    """Decisions and withdrawals in time order; consents on other terms no longer count (R7)."""
    events = []
    for consent in recording.consents:
        party = consent_party_key(consent)
        if party not in known_parties or not still_covers(consent, now):
            continue
        events.append((consent.decided_at, consent.id, 0, ConsentEntry(party, consent.decision)))
        if consent.withdrawn_at is not None:
            events.append((consent.withdrawn_at, consent.id, 1, ConsentEntry(party, "withdrawn")))
    events.sort(key=lambda event: event[:3])
    return tuple(event[3] for event in events)


def facts_for_recording(recording: RecordingFacts) -> Facts:
    session = recording.session
    terms = current_terms(recording)
    participants = tuple(_participant_facts(p, session.date) for p in session.participants)
    known = {p.id for p in participants} | {r.id for p in participants for r in p.representatives}
    return Facts(
        session_kind=session.kind,
        session_date=session.date,
        recording=Recording(
            made_by=recording.made_by,
            recorder=participant_key(recording.recorder),
            medium=recording.medium,
            covert=recording.covert,
            public=recording.public,
            scope=recording.scope,
            purpose=recording.purpose,
            access_list=tuple(sorted(terms.access_list)),
            retention_until=recording.retention_until,
        ),
        participants=participants,
        consents=_consent_entries(recording, terms, known),
    )


@cache
def verdict_loading() -> tuple[LoaderOption, ...]:
    """What verdict_for_recording reads of a recording, loaded in a few queries for many at
    once (built on first use: the mappers must be complete). What hangs off the participants
    is loaded by subquery, through the session: selectin loading would send the ids of a
    large group's members 500 at a time, a query more for every 500."""
    return (
        joinedload(StoredRecording.session)
        .selectinload(TreatmentSession.participants)
        .options(
            joinedload(SessionParticipant.client).options(
                subqueryload(Client.representatives), subqueryload(Client.capacity_judgements)
            ),
            joinedload(SessionParticipant.user),
            subqueryload(SessionParticipant.representatives),
        ),
        joinedload(StoredRecording.recorder),
        selectinload(StoredRecording.access_entries).joinedload(AccessListEntry.user),
        selectinload(StoredRecording.consents).options(
            joinedload(Consent.party_participant), joinedload(Consent.party_representative)
        ),
    )


def verdict_for_recording(recording: RecordingFacts) -> Verdict:
    return evaluate(facts_for_recording(recording))
