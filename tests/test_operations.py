"""Operations refuse bad input with a message naming the field, and write nothing then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.models import Client
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.operations import retention_class
from clinic_consent.recordings.operations import (
    RecordingPlan,
    grant_access,
    mark_recording_made,
    plan_recording,
    register_destruction,
    revoke_access,
)
from clinic_consent.sessions.operations import (
    add_client_participant,
    create_group_treatment,
    create_session,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.operations import create_user
from tests.builders import (
    IndividualSession,
    Staff,
    client,
    clinician_recording,
    individual_session,
    make_staff,
    practice_defaults,
)


@pytest.fixture
def staff(app: Flask) -> Staff:
    practice_defaults()
    return make_staff()


@pytest.fixture
def setting(staff: Staff) -> IndividualSession:
    return individual_session(staff.therapist, client(staff.therapist))


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"birth_date": today_utc() + timedelta(days=1)}, "birth_date", "after today"),
        ({"given_name": "   "}, "given_name", "is required"),
        ({"family_name": "x" * 201}, "family_name", "at most 200"),
        ({"family_name": "Jansen\x00"}, "family_name", "control characters"),
        ({"language": "de"}, "language", "one of nl, en"),
    ],
)
def test_bad_client_data_is_refused_and_nothing_is_written(
    staff: Staff, changes: dict[str, object], field: str, message: str
) -> None:
    from clinic_consent.clients.operations import create_client

    db.session.commit()
    audit_before = _audit_count()
    data: dict[str, object] = {
        "given_name": "Sanne",
        "family_name": "Jansen",
        "birth_date": today_utc() - timedelta(days=5000),
        **changes,
    }
    with pytest.raises(OperationError) as caught:
        create_client(actor=staff.therapist, **data)  # type: ignore[arg-type]
    assert caught.value.field == field and message in caught.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Client)) == 0
    assert _audit_count() == audit_before


@pytest.mark.parametrize(
    ("password", "email", "field"),
    [("short", "a@example.org", "password"), ("long enough password", "not-an-email", "email")],
)
def test_user_needs_a_valid_address_and_a_12_character_password(
    app: Flask, password: str, email: str, field: str
) -> None:
    with pytest.raises(OperationError) as caught:
        create_user(email=email, display_name="X", role="therapist", password=password)
    assert caught.value.field == field


def test_an_individual_session_has_one_client(staff: Staff, setting: IndividualSession) -> None:
    with pytest.raises(OperationError, match="individual session has one client"):
        add_client_participant(setting.session, client(staff.therapist), actor=staff.therapist)


def test_a_group_session_falls_within_the_group_period(staff: Staff) -> None:
    group = create_group_treatment(
        name="G",
        start_date=today_utc(),
        end_date=today_utc() + timedelta(days=10),
        facilitators=[staff.facilitator],
        actor=staff.facilitator,
    )
    with pytest.raises(OperationError) as caught:
        create_session(
            kind="group", on=today_utc() + timedelta(days=11), group=group, actor=staff.facilitator
        )
    assert caught.value.field == "date"


def test_a_practice_manager_cannot_facilitate_a_group(staff: Staff) -> None:
    with pytest.raises(OperationError, match="not an active clinician"):
        create_group_treatment(
            name="G", start_date=today_utc(), facilitators=[staff.manager], actor=staff.manager
        )


@pytest.mark.parametrize(
    ("recorder", "plan", "field"),
    [
        ("client", {"made_by": "client", "purpose": "training"}, "purpose"),
        ("staff", {"made_by": "clinician", "purpose": "private"}, "purpose"),
        ("staff", {"made_by": "clinician", "medium": "film"}, "medium"),
        ("staff", {"made_by": "clinician", "scope": "partial"}, "scope_description"),
        (
            "staff",
            {"made_by": "clinician", "retention_until": today_utc() - timedelta(days=1)},
            "retention_until",
        ),
        ("staff", {"made_by": "client"}, "recorder"),
    ],
)
def test_recording_plans_that_do_not_fit_are_refused(
    staff: Staff, setting: IndividualSession, recorder: str, plan: dict[str, object], field: str
) -> None:
    participant = setting.staff if recorder == "staff" else setting.client
    values: dict[str, object] = {"medium": "audio", "recorder": participant, **plan}
    with pytest.raises(OperationError) as caught:
        plan_recording(setting.session, RecordingPlan(**values), actor=staff.therapist)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_retention_class_gives_the_destroy_by_date(
    staff: Staff, setting: IndividualSession
) -> None:
    recording = plan_recording(
        setting.session,
        RecordingPlan(
            made_by="clinician",
            recorder=setting.staff,
            medium="audio",
            purpose="training",
            retention_class=retention_class("training"),
        ),
        actor=staff.therapist,
    )
    assert recording.retention_until == setting.session.date + timedelta(days=365)


def test_a_later_date_than_the_class_allows_needs_a_written_reason(
    staff: Staff, setting: IndividualSession
) -> None:
    plan = RecordingPlan(
        made_by="clinician",
        recorder=setting.staff,
        medium="audio",
        purpose="training",
        retention_class=retention_class("training"),
        retention_until=setting.session.date + timedelta(days=400),
    )
    with pytest.raises(OperationError) as caught:
        plan_recording(setting.session, plan, actor=staff.therapist)
    assert caught.value.field == "retention_reason"
    reasoned = RecordingPlan(**{**plan.__dict__, "retention_reason": "Supervision runs until June"})
    recording = plan_recording(setting.session, reasoned, actor=staff.therapist)
    assert recording.retention_until == setting.session.date + timedelta(days=400)


def test_destruction_is_registered_once_and_only_for_a_made_recording(
    staff: Staff, setting: IndividualSession
) -> None:
    recording = clinician_recording(setting, staff.therapist)
    with pytest.raises(OperationError, match="never made"):
        register_destruction(recording, actor=staff.therapist, method="Deleted")
    mark_recording_made(recording, actor=staff.therapist)
    with pytest.raises(OperationError, match="cannot be marked made"):
        mark_recording_made(recording, actor=staff.therapist)
    with pytest.raises(OperationError) as caught:
        register_destruction(recording, actor=staff.therapist, method="  ")
    assert caught.value.field == "method"
    register_destruction(recording, actor=staff.therapist, method="Deleted", witness="M. Dekker")
    assert recording.status == "destroyed" and recording.destruction_witness == "M. Dekker"
    with pytest.raises(OperationError, match="already registered"):
        register_destruction(recording, actor=staff.therapist, method="Deleted again")


def test_access_names_exactly_one_grantee_and_is_revoked_once(
    staff: Staff, setting: IndividualSession
) -> None:
    recording = clinician_recording(setting, staff.therapist, with_access=False)
    with pytest.raises(OperationError) as caught:
        grant_access(
            recording, user=staff.therapist, role="therapist", purpose="x", actor=staff.therapist
        )
    assert caught.value.field == "grantee"
    entry = grant_access(recording, role="therapist", purpose="Treatment", actor=staff.therapist)
    revoke_access(entry, actor=staff.therapist)
    with pytest.raises(OperationError, match="already revoked"):
        revoke_access(entry, actor=staff.therapist)


@pytest.mark.parametrize(
    ("method", "extra", "field"),
    [
        ("verbal_witness", {}, "witness_name"),
        ("drawn_signature", {}, "signature"),
        ("drawn_signature", {"signature_png": b"GIF89a not a png"}, "signature"),
        ("telepathy", {}, "method"),
    ],
)
def test_consent_method_needs_its_evidence(
    staff: Staff, setting: IndividualSession, method: str, extra: dict[str, object], field: str
) -> None:
    recording = clinician_recording(setting, staff.therapist)
    with pytest.raises(OperationError) as caught:
        register_consent(
            recording,
            party=setting.client,
            for_participant=setting.client,
            decision="granted",
            method=method,
            actor=staff.therapist,
            **extra,  # type: ignore[arg-type]
        )
    assert caught.value.field == field


def test_a_consent_is_withdrawn_once_and_a_refusal_not_at_all(
    staff: Staff, setting: IndividualSession
) -> None:
    recording = clinician_recording(setting, staff.therapist)

    def decide(decision: str):  # type: ignore[no-untyped-def]
        return register_consent(
            recording,
            party=setting.client,
            for_participant=setting.client,
            decision=decision,
            method="verbal_witness",
            witness_name="A. Witness",
            actor=staff.therapist,
        )

    refusal = decide("refused")
    with pytest.raises(OperationError, match="only a granted consent"):
        withdraw_consent(refusal, actor=staff.therapist)
    consent = decide("granted")
    withdraw_consent(consent, actor=staff.therapist)
    with pytest.raises(OperationError, match="already withdrawn"):
        withdraw_consent(consent, actor=staff.therapist)
