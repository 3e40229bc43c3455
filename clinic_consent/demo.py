"""An idempotent demo practice, so that a newcomer can log in and see every verdict at once.

Built only through the operations, in one transaction: either the whole demo exists or none.
The logins have known passwords, so the demo refuses to run in production.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from clinic_consent.clients.models import Client, Representative
from clinic_consent.clients.operations import (
    add_representative,
    create_client,
    record_capacity_judgement,
)
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.extensions import db
from clinic_consent.practice.operations import retention_class
from clinic_consent.recordings.facts import verdict_for_recording
from clinic_consent.recordings.incidents import StepInput, add_incident_step, register_incident
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import (
    RecordingPlan,
    grant_access,
    mark_recording_made,
    plan_recording,
    register_destruction,
)
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.sessions.operations import (
    add_client_participant,
    add_group_member,
    add_staff_participant,
    create_group_treatment,
    create_session,
    record_member_agreement,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user, find_user_by_email


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str
    # The roles that sign in with a second factor have a published authenticator key too;
    # `clinic-consent demo-code` prints its current code.
    totp_secret: str | None = None


DEMO_LOGINS = (
    DemoLogin(
        "administrator",
        "admin@demo.clinic-consent.test",
        "demo-admin-2026",
        "Anna Smit",
        "DEMOADMINTOTPKEYFORCLINICCONSENT",
    ),
    DemoLogin(
        "practice_manager",
        "manager@demo.clinic-consent.test",
        "demo-manager-2026",
        "Mark Dekker",
        "DEMOMANAGERTOTPKEYCLINICCONSENTX",
    ),
    DemoLogin(
        "therapist", "therapist@demo.clinic-consent.test", "demo-therapist-2026", "Tessa Bakker"
    ),
    DemoLogin(
        "group_facilitator",
        "facilitator@demo.clinic-consent.test",
        "demo-facilitator-2026",
        "Floor Visser",
    ),
)

GROUP_MEMBERS = (
    ("Ahmed", "El Amrani", 41),
    ("Bram", "Hendriks", 29),
    ("Chantal", "Verbeek", 52),
    ("Dewi", "Kartosen", 36),
    ("Eva", "Mol", 23),
    ("Fleur", "Brouwer", 47),
)


@dataclass
class DemoResult:
    created: bool
    logins: tuple[DemoLogin, ...]
    verdicts: Counter[str]
    forms: int = 0  # sealed forms and withdrawal receipts


def _years_ago(years: int, today: date, extra_days: int = 40) -> date:
    return today.replace(year=today.year - years) - timedelta(days=extra_days)


def signature_png(width: int = 240, height: int = 60) -> bytes:
    """A small black-on-white 'signature' stroke, as a real PNG (no imaging library needed)."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            stroke = abs(y - (height // 2 + int(12 * ((x % 60) / 30 - 1) ** 2))) < 2
            row.append(0 if stroke and 20 < x < width - 20 else 255)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def _grant(
    recording: Recording,
    party: SessionParticipant | Representative,
    for_participant: SessionParticipant,
    actor: User,
) -> None:
    register_consent(
        recording,
        party=party,
        for_participant=for_participant,
        decision="granted",
        method="paper_form",
        actor=actor,
    )


def _individual_session(
    therapist: User, client: Client, on: date
) -> tuple[TreatmentSession, SessionParticipant, SessionParticipant]:
    session = create_session(kind="individual", on=on, actor=therapist)
    staff = add_staff_participant(session, therapist, actor=therapist)
    return session, staff, add_client_participant(session, client, actor=therapist)


def _clinician_recording(
    session: TreatmentSession,
    recorder: SessionParticipant,
    actor: User,
    *,
    medium: str,
    purpose: str,
    storage_location: str | None = None,
) -> Recording:
    class_code = "medical_file" if purpose == "treatment" else purpose
    return plan_recording(
        session,
        RecordingPlan(
            made_by="clinician",
            recorder=recorder,
            medium=medium,
            purpose=purpose,
            retention_class=retention_class(class_code),
            storage_location=storage_location,
        ),
        actor=actor,
    )


def _client(given: str, family: str, age: int, today: date, actor: User) -> Client:
    return create_client(
        given_name=given, family_name=family, birth_date=_years_ago(age, today), actor=actor
    )


def _adult_scenarios(therapist: User, today: date) -> list[Recording]:
    """R1 (a private recording), and R8: training recordings overdue and destroyed."""
    lotte = _client("Lotte", "Mulder", 34, today, therapist)
    session, _, lotte_p = _individual_session(therapist, lotte, today)
    private = plan_recording(
        session,
        RecordingPlan(
            made_by="client",
            recorder=lotte_p,
            medium="audio",
            motive="To listen back at home with her partner",
            agreements="The recording stays private",
        ),
        actor=therapist,
    )
    recordings = [private]
    for days_ago, destroyed in ((400, False), (800, True)):
        on = today - timedelta(days=days_ago)
        session, therapist_p, lotte_p = _individual_session(therapist, lotte, on)
        old = _clinician_recording(
            session,
            therapist_p,
            therapist,
            medium="audio",
            purpose="training",
            storage_location="Encrypted training archive",
        )
        grant_access(old, role="therapist", purpose="Training of therapists", actor=therapist)
        _grant(old, lotte_p, lotte_p, therapist)
        mark_recording_made(old, actor=therapist)
        if destroyed:
            register_destruction(
                old, actor=therapist, method="Deleted and overwritten", witness="Mark Dekker"
            )
        recordings.append(old)
    return recordings


