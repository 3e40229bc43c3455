"""Building stored data for tests through the operations, as the application itself does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clinic_consent.clients.models import Client
from clinic_consent.clients.operations import create_client
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import register_consent
from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
from clinic_consent.practice.operations import (
    ensure_default_retention_classes,
    ensure_practice_settings,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import RecordingPlan, grant_access, plan_recording
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.sessions.operations import (
    add_client_participant,
    add_staff_participant,
    create_session,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user

PASSWORD = "correct horse battery staple"


@dataclass
class Staff:
    therapist: User
    other_therapist: User
    facilitator: User
    manager: User


def make_staff() -> Staff:
    def user(email: str, role: str, name: str) -> User:
        return create_user(email=email, display_name=name, role=role, password=PASSWORD)

    return Staff(
        therapist=user("t@example.org", "therapist", "Tessa Bakker"),
        other_therapist=user("t2@example.org", "therapist", "Timo Smit"),
        facilitator=user("f@example.org", "group_facilitator", "Floor Visser"),
        manager=user("m@example.org", "practice_manager", "Mark Dekker"),
    )


def years_ago(years: int, extra_days: int = 30) -> date:
    today = today_utc()
    return today.replace(year=today.year - years) - timedelta(days=extra_days)


def client(
    actor: User, age: int = 40, name: str = "Client", birth_date: date | None = None
) -> Client:
    return create_client(
        given_name=name,
        family_name="Test",
        birth_date=birth_date or years_ago(age),
        actor=actor,
    )


@dataclass
class IndividualSession:
    session: TreatmentSession
    staff: SessionParticipant
    client: SessionParticipant


def individual_session(
    therapist: User, patient: Client, on: date | None = None
) -> IndividualSession:
    session = create_session(kind="individual", on=on or today_utc(), actor=therapist)
    staff = add_staff_participant(session, therapist, actor=therapist)
    participant = add_client_participant(session, patient, actor=therapist)
    return IndividualSession(session, staff, participant)


def clinician_recording(
    setting: IndividualSession, actor: User, medium: str = "audio", with_access: bool = True
) -> Recording:
    recording = plan_recording(
        setting.session,
        RecordingPlan(
            made_by="clinician",
            recorder=setting.staff,
            medium=medium,
            purpose="supervision",
            retention_until=setting.session.date + timedelta(days=300),
        ),
        actor=actor,
    )
    if with_access:
        grant_access(recording, user=actor, purpose="Supervision", actor=actor)
    return recording


def own_consent(setting: IndividualSession, recording: Recording, actor: User) -> Consent:
    """The session's client grants their own consent, on a paper form."""
    return register_consent(
        recording,
        party=setting.client,
        for_participant=setting.client,
        decision="granted",
        method="paper_form",
        actor=actor,
    )


def practice_defaults() -> None:
    """The default rows `init` creates (the fixtures build the schema with create_all)."""
    ensure_practice_settings("Test practice")
    ensure_default_retention_classes()
    ensure_default_form_templates()
