"""An idempotent demo practice, so that a newcomer can log in and see every verdict at once.

Built only through the operations, in one transaction: either the whole demo exists or none.
The logins have known passwords, so the demo refuses to run in production.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

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


DEMO_LOGINS = (
    DemoLogin("administrator", "admin@demo.clinic-consent.test", "demo-admin-2026", "Anna Smit"),
    DemoLogin(
        "practice_manager", "manager@demo.clinic-consent.test", "demo-manager-2026", "Mark Dekker"
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
    *,
    decision: str = "granted",
) -> None:
    register_consent(
        recording,
        party=party,
        for_participant=for_participant,
        decision=decision,
        method="paper_form",
        actor=actor,
    )


def _client_participant(session: TreatmentSession, client: Client) -> SessionParticipant:
    return next(p for p in session.participants if p.client_id == client.id)


def build_demo() -> DemoResult:
    """Create the demo practice unless it exists; the caller commits."""
    if find_user_by_email(DEMO_LOGINS[0].email) is not None:
        return DemoResult(False, DEMO_LOGINS, Counter())

    users = {
        login.role: create_user(
            email=login.email, display_name=login.name, role=login.role, password=login.password
        )
        for login in DEMO_LOGINS
    }
    therapist, facilitator = users["therapist"], users["group_facilitator"]
    today = today_utc()
    recordings: list[Recording] = []

    # An adult client records her own individual session for private use (R1).
    lotte = create_client(
        given_name="Lotte", family_name="Mulder", birth_date=_years_ago(34, today), actor=therapist
    )
    session = create_session(kind="individual", on=today, actor=therapist, title="Intake")
    add_staff_participant(session, therapist, actor=therapist)
    lotte_p = add_client_participant(session, lotte, actor=therapist)
    recordings.append(
        plan_recording(
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
    )

    # A 14-year-old with two parents: a supervision video that every party agreed to (R3, R6).
    sanne = create_client(
        given_name="Sanne", family_name="Jansen", birth_date=_years_ago(14, today), actor=therapist
    )
    parents = [
        add_representative(sanne, name=name, relation="parent", actor=therapist, contact=contact)
        for name, contact in (
            ("Ella Jansen", "ella.jansen@example.org"),
            ("Joost Jansen", "+31 6 1234 5678"),
        )
    ]
    session = create_session(kind="individual", on=today, actor=therapist)
    therapist_p = add_staff_participant(session, therapist, actor=therapist)
    sanne_p = add_client_participant(session, sanne, actor=therapist)
    supervision = plan_recording(
        session,
        RecordingPlan(
            made_by="clinician",
            recorder=therapist_p,
            medium="video",
            purpose="supervision",
            retention_class=retention_class("supervision"),
            storage_location="Practice file server, folder Supervisie/2026",
        ),
        actor=therapist,
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
        _grant(supervision, parent, sanne_p, therapist)
    recordings.append(supervision)

    # A 9-year-old: his mother decides instead of him (R6); her consent is still pending.
    daan = create_client(
        given_name="Daan", family_name="de Vries", birth_date=_years_ago(9, today), actor=therapist
    )
    add_representative(daan, name="Mila de Vries", relation="parent", actor=therapist)
    session = create_session(kind="individual", on=today + timedelta(days=2), actor=therapist)
    therapist_p = add_staff_participant(session, therapist, actor=therapist)
    add_client_participant(session, daan, actor=therapist)
    treatment = plan_recording(
        session,
        RecordingPlan(
            made_by="clinician",
            recorder=therapist_p,
            medium="audio",
            purpose="treatment",
            retention_class=retention_class("medical_file"),
            storage_location="Electronic health record, attachment",
        ),
        actor=therapist,
    )
    grant_access(treatment, role="therapist", purpose="Treatment", actor=therapist)
    recordings.append(treatment)
    # ...and a covert video he made at an earlier session, registered once discovered.
    earlier = create_session(kind="individual", on=today - timedelta(days=7), actor=therapist)
    add_staff_participant(earlier, therapist, actor=therapist)
    daan_earlier = add_client_participant(earlier, daan, actor=therapist)
    covert = plan_recording(
        earlier,
        RecordingPlan(made_by="client", recorder=daan_earlier, medium="video", covert=True),
        actor=therapist,
    )
    mark_recording_made(covert, actor=therapist)
    recordings.append(covert)

    # An adult lacking capacity, represented by a curator; the access list is not set yet (R4).
    willem = create_client(
        given_name="Willem",
        family_name="de Groot",
        birth_date=_years_ago(67, today),
        actor=therapist,
    )
    add_representative(willem, name="Karin de Groot", relation="curator", actor=therapist)
    record_capacity_judgement(
        willem,
        has_capacity=False,
        decision="Consent to recording of treatment sessions",
        judged_by=therapist,
        note="Judged at intake",
    )
    session = create_session(kind="individual", on=today + timedelta(days=1), actor=therapist)
    therapist_p = add_staff_participant(session, therapist, actor=therapist)
    add_client_participant(session, willem, actor=therapist)
    recordings.append(
        plan_recording(
            session,
            RecordingPlan(
                made_by="clinician",
                recorder=therapist_p,
                medium="audio",
                purpose="treatment",
                retention_class=retention_class("medical_file"),
            ),
            actor=therapist,
        )
    )

    # A training recording made over a year ago: overdue (R8); an older one already destroyed.
    for days_ago, destroyed in ((400, False), (800, True)):
        session = create_session(
            kind="individual", on=today - timedelta(days=days_ago), actor=therapist
        )
        therapist_p = add_staff_participant(session, therapist, actor=therapist)
        lotte_p = add_client_participant(session, lotte, actor=therapist)
        old = plan_recording(
            session,
            RecordingPlan(
                made_by="clinician",
                recorder=therapist_p,
                medium="audio",
                purpose="training",
                retention_class=retention_class("training"),
                storage_location="Encrypted training archive",
            ),
            actor=therapist,
        )
        grant_access(old, role="therapist", purpose="Training of therapists", actor=therapist)
        _grant(old, lotte_p, lotte_p, therapist)
        mark_recording_made(old, actor=therapist)
        if destroyed:
            register_destruction(
                old, actor=therapist, method="Deleted and overwritten", witness="Mark Dekker"
            )
        recordings.append(old)

    # A group of six with its agreement (R10); one member records (R2), the facilitator too.
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
    members = []
    for given, family, age in GROUP_MEMBERS:
        client = create_client(
            given_name=given,
            family_name=family,
            birth_date=_years_ago(age, today),
            actor=facilitator,
        )
        membership = add_group_member(group, client, joined_on=group.start_date, actor=facilitator)
        record_member_agreement(membership, actor=facilitator)
        members.append(client)
    session = create_session(kind="group", on=today, group=group, actor=facilitator)
    member_ps = [_client_participant(session, client) for client in members]
    member_recording = plan_recording(
        session,
        RecordingPlan(made_by="client", recorder=member_ps[0], medium="audio"),
        actor=facilitator,
    )
    for participant in member_ps[1:4]:
        _grant(member_recording, participant, participant, facilitator)
    recordings.append(member_recording)

    facilitator_p = next(p for p in session.participants if p.user_id == facilitator.id)
    training = plan_recording(
        session,
        RecordingPlan(
            made_by="clinician",
            recorder=facilitator_p,
            medium="audio",
            purpose="training",
            retention_class=retention_class("training"),
            storage_location="Encrypted training archive",
        ),
        actor=facilitator,
    )
    grant_access(training, role="group_facilitator", purpose="Training", actor=facilitator)
    for participant in member_ps:
        _grant(training, participant, participant, facilitator)
    withdrawn = next(c for c in training.consents if c.party_participant == member_ps[2])
    withdraw_consent(withdrawn, actor=facilitator, reason="Changed her mind after the session")
    recordings.append(training)

    db.session.flush()
    verdicts = Counter(verdict_for_recording(r).status for r in recordings)
    return DemoResult(True, DEMO_LOGINS, verdicts)