def _retention_scenarios(therapist: User, today: date) -> list[Recording]:
    """R8 on the dashboard: made recordings due within 30 and within 90 days (the latter with
    a supervisor's access that has expired)."""
    lotte = db.session.scalars(select(Client).where(Client.given_name == "Lotte")).one()
    recordings = []
    for days_ago, purpose in ((350, "training"), (300, "supervision")):
        session, therapist_p, lotte_p = _individual_session(
            therapist, lotte, today - timedelta(days=days_ago)
        )
        recording = _clinician_recording(
            session,
            therapist_p,
            therapist,
            medium="audio",
            purpose=purpose,
            storage_location="Encrypted training archive",
        )
        grant_access(
            recording, role="therapist", purpose="Training and supervision", actor=therapist
        )
        if purpose == "supervision":
            grant_access(
                recording,
                outside_name="Drs. J. Bos (supervisor)",
                purpose="Supervision of the treatment",
                valid_until=today - timedelta(days=30),
                actor=therapist,
            )
        _grant(recording, lotte_p, lotte_p, therapist)
        made_at = datetime.combine(session.date, time(11, 0), tzinfo=UTC)
        mark_recording_made(recording, actor=therapist, at=made_at)
        recordings.append(recording)
    return recordings


def _represented_scenarios(therapist: User, today: date) -> list[Recording]:
    """R6: a 14-year-old with two parents, a 9-year-old, an adult lacking capacity."""
    sanne = _client("Sanne", "Jansen", 14, today, therapist)
    parents = [
        add_representative(sanne, name=name, relation="parent", actor=therapist, contact=contact)
        for name, contact in (
            ("Ella Jansen", "ella.jansen@example.org"),
            ("Joost Jansen", "+31 6 1234 5678"),
        )
    ]
    session, therapist_p, sanne_p = _individual_session(therapist, sanne, today)
    supervision = _clinician_recording(
        session,
        therapist_p,
        therapist,
        medium="video",
        purpose="supervision",
        storage_location="Practice file server, folder Supervisie/2026",
    )
    grant_access(supervision, user=therapist, purpose="Own supervision", actor=therapist)
    grant_access(
        supervision,
        outside_name="Dr. P. de Wit (supervisor)",
        purpose="Supervision of the treatment",
        valid_until=today + timedelta(days=180),
        actor=therapist,
    )
    register_consent(
        supervision,
        party=sanne_p,
        for_participant=sanne_p,
        decision="granted",
        method="drawn_signature",
        signature_png=signature_png(),
        actor=therapist,
    )
    for parent in parents:
        _grant(supervision, parent, sanne_p, therapist)  # every party agreed: cleared

    daan = _client("Daan", "de Vries", 9, today, therapist)
    add_representative(daan, name="Mila de Vries", relation="parent", actor=therapist)
    session, therapist_p, _ = _individual_session(therapist, daan, today + timedelta(days=2))
    treatment = _clinician_recording(
        session,
        therapist_p,
        therapist,
        medium="audio",
        purpose="treatment",
        storage_location="Electronic health record, attachment",
    )
    grant_access(treatment, role="therapist", purpose="Treatment", actor=therapist)
    # ...his mother's consent is pending; and a covert video he made last week was discovered.
    session, _, daan_p = _individual_session(therapist, daan, today - timedelta(days=7))
    covert = plan_recording(
        session,
        RecordingPlan(made_by="client", recorder=daan_p, medium="video", covert=True),
        actor=therapist,
    )
    mark_recording_made(covert, actor=therapist)
    # R9: he put it online; the therapist asked for its removal, no answer yet.
    incident = register_incident(
        covert,
        discovered_on=today - timedelta(days=3),
        description="Fragment posted on a public video platform",
        actor=therapist,
    )
    add_incident_step(
        incident,
        StepInput(
            "removal_requested",
            on=today - timedelta(days=2),
            by_whom="Tessa Bakker (therapist)",
            note="Asked Daan and his mother by phone to take it down",
        ),
        actor=therapist,
    )

    willem = _client("Willem", "de Groot", 67, today, therapist)
    add_representative(willem, name="Karin de Groot", relation="curator", actor=therapist)
    record_capacity_judgement(
        willem,
        has_capacity=False,
        decision="Consent to recording of treatment sessions",
        judged_by=therapist,
        note="Judged at intake",
    )
    session, therapist_p, _ = _individual_session(therapist, willem, today + timedelta(days=1))
    # No access list yet: incomplete (R4).
    incomplete = _clinician_recording(
        session, therapist_p, therapist, medium="audio", purpose="treatment"
    )
    return [supervision, treatment, covert, incomplete]


