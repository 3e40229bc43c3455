"""The data model as its users notice it: UTC timestamps, constraints that refuse bad rows,
state changes that refuse impossible transitions, and no silently lost concurrent edits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_consent.audit.models import GENESIS_HASH, AuditEntry
from clinic_consent.clients.models import CapacityJudgement, Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.recordings.models import AccessListEntry, Recording
from clinic_consent.sessions.models import (
    GroupMembership,
    GroupTreatment,
    SessionParticipant,
    TreatmentSession,
)
from clinic_consent.users.models import User

AMSTERDAM_SUMMER = timezone(timedelta(hours=2))
SESSION_DATE = date(2026, 6, 15)
NOON = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """A therapist recording an individual session with one client."""

    therapist: User
    client: Client
    session: TreatmentSession
    client_participant: SessionParticipant
    staff_participant: SessionParticipant
    recording: Recording


@pytest.fixture
def world(app: Flask) -> World:
    therapist = User(email="therapist@example.org", display_name="T. Herapist", role="therapist")
    client = Client(given_name="Anna", family_name="Jansen", birth_date=date(1990, 3, 2))
    db.session.add_all([therapist, client])
    db.session.flush()
    session = TreatmentSession(kind="individual", date=SESSION_DATE, created_by_id=therapist.id)
    client_participant = SessionParticipant(session=session, role="client", client=client)
    staff_participant = SessionParticipant(session=session, role="staff", user=therapist)
    recording = Recording(
        session=session,
        made_by="clinician",
        recorder=staff_participant,
        medium="video",
        purpose="supervision",
        created_by_id=therapist.id,
    )
    db.session.add(recording)
    db.session.commit()
    return World(therapist, client, session, client_participant, staff_participant, recording)


def a_consent(world: World, **overrides: object) -> Consent:
    values: dict[str, object] = {
        "recording": world.recording,
        "party_participant": world.client_participant,
        "for_participant": world.client_participant,
        "decision": "granted",
        "method": "paper_form",
        "decided_at": NOON,
        "registered_by_id": world.therapist.id,
        "terms": {"medium": "video", "scope": "whole", "public": False},
    }
    values.update(overrides)
    return Consent(**values)


def test_timestamps_come_back_as_aware_utc(world: World) -> None:
    local_time = datetime(2026, 6, 15, 14, 30, tzinfo=AMSTERDAM_SUMMER)
    world.recording.mark_made(local_time)
    db.session.commit()
    db.session.expire_all()

    made_at = db.session.get_one(Recording, world.recording.id).made_at
    created_at = db.session.get_one(User, world.therapist.id).created_at
    assert made_at == local_time
    assert made_at is not None and made_at.tzinfo is UTC
    assert made_at.hour == 12
    assert created_at.tzinfo is UTC  # set by the default, not by the test


def test_a_naive_datetime_is_refused(world: World) -> None:
    world.therapist.locked_until = datetime(2026, 6, 15, 12, 0)  # naive
    with pytest.raises(StatementError, match="timezone-aware"):
        db.session.flush()
    db.session.rollback()


def _client_participant_without_client(world: World) -> object:
    return SessionParticipant(session=world.session, role="client")


def _participant_that_is_both_client_and_staff(world: World) -> object:
    other_session = TreatmentSession(
        kind="individual", date=SESSION_DATE, created_by_id=world.therapist.id
    )
    return SessionParticipant(
        session=other_session, role="client", client=world.client, user=world.therapist
    )


def _other_participant_without_name(world: World) -> object:
    return SessionParticipant(session=world.session, role="other", relation="interpreter")


def _group_of_an_individual_session(world: World) -> object:
    group = GroupTreatment(
        name="Mindfulness", start_date=SESSION_DATE, created_by_id=world.therapist.id
    )
    return TreatmentSession(
        kind="individual",
        date=SESSION_DATE,
        group_treatment=group,
        created_by_id=world.therapist.id,
    )


def _access_entry_naming_user_and_role(world: World) -> object:
    return AccessListEntry(
        recording=world.recording,
        user=world.therapist,
        role="therapist",
        purpose="supervision",
        granted_by_id=world.therapist.id,
    )


def _access_entry_naming_nobody(world: World) -> object:
    return AccessListEntry(
        recording=world.recording, purpose="supervision", granted_by_id=world.therapist.id
    )


def _verbal_consent_without_witness(world: World) -> object:
    return a_consent(world, method="verbal_witness")


def _drawn_consent_without_signature(world: World) -> object:
    return a_consent(world, method="drawn_signature")


def _consent_with_two_parties(world: World) -> object:
    mother = Representative(client=world.client, name="M. Jansen", relation="parent")
    db.session.add(mother)
    return a_consent(world, party_representative=mother)


def _withdrawn_refusal(world: World) -> object:
    return a_consent(
        world, decision="refused", withdrawn_at=NOON, withdrawal_registered_by_id=world.therapist.id
    )


def _recording_with_unknown_medium(world: World) -> object:
    return Recording(
        session=world.session,
        made_by="clinician",
        recorder=world.staff_participant,
        medium="film",
        created_by_id=world.therapist.id,
    )


def _partial_recording_without_description(world: World) -> object:
    return Recording(
        session=world.session,
        made_by="client",
        recorder=world.client_participant,
        medium="audio",
        scope="partial",
        created_by_id=world.therapist.id,
    )


def _destroyed_recording_without_registration(world: World) -> object:
    return Recording(
        session=world.session,
        made_by="client",
        recorder=world.client_participant,
        medium="audio",
        status="destroyed",
        created_by_id=world.therapist.id,
    )


def _user_with_unknown_role(world: World) -> object:
    return User(email="x@example.org", display_name="X", role="superuser")


INVALID_ROWS: list[tuple[Callable[[World], object], str]] = [
    (_client_participant_without_client, "ck_session_participants_client_ref"),
    (_participant_that_is_both_client_and_staff, "ck_session_participants_client_ref"),
    (_other_participant_without_name, "ck_session_participants_other_ref"),
    (_group_of_an_individual_session, "ck_treatment_sessions_group_kind"),
    (_access_entry_naming_user_and_role, "ck_access_list_entries_one_grantee"),
    (_access_entry_naming_nobody, "ck_access_list_entries_one_grantee"),
    (_verbal_consent_without_witness, "ck_consents_verbal_has_witness"),
    (_drawn_consent_without_signature, "ck_consents_drawn_has_signature"),
    (_consent_with_two_parties, "ck_consents_one_party"),
    (_withdrawn_refusal, "ck_consents_withdrawal_of_granted"),
    (_recording_with_unknown_medium, "ck_recordings_medium_valid"),
    (_partial_recording_without_description, "ck_recordings_partial_scope_described"),
    (_destroyed_recording_without_registration, "ck_recordings_destruction_registered"),
    (_user_with_unknown_role, "ck_users_role_valid"),
]


@pytest.mark.parametrize(
    ("bad_row", "constraint"), INVALID_ROWS, ids=[f.__name__[1:] for f, _ in INVALID_ROWS]
)
def test_the_database_refuses_an_invalid_row(
    world: World, bad_row: Callable[[World], object], constraint: str
) -> None:
    db.session.add(bad_row(world))
    with pytest.raises(IntegrityError, match=constraint):
        db.session.flush()
    db.session.rollback()


def test_a_client_cannot_join_the_same_group_twice(world: World) -> None:
    group = GroupTreatment(
        name="Mindfulness", start_date=SESSION_DATE, created_by_id=world.therapist.id
    )
    db.session.add(
        GroupMembership(group_treatment=group, client=world.client, joined_on=SESSION_DATE)
    )
    db.session.commit()

    db.session.add(
        GroupMembership(group_treatment=group, client=world.client, joined_on=SESSION_DATE)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_audit_chain_cannot_fork(world: World) -> None:
    def entry(entry_hash: str) -> AuditEntry:
        return AuditEntry(
            action="recording.created",
            object_type="recording",
            object_id=world.recording.id,
            prev_hash=GENESIS_HASH,
            entry_hash=entry_hash,
        )

    db.session.add(entry("a" * 64))
    db.session.commit()

    db.session.add(entry("b" * 64))  # a second successor of the genesis entry
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_user_emails_are_stored_lowercased(app: Flask) -> None:
    user = User(email=" T.Herapist@Example.ORG ", display_name="T", role="therapist")
    assert user.email == "t.herapist@example.org"


def test_a_granted_consent_can_be_withdrawn_once(world: World) -> None:
    consent = a_consent(world)
    db.session.add(consent)
    db.session.commit()
    assert consent.effective_decision == "granted"

    consent.withdraw("changed my mind", by_user_id=world.therapist.id, at=NOON)
    db.session.commit()
    assert consent.effective_decision == "withdrawn"
    assert consent.decision == "granted"  # the original decision stays on record

    with pytest.raises(ValueError, match="already withdrawn"):
        consent.withdraw(None, by_user_id=world.therapist.id, at=NOON)


def test_a_refusal_cannot_be_withdrawn(world: World) -> None:
    consent = a_consent(world, decision="refused")
    assert consent.effective_decision == "refused"
    with pytest.raises(ValueError, match="only a granted consent"):
        consent.withdraw(None, by_user_id=world.therapist.id, at=NOON)
    assert consent.withdrawn_at is None


def test_consents_of_a_recording_are_in_decision_order(world: World) -> None:
    later = a_consent(world, decided_at=NOON + timedelta(hours=1), decision="refused")
    # Registered second (its decision number), though decided first.
    earlier = a_consent(world, decided_at=NOON, decision_number=2)
    db.session.add_all([later, earlier])
    db.session.commit()
    db.session.expire_all()

    recording = db.session.get_one(Recording, world.recording.id)
    assert [c.decision for c in recording.consents] == ["granted", "refused"]


def test_concurrent_edits_of_a_recording_do_not_overwrite_each_other(world: World) -> None:
    mine = db.session.get_one(Recording, world.recording.id)
    assert mine.version == 1

    with Session(db.engine) as other:
        theirs = other.get_one(Recording, world.recording.id)
        theirs.medium = "audio"
        other.commit()

    mine.scope = "partial"
    mine.scope_description = "only the closing summary"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get_one(Recording, world.recording.id).medium == "audio"


def test_a_recording_is_destroyed_only_once_and_only_after_it_was_made(world: World) -> None:
    recording = world.recording
    with pytest.raises(ValueError, match="never made"):
        recording.register_destruction(world.therapist.id, NOON, "secure erase")

    recording.mark_made(NOON)
    recording.register_destruction(world.therapist.id, NOON, "secure erase", witness="P. Manager")
    db.session.commit()
    assert recording.status == "destroyed"

    with pytest.raises(ValueError, match="already registered"):
        recording.register_destruction(world.therapist.id, NOON, "shredder")
    assert recording.destruction_method == "secure erase"


def test_access_entry_is_active_until_revoked_or_expired(world: World) -> None:
    entry = AccessListEntry(
        recording=world.recording,
        outside_name="Dr. Supervisor",
        purpose="supervision",
        valid_until=date(2026, 12, 31),
        granted_by_id=world.therapist.id,
    )
    assert entry.label == "Dr. Supervisor"
    assert entry.is_active(date(2026, 12, 31))
    assert not entry.is_active(date(2027, 1, 1))

    entry.revoke(world.therapist.id, at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    assert entry.is_active(date(2026, 6, 30))
    assert not entry.is_active(date(2026, 7, 1))
    with pytest.raises(ValueError, match="already revoked"):
        entry.revoke(world.therapist.id, at=NOON)


def test_client_knows_current_recording_capacity_and_active_representatives(
    world: World,
) -> None:
    client = world.client

    def judge(has_capacity: bool, scope: str, at: datetime) -> CapacityJudgement:
        return CapacityJudgement(
            client=client,
            has_capacity=has_capacity,
            decision_scope=scope,
            decision="recording of sessions",
            judged_by_id=world.therapist.id,
            judged_at=at,
        )

    assert client.current_recording_capacity() is None
    db.session.add_all(
        [
            judge(False, "recording", NOON),
            judge(True, "treatment", NOON + timedelta(days=2)),
            judge(True, "recording", NOON - timedelta(days=30)),
        ]
    )
    ended = Representative(
        client=client, name="Ex Curator", relation="curator", ended_at=NOON - timedelta(days=1)
    )
    current = Representative(client=client, name="M. Jansen", relation="mentor")
    db.session.add_all([ended, current])
    db.session.commit()
    db.session.expire_all()

    client = db.session.get_one(Client, client.id)
    judgement = client.current_recording_capacity()
    assert judgement is not None and judgement.has_capacity is False
    assert [r.name for r in client.active_representatives(SESSION_DATE)] == ["M. Jansen"]
    assert len(client.active_representatives(SESSION_DATE - timedelta(days=1))) == 2
