"""Verdicts of stored recordings: the one mapping from the database to the rule core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.operations import (
    add_representative,
    end_representation,
    record_capacity_judgement,
)
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.domain import evaluate_json
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import (
    facts_for_recording,
    participant_key,
    representative_key,
    verdict_for_recording,
)
from clinic_consent.recordings.operations import RecordingPlan, grant_access, plan_recording
from clinic_consent.sessions.operations import (
    add_client_participant,
    add_group_member,
    add_other_participant,
    create_group_treatment,
    create_session,
)
from clinic_consent.timeutil import today_utc
from tests.builders import (
    Staff,
    client,
    clinician_recording,
    individual_session,
    make_staff,
)


@pytest.fixture
def staff(app: Flask) -> Staff:
    return make_staff()


def _grant(recording, party, for_participant, actor, decision="granted"):  # type: ignore[no-untyped-def]
    return register_consent(
        recording,
        party=party,
        for_participant=for_participant,
        decision=decision,
        method="paper_form",
        actor=actor,
    )


def test_stored_verdict_equals_the_rule_core_on_the_same_facts_json(staff: Staff) -> None:
    patient = client(staff.therapist, age=14)
    mother = add_representative(patient, name="A. Jansen", relation="parent", actor=staff.therapist)
    setting = individual_session(staff.therapist, patient)
    recording = clinician_recording(setting, staff.therapist, medium="video")
    _grant(recording, setting.client, setting.client, staff.therapist)
    facts = facts_for_recording(recording)
    as_json = {
        "session": {"kind": facts.session_kind, "date": facts.session_date.isoformat()},
        "recording": {
            "made_by": "clinician",
            "recorder": participant_key(setting.staff),
            "medium": "video",
            "covert": False,
            "public": False,
            "scope": "whole",
            "purpose": "supervision",
            "access_list": ["Tessa Bakker"],
            "retention_until": recording.retention_until.isoformat(),  # type: ignore[union-attr]
        },
        "participants": [
            {"id": participant_key(setting.staff), "role": "staff"},
            {
                "id": participant_key(setting.client),
                "role": "client",
                "birth_date": patient.birth_date.isoformat(),
                "representatives": [{"id": representative_key(mother), "name": "A. Jansen"}],
            },
        ],
        "consents": [{"party": participant_key(setting.client), "decision": "granted"}],
    }
    assert verdict_for_recording(recording).to_json() == evaluate_json(as_json)
    assert evaluate_json(as_json)["pending"] == [representative_key(mother)]


def test_fourteen_year_old_and_both_parents_must_consent(staff: Staff) -> None:
    patient = client(staff.therapist, age=14)
    parents = [
        add_representative(patient, name=n, relation="parent", actor=staff.therapist)
        for n in ("Ella", "Joost")
    ]
    setting = individual_session(staff.therapist, patient)
    recording = clinician_recording(setting, staff.therapist)
    verdict = verdict_for_recording(recording)
    assert verdict.status == "consent_required"
    assert [(r.party, r.rule) for r in verdict.required] == [
        (participant_key(setting.client), "R4"),
        (representative_key(parents[0]), "R6"),
        (representative_key(parents[1]), "R6"),
    ]
    _grant(recording, setting.client, setting.client, staff.therapist)
    _grant(recording, parents[0], setting.client, staff.therapist)
    assert verdict_for_recording(recording).status == "consent_required"
    _grant(recording, parents[1], setting.client, staff.therapist)
    assert verdict_for_recording(recording).status == "cleared"


def test_parent_without_authority_and_ended_representatives_are_not_asked(staff: Staff) -> None:
    patient = client(staff.therapist, age=9)
    add_representative(
        patient, name="Father", relation="parent", has_authority=False, actor=staff.therapist
    )
    former = add_representative(
        patient, name="Old guardian", relation="guardian", actor=staff.therapist
    )
    end_representation(former, actor=staff.therapist)
    guardian = add_representative(
        patient, name="Guardian", relation="guardian", actor=staff.therapist
    )
    setting = individual_session(staff.therapist, patient, on=today_utc() + timedelta(days=3))
    verdict = verdict_for_recording(clinician_recording(setting, staff.therapist))
    assert [r.party for r in verdict.required] == [representative_key(guardian)]


def test_adult_judged_to_lack_capacity_is_represented_by_the_curator_alone(staff: Staff) -> None:
    patient = client(staff.therapist, age=67)
    curator = add_representative(patient, name="Curator", relation="curator", actor=staff.therapist)
    setting = individual_session(staff.therapist, patient)
    recording = clinician_recording(setting, staff.therapist)
    assert [r.party for r in verdict_for_recording(recording).required] == [
        participant_key(setting.client)
    ]
    record_capacity_judgement(
        patient, has_capacity=False, decision="Recording consent", judged_by=staff.therapist
    )
    verdict = verdict_for_recording(recording)
    assert [(r.party, r.for_, r.rule) for r in verdict.required] == [
        (representative_key(curator), participant_key(setting.client), "R6")
    ]


def test_child_without_registered_representatives_is_incomplete(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist, age=8))
    verdict = verdict_for_recording(clinician_recording(setting, staff.therapist))
    assert verdict.status == "incomplete"
    assert verdict.missing == (f"representatives:{participant_key(setting.client)}",)


def test_clinician_recording_without_access_list_is_incomplete(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist, with_access=False)
    verdict = verdict_for_recording(recording)
    assert (verdict.status, verdict.missing) == ("incomplete", ("access_list",))


def test_withdrawal_refuses_and_a_new_consent_clears_again(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)
    consent = _grant(recording, setting.client, setting.client, staff.therapist)
    assert verdict_for_recording(recording).status == "cleared"
    withdraw_consent(consent, actor=staff.therapist, reason="Changed my mind")
    assert verdict_for_recording(recording).status == "refused"
    _grant(recording, setting.client, setting.client, staff.therapist)
    assert verdict_for_recording(recording).status == "cleared"


def test_widening_the_access_list_needs_a_new_consent(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)
    _grant(recording, setting.client, setting.client, staff.therapist)
    assert verdict_for_recording(recording).status == "cleared"
    grant_access(
        recording, outside_name="Dr. Supervisor", purpose="Supervision", actor=staff.therapist
    )
    verdict = verdict_for_recording(recording)
    assert verdict.status == "consent_required"
    assert verdict.pending == (participant_key(setting.client),)


def test_making_it_video_needs_a_new_consent_but_narrowing_retention_does_not(
    staff: Staff,
) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)
    _grant(recording, setting.client, setting.client, staff.therapist)
    recording.retention_until = setting.session.date + timedelta(days=30)
    assert verdict_for_recording(recording).status == "cleared"
    recording.medium = "video"
    assert verdict_for_recording(recording).status == "consent_required"


def test_late_joiner_sends_a_group_recording_back_to_waiting(staff: Staff) -> None:
    group = create_group_treatment(
        name="Group",
        start_date=today_utc(),
        facilitators=[staff.facilitator],
        actor=staff.facilitator,
    )
    members = [client(staff.facilitator, name=f"Member {i}") for i in range(3)]
    for member in members:
        add_group_member(group, member, joined_on=today_utc(), actor=staff.facilitator)
    session = create_session(kind="group", on=today_utc(), group=group, actor=staff.facilitator)
    assert sorted(p.role for p in session.participants) == ["client", "client", "client", "staff"]
    clients = [p for p in session.participants if p.role == "client"]
    recording = plan_recording(
        session,
        RecordingPlan(made_by="client", recorder=clients[0], medium="audio"),
        actor=staff.facilitator,
    )
    for participant in clients[1:]:
        _grant(recording, participant, participant, staff.facilitator)
    assert verdict_for_recording(recording).status == "cleared"
    latecomer = add_client_participant(
        session, client(staff.facilitator, name="Late"), actor=staff.facilitator
    )
    verdict = verdict_for_recording(recording)
    assert verdict.status == "consent_required"
    assert verdict.pending == (participant_key(latecomer),)


def test_young_companion_in_a_video_session_needs_representatives(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    sibling = add_other_participant(
        setting.session,
        name="Younger sister",
        relation="companion",
        birth_date=today_utc() - timedelta(days=365 * 7),
        actor=staff.therapist,
    )
    recording = clinician_recording(setting, staff.therapist, medium="video")
    verdict = verdict_for_recording(recording)
    assert verdict.status == "incomplete"
    assert verdict.missing == (f"representatives:{participant_key(sibling)}",)

    mother = add_representative(sibling, name="Mother", relation="parent", actor=staff.therapist)
    verdict = verdict_for_recording(recording)
    assert verdict.status == "consent_required"
    assert (representative_key(mother), participant_key(sibling), "R6") in {
        (r.party, r.for_, r.rule) for r in verdict.required
    }
    _grant(recording, setting.client, setting.client, staff.therapist)
    _grant(recording, mother, sibling, staff.therapist)
    assert verdict_for_recording(recording).status == "cleared"


def test_a_clients_representatives_belong_to_the_client_not_the_session(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist, age=10))
    with pytest.raises(OperationError, match="registered on the client"):
        add_representative(setting.client, name="Mother", relation="parent", actor=staff.therapist)


def test_consent_from_a_party_the_recording_does_not_need_changes_nothing(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)  # audio: staff need not consent
    db.session.commit()
    entries_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(OperationError, match="does not need"):
        _grant(recording, setting.staff, setting.staff, staff.therapist)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before


def test_a_recording_that_needs_no_consent_takes_none(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = plan_recording(
        setting.session,
        RecordingPlan(made_by="client", recorder=setting.client, medium="audio"),
        actor=staff.therapist,
    )
    assert verdict_for_recording(recording).status == "not_required"
    with pytest.raises(OperationError, match="R1"):
        _grant(recording, setting.staff, setting.client, staff.therapist)


def test_every_change_is_in_the_audit_chain_without_names(staff: Staff) -> None:
    patient = client(staff.therapist, name="Uniquename")
    setting = individual_session(staff.therapist, patient)
    recording = clinician_recording(setting, staff.therapist)
    consent = _grant(recording, setting.client, setting.client, staff.therapist)
    withdraw_consent(consent, actor=staff.therapist, reason="Private reason text")
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    for action in (
        "client.created",
        "recording.planned",
        "access.granted",
        "consent.granted",
        "consent.withdrawn",
    ):
        assert action in actions
    consent_entries = [e for e in entries if e.object_type == "consents"]
    assert {e.client_id for e in consent_entries} == {patient.id}
    dumped = " ".join(str(e.details) for e in entries)
    assert "Uniquename" not in dumped and "Private reason text" not in dumped
    assert chain.verify().intact


def test_audit_verification_names_the_first_altered_entry(staff: Staff) -> None:
    setting = individual_session(staff.therapist, client(staff.therapist))
    clinician_recording(setting, staff.therapist)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    victim = entries[len(entries) // 2]
    victim.action = "consent.granted" if victim.action != "consent.granted" else "x"
    db.session.commit()
    report = chain.verify()
    assert not report.intact
    assert report.first_broken_id == victim.id
    assert report.entries_checked == len(entries) // 2 + 1


# --- unsaved drafts: the same mapping as stored recordings (the live preview) ---------------


def test_a_draft_of_a_plan_gets_the_verdict_the_stored_recording_gets(staff: Staff) -> None:
    from clinic_consent.recordings.models import AccessListEntry, Recording
    from clinic_consent.recordings.operations import check_access_grant, draft_recording

    patient = client(staff.therapist, age=14)
    add_representative(patient, name="Ella", relation="parent", actor=staff.therapist)
    setting = individual_session(staff.therapist, patient)
    plan = RecordingPlan(
        made_by="clinician",
        recorder=setting.staff,
        medium="video",
        purpose="supervision",
        retention_until=setting.session.date + timedelta(days=300),
    )
    grant = check_access_grant(
        setting.session.date, purpose="Supervision", outside_name="Dr. P. de Wit"
    )
    db.session.commit()
    counts = [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Recording, AccessListEntry, AuditEntry)
    ]
    draft = draft_recording(setting.session, plan, [grant])
    assert [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Recording, AccessListEntry, AuditEntry)
    ] == counts  # a draft is never added to the database session
    stored = plan_recording(setting.session, plan, actor=staff.therapist, access=[grant])
    assert [e.label for e in stored.access_entries] == ["Dr. P. de Wit"]
    assert facts_for_recording(draft) == facts_for_recording(stored)
    assert verdict_for_recording(draft) == verdict_for_recording(stored)


def test_a_draft_of_a_cleared_recording_shows_when_new_consent_is_needed(staff: Staff) -> None:
    """R7: a wider access list, video, publication or longer retention are not covered."""
    from dataclasses import replace

    from clinic_consent.recordings.operations import (
        RecordingTerms,
        check_access_grant,
        draft_of,
    )

    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)
    _grant(recording, setting.client, setting.client, staff.therapist)
    assert verdict_for_recording(draft_of(recording)).status == "cleared"

    outsider = check_access_grant(setting.session.date, purpose="Teaching", outside_name="Dr. X")
    assert verdict_for_recording(draft_of(recording, extra_access=[outsider])).status == (
        "consent_required"
    )
    same = RecordingTerms(
        medium="audio",
        purpose="supervision",
        retention_until=recording.retention_until,
    )
    assert verdict_for_recording(draft_of(recording, same)).status == "cleared"
    later = recording.retention_until + timedelta(days=1)  # type: ignore[operator]
    for wider in (
        replace(same, medium="video"),
        replace(same, public=True),
        replace(same, retention_until=later),
    ):
        assert verdict_for_recording(draft_of(recording, wider)).status == "consent_required"
    narrower = replace(same, scope="partial", scope_description="The summary at the end")
    assert verdict_for_recording(draft_of(recording, narrower)).status == "cleared"
    assert recording.medium == "audio" and len(recording.access_entries) == 1  # untouched


def test_terms_change_on_a_stale_version_is_refused_and_a_current_one_is_audited(
    staff: Staff,
) -> None:
    from clinic_consent.recordings.operations import RecordingTerms, update_recording_terms

    setting = individual_session(staff.therapist, client(staff.therapist))
    recording = clinician_recording(setting, staff.therapist)
    db.session.commit()
    version = recording.version
    terms = RecordingTerms(
        medium="video", purpose="supervision", retention_until=recording.retention_until
    )
    with pytest.raises(OperationError, match="changed meanwhile"):
        update_recording_terms(
            recording, terms, expected_version=version - 1, actor=staff.therapist
        )
    changed = update_recording_terms(
        recording, terms, expected_version=version, actor=staff.therapist
    )
    db.session.commit()
    assert changed == ["medium"]
    assert recording.version == version + 1
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == recording.id)
    ).all()
    assert "recording.terms_changed" in actions
