"""The stored verdict, access-list date and withdrawal count of every recording, and the
practice's consent tallies, stay what the application computes, through every kind of change
they depend on (recordings.derived, consents.tallies)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select, text

from clinic_consent.clients.operations import (
    add_representative,
    record_capacity_judgement,
    update_client,
)
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import withdraw_consent
from clinic_consent.consents.tallies import tallies
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.maintenance import fill_derived
from clinic_consent.recordings import derived
from clinic_consent.recordings.facts import verdict_for_recording
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import revoke_access
from clinic_consent.timeutil import today_utc
from tests import builders


def _stale() -> list[int]:
    db.session.commit()
    return derived.stale_recordings(db.session())


def _stored(recording: Recording) -> Recording:
    db.session.expire(recording)
    return recording


def _tallies_agree() -> bool:
    counted = Counter(c.effective_decision for c in db.session.scalars(select(Consent)))
    return tallies(db.session()) == {state: counted[state] for state in tallies(db.session())}


def test_the_demo_practice_is_stored_as_computed(demo: DemoResult) -> None:
    assert _stale() == []
    assert _tallies_agree()


def test_consents_and_withdrawals_change_the_stored_verdict(app: object) -> None:
    builders.practice_defaults()
    staff = builders.make_staff()
    therapist = staff.therapist
    setting = builders.individual_session(therapist, builders.client(therapist))
    recording = builders.clinician_recording(setting, therapist, medium="video")
    db.session.commit()
    assert _stored(recording).verdict == "consent_required"
    version = recording.version
    consent = builders.own_consent(setting, recording, therapist)
    db.session.commit()
    assert _stored(recording).verdict == "cleared" and recording.withdrawals == 0
    # Optimistic locking counts changes of the terms, not of the derived columns.
    assert recording.version == version
    withdraw_consent(consent, actor=therapist)
    db.session.commit()
    assert _stored(recording).verdict == "refused" and recording.withdrawals == 1
    assert _stale() == [] and _tallies_agree()


def test_a_birthday_and_a_representative_change_who_consents(app: object) -> None:
    """R6: a client made 10 years old needs a representative; registering one asks for the
    parent's consent instead."""
    builders.practice_defaults()
    staff = builders.make_staff()
    therapist = staff.therapist
    child = builders.client(therapist, age=30)
    setting = builders.individual_session(therapist, child)
    recording = builders.clinician_recording(setting, therapist)
    builders.own_consent(setting, recording, therapist)
    db.session.commit()
    assert _stored(recording).verdict == "cleared"
    update_client(
        child,
        given_name=child.given_name,
        family_name=child.family_name,
        birth_date=builders.years_ago(10),
        language=child.language,
        actor=therapist,
    )
    db.session.commit()
    assert _stored(recording).verdict == "incomplete"  # represented, and nobody registered
    add_representative(child, name="A. Parent", relation="parent", actor=therapist)
    db.session.commit()
    assert _stored(recording).verdict == "consent_required"
    assert _stale() == []


def test_a_capacity_judgement_changes_the_stored_verdict(app: object) -> None:
    builders.practice_defaults()
    staff = builders.make_staff()
    therapist = staff.therapist
    adult = builders.client(therapist)
    setting = builders.individual_session(therapist, adult)
    recording = builders.clinician_recording(setting, therapist)
    db.session.commit()
    record_capacity_judgement(
        adult, has_capacity=False, decision="Consent to recordings", judged_by=therapist
    )
    db.session.commit()
    assert _stored(recording).verdict == "incomplete"  # lacks capacity, no representative
    assert _stale() == []


def test_revoking_the_access_list_closes_it(app: object) -> None:
    builders.practice_defaults()
    staff = builders.make_staff()
    therapist = staff.therapist
    setting = builders.individual_session(therapist, builders.client(therapist))
    recording = builders.clinician_recording(setting, therapist)
    db.session.commit()
    assert _stored(recording).access_open_until == derived.OPEN_ENDED
    revoke_access(recording.access_entries[0], actor=therapist)
    db.session.commit()
    assert _stored(recording).access_open_until == today_utc() - timedelta(days=1)
    assert recording.verdict == "incomplete"  # R4: nobody on the list any more
    assert _stale() == []


def test_rows_from_before_the_columns_get_them(demo: DemoResult) -> None:
    """What init and demo do after the migrations (maintenance.prepare_database)."""
    db.session.execute(text("UPDATE recordings SET verdict = NULL, access_open_until = NULL"))
    db.session.execute(text("DELETE FROM consent_tallies"))
    db.session.commit()
    fill_derived()
    db.session.commit()
    assert _stale() == []
    assert _tallies_agree()
    some = db.session.scalars(select(Recording)).first()
    assert some is not None and some.verdict == verdict_for_recording(some).status