def _group_scenarios(facilitator: User, today: date) -> list[Recording]:
    """A group of six with its agreement (R10); a member records (R2), the facilitator too."""
    group = create_group_treatment(
        name="Emotieregulatie groep",
        start_date=today - timedelta(days=28),
        end_date=today + timedelta(days=56),
        facilitators=[facilitator],
        agreement_text=(
            "What is said in the group stays in the group. Audio recording for private use "
            "only with the consent of every member, asked beforehand."
        ),
        agreement_made_on=today - timedelta(days=28),
        actor=facilitator,
    )
    for given, family, age in GROUP_MEMBERS:
        member = _client(given, family, age, today, facilitator)
        membership = add_group_member(group, member, joined_on=group.start_date, actor=facilitator)
        record_member_agreement(membership, actor=facilitator)
    session = create_session(kind="group", on=today, group=group, actor=facilitator)
    members = [p for p in session.participants if p.role == "client"]
    facilitator_p = next(p for p in session.participants if p.user_id == facilitator.id)

    member_recording = plan_recording(
        session,
        RecordingPlan(made_by="client", recorder=members[0], medium="audio"),
        actor=facilitator,
    )
    for participant in members[1:4]:  # two members have not answered yet
        _grant(member_recording, participant, participant, facilitator)

    training = _clinician_recording(
        session,
        facilitator_p,
        facilitator,
        medium="audio",
        purpose="training",
        storage_location="Encrypted training archive",
    )
    grant_access(training, role="group_facilitator", purpose="Training", actor=facilitator)
    for participant in members:
        _grant(training, participant, participant, facilitator)
    mark_recording_made(training, actor=facilitator)  # then a member withdraws: kept (R7, R8)
    withdrawn = next(c for c in training.consents if c.party_participant == members[2])
    withdraw_consent(withdrawn, actor=facilitator, reason="Changed her mind after the session")
    return [member_recording, training]


def build_demo(*, seal_forms: bool = True) -> DemoResult:
    """Create the demo practice unless it exists; the caller commits.

    With ``seal_forms`` every decision gets its sealed form and every withdrawal its receipt,
    as in real use (the test suite's demo fixture leaves them out: they cost about 50 ms each).
    """
    if find_user_by_email(DEMO_LOGINS[0].email) is not None:
        return DemoResult(False, DEMO_LOGINS, Counter())
    users = {
        login.role: create_user(
            email=login.email, display_name=login.name, role=login.role, password=login.password
        )
        for login in DEMO_LOGINS
    }
    for login in DEMO_LOGINS:
        users[login.role].totp_secret = login.totp_secret
    today = today_utc()
    recordings = [
        *_adult_scenarios(users["therapist"], today),
        *_retention_scenarios(users["therapist"], today),
        *_represented_scenarios(users["therapist"], today),
        *_group_scenarios(users["group_facilitator"], today),
    ]
    db.session.flush()
    _material_text_change(recordings, users["administrator"])
    verdicts = Counter(verdict_for_recording(r).status for r in recordings)
    forms = _seal_demo_forms(recordings) if seal_forms else 0
    return DemoResult(True, DEMO_LOGINS, verdicts, forms)


def _material_text_change(recordings: list[Recording], administrator: User) -> None:
    """Every decision pins the form text it was given on; then the administrator changes the
    Dutch group-recording text materially, so the members who consented on the old text are
    listed for re-consent."""
    from clinic_consent.forms_pdf.operations import (
        form_template,
        pin_form_version,
        save_template_version,
    )

    for recording in recordings:
        for consent in recording.consents:
            pin_form_version(consent)
    template = form_template("client_group_recording", "nl")
    current = template.latest_version()
    assert current is not None
    save_template_version(
        template,
        title=current.title,
        body=current.body
        + "\n\nDe opnemer bewaart de opname versleuteld en wist haar na afloop van de "
        "behandeling.",
        material=True,
        change_note="Added: the recording is kept encrypted and erased after the treatment.",
        actor=administrator,
    )


def _seal_demo_forms(recordings: list[Recording]) -> int:
    """A sealed form for every decision, and a receipt for every withdrawal."""
    from clinic_consent.forms_pdf.operations import seal_consent_form, seal_withdrawal_receipt

    sealed = 0
    for recording in recordings:
        for consent in recording.consents:
            registered_by = db.session.get(User, consent.registered_by_id)
            seal_consent_form(consent, registered_by)
            sealed += 1
            if consent.withdrawn_at is not None:
                seal_withdrawal_receipt(consent, registered_by)
                sealed += 1
    return sealed
