"""Two facilitators at the same moment: consents and changes of terms registered in parallel
(threads, each with its own app context and database connection, released together by a
barrier) lose nothing and store nothing twice, and the one who comes second is told why.

On PostgreSQL the requests really overlap; SQLite lets one writer in at a time (the others
wait for the lock), and the same outcomes must hold there."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.audit.verification import run_verification
from clinic_consent.consents.models import Consent, ConsentTally
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.consents.tallies import tallies
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.recordings.derived import stale_recordings
from clinic_consent.recordings.facts import verdict_loading
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import RecordingTerms, update_recording_terms
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.timeutil import today_utc
from tests.conftest import sign_in_with
from tests.hardening.group_setting import (
    Facilitator,
    GroupSetting,
    facilitator_user,
    group_setting,
)
from tests.hardening.parallel import run_together

HIDDEN = re.compile(r'name="(\w+)" type="hidden" value="([^"]*)"')
MEANWHILE = "already registered meanwhile"
CHANGED = "changed meanwhile by someone else"


def signed_in(app: Flask, facilitator: Facilitator) -> FlaskClient:
    browser = app.test_client()
    response = sign_in_with(browser, facilitator.email, facilitator.password)
    assert response.status_code == 302
    return browser


def hidden_fields(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


def open_and_register(
    browser: FlaskClient, path: str, barrier: threading.Barrier
) -> tuple[int, str]:
    """Open the capture page, wait for the other facilitator, then register a paper consent."""
    page = browser.get(path)
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    barrier.wait()
    answer = browser.post(
        path,
        data={
            "decision": "granted",
            "method": "paper_form",
            "template_version": fields["template_version"],
            "decision_number": fields["decision_number"],
        },
    )
    return answer.status_code, answer.get_data(as_text=True)


def check_consistent(setting: GroupSetting) -> None:
    """The derived columns and tallies agree with the rows, and the audit chain verifies."""
    db.session.rollback()  # read what the threads committed
    assert stale_recordings(db.session) == []
    counted = {
        "granted": db.session.scalar(
            select(func.count()).where(
                Consent.decision == "granted", Consent.withdrawn_at.is_(None)
            )
        ),
        "withdrawn": db.session.scalar(
            select(func.count()).where(Consent.withdrawn_at.is_not(None))
        ),
    }
    stored = {t.state: t.count for t in db.session.scalars(select(ConsentTally))}
    for state, count in counted.items():
        assert stored.get(state, 0) == count, (state, stored)
    assert tallies(db.session)["granted"] == counted["granted"]
    report = run_verification(None)
    assert report.intact, report
    assert report.entries_checked == db.session.scalar(select(func.count(AuditEntry.id)))
    db.session.commit()


def consents_of(recording_id: int) -> list[Consent]:
    return list(
        db.session.scalars(
            select(Consent).where(Consent.recording_id == recording_id).order_by(Consent.id)
        )
    )


def test_two_facilitators_registering_different_members_at_once_lose_nothing(
    app: Flask,
) -> None:
    setting = group_setting(members=6)
    recording_id = setting.recording_ids[0]
    browsers = [signed_in(app, f) for f in setting.facilitators]
    shares = [setting.member_ids[0::2], setting.member_ids[1::2]]

    def facilitator(number: int) -> object:
        def work(barrier: threading.Barrier) -> list[int]:
            return [
                open_and_register(
                    browsers[number], setting.capture_path(recording_id, member), barrier
                )[0]
                for member in shares[number]
            ]

        return work

    answers = run_together(None, facilitator(0), facilitator(1))

    assert answers == [[303, 303, 303], [303, 303, 303]]
    stored = consents_of(recording_id)
    assert sorted(c.for_participant_id for c in stored) == sorted(setting.member_ids)
    assert {c.registered_by_id for c in stored} == {f.id for f in setting.facilitators}
    recording = db.session.get_one(Recording, recording_id)
    assert recording.verdict == "cleared"  # every member's consent counted, none lost
    granted = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.granted"))
    assert sorted(e.object_id for e in granted) == sorted(c.id for c in stored)
    check_consistent(setting)


def test_the_same_member_registered_by_both_at_once_is_stored_once_and_the_second_told(
    app: Flask,
) -> None:
    setting = group_setting(members=3)
    recording_id = setting.recording_ids[0]
    browsers = [signed_in(app, f) for f in setting.facilitators]

    def facilitator(number: int) -> object:
        def work(barrier: threading.Barrier) -> list[tuple[int, str]]:
            return [
                open_and_register(
                    browsers[number], setting.capture_path(recording_id, member), barrier
                )
                for member in setting.member_ids
            ]

        return work

    first, second = run_together(None, facilitator(0), facilitator(1))

    for mine, theirs in zip(first, second, strict=True):
        assert sorted([mine[0], theirs[0]]) == [303, 422]
        refused = mine if mine[0] == 422 else theirs
        assert MEANWHILE in refused[1]
    stored = consents_of(recording_id)
    assert sorted(c.for_participant_id for c in stored) == sorted(setting.member_ids)
    assert [c.decision_number for c in stored] == [1, 1, 1]
    check_consistent(setting)


def _register_after_both_read(setting: GroupSetting, recording_id: int, member_id: int) -> object:
    """Load the recording, wait until the other thread has too, then register and commit."""

    def work(barrier: threading.Barrier) -> str:
        recording = db.session.scalars(
            select(Recording).where(Recording.id == recording_id).options(*verdict_loading())
        ).one()
        member = db.session.get_one(SessionParticipant, member_id)
        facilitator = facilitator_user(setting.facilitators[0])
        barrier.wait()  # both have read: neither sees the other's consent
        try:
            register_consent(
                recording,
                party=member,
                for_participant=member,
                decision="granted",
                method="paper_form",
                actor=facilitator,
            )
        except OperationError as error:
            # The transaction is still usable: the consent stored meanwhile can be read.
            others = db.session.scalar(
                select(func.count(Consent.id)).where(Consent.recording_id == recording_id)
            )
            return f"{error.message} ({others} stored)"
        db.session.commit()
        return "stored"

    return work


def test_registrations_that_both_read_before_either_wrote_are_stopped_by_the_constraint(
    app: Flask,
) -> None:
    setting = group_setting(members=2)
    recording_id = setting.recording_ids[0]
    member = setting.member_ids[0]

    answers = run_together(
        app,
        _register_after_both_read(setting, recording_id, member),
        _register_after_both_read(setting, recording_id, member),
    )

    assert "stored" in answers
    refusal = next(a for a in answers if a != "stored")
    assert MEANWHILE in refusal and "(1 stored)" in refusal
    assert len(consents_of(recording_id)) == 1
    check_consistent(setting)


def test_the_first_consents_of_two_recordings_at_once_are_both_tallied(app: Flask) -> None:
    setting = group_setting(members=2, recordings=2)
    assert db.session.scalars(select(ConsentTally)).all() == []  # a new practice: no tallies
    member = setting.member_ids[0]

    answers = run_together(
        app,
        *(_register_after_both_read(setting, r, member) for r in setting.recording_ids),
    )

    assert answers == ["stored", "stored"]
    db.session.rollback()
    assert db.session.get_one(ConsentTally, "granted").count == 2
    check_consistent(setting)


def test_withdrawals_of_one_recording_at_once_are_both_counted(app: Flask) -> None:
    setting = group_setting(members=2)
    recording = db.session.get_one(Recording, setting.recording_ids[0])
    facilitator = facilitator_user(setting.facilitators[0])
    for member_id in setting.member_ids:
        member = db.session.get_one(SessionParticipant, member_id)
        register_consent(
            recording,
            party=member,
            for_participant=member,
            decision="granted",
            method="paper_form",
            actor=facilitator,
        )
    db.session.commit()
    consent_ids = [c.id for c in consents_of(recording.id)]

    def withdraw(consent_id: int) -> object:
        def work(barrier: threading.Barrier) -> str:
            consent = db.session.get_one(Consent, consent_id)
            actor = facilitator_user(setting.facilitators[1])
            barrier.wait()
            consequence = withdraw_consent(consent, actor=actor, reason="Changed my mind")
            db.session.commit()
            return consequence

        return work

    assert run_together(app, *(withdraw(i) for i in consent_ids)) == ["blocked", "blocked"]

    db.session.rollback()
    stored = db.session.get_one(Recording, recording.id)
    assert (stored.withdrawals, stored.verdict) == (2, "refused")
    check_consistent(setting)


def _terms_form(recording: Recording, version: str, storage: str) -> dict[str, str]:
    retention = recording.retention_until or today_utc() + timedelta(days=300)
    return {
        "form_name": "terms",
        "recording_id": str(recording.id),
        "version": version,
        "medium": recording.medium,
        "scope": recording.scope,
        "purpose": recording.purpose or "",
        "retention_class": "",
        "retention_until": retention.isoformat(),
        "storage_location": storage,
    }


def test_changing_terms_someone_changed_at_the_same_moment_says_changed_meanwhile(
    app: Flask,
) -> None:
    setting = group_setting(members=2)
    recording = db.session.get_one(Recording, setting.recording_ids[0])
    path = f"/recordings/{recording.id}/edit"
    browsers = [signed_in(app, f) for f in setting.facilitators]
    forms = [_terms_form(recording, "", f"Archive room {n}") for n in (0, 1)]

    def edit(number: int) -> object:
        def work(barrier: threading.Barrier) -> tuple[int, str]:
            page = browsers[number].get(path)
            assert page.status_code == 200
            version = hidden_fields(page.get_data(as_text=True))["version"]
            barrier.wait()
            answer = browsers[number].post(path, data={**forms[number], "version": version})
            return answer.status_code, answer.get_data(as_text=True)

        return work

    answers = run_together(None, edit(0), edit(1))

    assert sorted(status for status, _page in answers) == [302, 422]
    winner = next(n for n, (status, _page) in enumerate(answers) if status == 302)
    refused_page = answers[1 - winner][1]
    assert CHANGED in refused_page
    # The page shows the terms as they are now, to redo the change on.
    assert f'value="Archive room {winner}"' in refused_page
    db.session.rollback()
    stored = db.session.get_one(Recording, recording.id)
    assert stored.storage_location == f"Archive room {winner}"
    check_consistent(setting)


def test_terms_changes_that_both_read_before_either_wrote_keep_the_first(app: Flask) -> None:
    setting = group_setting(members=2)
    recording_id = setting.recording_ids[0]
    version = db.session.get_one(Recording, recording_id).version

    def change(number: int) -> object:
        def work(barrier: threading.Barrier) -> tuple[str, str | None]:
            recording = db.session.get_one(Recording, recording_id)
            actor = facilitator_user(setting.facilitators[number])
            terms = RecordingTerms(
                medium=recording.medium,
                purpose=recording.purpose,
                retention_until=recording.retention_until,
                storage_location=f"Shelf {number}",
            )
            barrier.wait()  # both read the same version
            try:
                update_recording_terms(recording, terms, expected_version=version, actor=actor)
            except OperationError as error:
                # What the editor is shown next: the recording as the other left it.
                return str(error.message), recording.storage_location
            db.session.commit()
            return "changed", None

        return work

    answers = run_together(app, change(0), change(1))

    assert sorted(a[0] == "changed" for a in answers) == [False, True]
    winner = next(n for n, a in enumerate(answers) if a[0] == "changed")
    message, shown = answers[1 - winner]
    assert CHANGED in message
    assert shown == f"Shelf {winner}"
    db.session.rollback()
    stored = db.session.get_one(Recording, recording_id)
    assert (stored.storage_location, stored.version) == (f"Shelf {winner}", version + 1)
    check_consistent(setting)
