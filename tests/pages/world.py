"""A practice whose main pages have a chosen number of rows behind them, built through the
operations, to count the SQL queries each page costs as that number grows.

``grow(world, n)`` adds n of everything a main page lists: sessions of one client this week
(each with a clinician's recording, its access entry and the client's consent, and the
client's own recording; every third consent withdrawn, every other recording made and
overdue), n clients of the therapist, and
n members of one group, who all consent to the group session's recording. The benchmark
(bench/pages.py) builds the same world with 10 and with 1,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import inspect

from clinic_consent.clients.models import Client
from clinic_consent.consents.operations import register_consent, withdraw_consent
from clinic_consent.extensions import db
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import (
    RecordingPlan,
    grant_access,
    mark_recording_made,
    plan_recording,
)
from clinic_consent.sessions.models import GroupTreatment, TreatmentSession
from clinic_consent.sessions.operations import (
    add_group_member,
    create_group_treatment,
    create_session,
    record_member_agreement,
)
from clinic_consent.timeutil import today_utc
from tests import builders

T = TypeVar("T")


@dataclass
class World:
    staff: builders.Staff
    regular: Client  # the client whose sessions fill the agenda and the client page
    group: GroupTreatment
    clients: list[Client] = field(default_factory=list)
    sessions: list[TreatmentSession] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    group_session: TreatmentSession | None = None
    group_recording: Recording | None = None


def build() -> World:
    builders.practice_defaults()
    staff = builders.make_staff()
    today = today_utc()
    group = create_group_treatment(
        name="Groep",
        start_date=today - timedelta(days=7),
        facilitators=[staff.facilitator],
        agreement_text="What is said here stays here.",
        agreement_made_on=today - timedelta(days=7),
        actor=staff.facilitator,
    )
    world = World(staff, builders.client(staff.therapist, name="Regular"), group)
    db.session.commit()
    return world


def grow(world: World, n: int) -> None:
    """Add n rows behind every main page; commits."""
    for _ in range(n):
        _session_of_the_regular_client(world)
        world.clients.append(builders.client(world.staff.therapist, name=f"C{len(world.clients)}"))
        _group_member(world)
    _group_session(world)
    db.session.commit()


def reattach(world: World) -> None:
    """The world's objects from the current session again (measuring empties the session)."""

    def again(obj: T) -> T:
        found = db.session.get(type(obj), inspect(obj).identity)
        assert found is not None
        return found

    staff = world.staff
    world.staff = builders.Staff(
        again(staff.therapist),
        again(staff.other_therapist),
        again(staff.facilitator),
        again(staff.manager),
    )
    world.regular, world.group = again(world.regular), again(world.group)
    world.clients = [again(c) for c in world.clients]
    world.sessions = [again(s) for s in world.sessions]
    world.recordings = [again(r) for r in world.recordings]
    if world.group_session is not None and world.group_recording is not None:
        world.group_session = again(world.group_session)
        world.group_recording = again(world.group_recording)


def _session_of_the_regular_client(world: World) -> None:
    therapist = world.staff.therapist
    setting = builders.individual_session(therapist, world.regular, today_utc())
    recording = builders.clinician_recording(setting, therapist, medium="video")
    consent = builders.own_consent(setting, recording, therapist)
    number = len(world.recordings)
    if number % 2 == 0:
        mark_recording_made(recording, actor=therapist)
        recording.retention_until = today_utc() - timedelta(days=1 + number)  # overdue
    if number % 3 == 0:
        withdraw_consent(consent, actor=therapist)
    # The client records the session too (R1): lists must not ask about it row by row.
    plan_recording(
        setting.session,
        RecordingPlan(made_by="client", recorder=setting.client, medium="audio"),
        actor=therapist,
    )
    world.sessions.append(setting.session)
    world.recordings.append(recording)


def _group_member(world: World) -> None:
    facilitator = world.staff.facilitator
    member = builders.client(facilitator, name=f"M{len(world.group.members)}")
    membership = add_group_member(
        world.group, member, joined_on=world.group.start_date, actor=facilitator
    )
    record_member_agreement(membership, actor=facilitator)


def _group_session(world: World) -> None:
    """Today's group session with every member so far, recorded with all their consents."""
    facilitator = world.staff.facilitator
    starts_at = datetime.now(UTC) + timedelta(minutes=len(world.sessions))
    session = create_session(
        kind="group", on=today_utc(), group=world.group, starts_at=starts_at, actor=facilitator
    )
    lead = next(p for p in session.participants if p.user_id == facilitator.id)
    recording = plan_recording(
        session,
        RecordingPlan(
            made_by="clinician",
            recorder=lead,
            medium="audio",
            purpose="training",
            retention_until=today_utc() + timedelta(days=200),
        ),
        actor=facilitator,
    )
    grant_access(recording, role="group_facilitator", purpose="Training", actor=facilitator)
    for participant in session.participants:
        if participant.role == "client":
            register_consent(
                recording,
                party=participant,
                for_participant=participant,
                decision="granted",
                method="paper_form",
                actor=facilitator,
            )
    world.group_session = session
    world.group_recording = recording
