"""A group with two facilitators and a recording that needs every member's consent: what two
facilitators register at the same moment in the concurrency and two-server tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from clinic_consent.extensions import db
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.operations import RecordingPlan, grant_access, plan_recording
from clinic_consent.sessions.operations import (
    add_group_member,
    create_group_treatment,
    create_session,
    record_member_agreement,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.builders import PASSWORD, client, practice_defaults


@dataclass(frozen=True)
class Facilitator:
    id: int
    email: str
    password: str


@dataclass(frozen=True)
class GroupSetting:
    """Plain ids, usable from any thread or process after the setting is committed."""

    facilitators: tuple[Facilitator, Facilitator]
    recording_ids: tuple[int, ...]
    member_ids: tuple[int, ...]  # the members' session participant ids

    def capture_path(self, recording_id: int, member_id: int) -> str:
        key = f"p{member_id}"
        return f"/recordings/{recording_id}/consent/{key}/{key}"


def group_setting(members: int = 6, recordings: int = 1) -> GroupSetting:
    """Committed: the practice's defaults, two facilitators of a group of ``members``, and
    ``recordings`` planned training recordings of its session that need everyone's consent."""
    practice_defaults()
    first, second = (
        create_user(
            email=f"facilitator{n}@example.org",
            display_name=f"Facilitator {n}",
            role="group_facilitator",
            password=PASSWORD,
            language="en",
        )
        for n in (1, 2)
    )
    today = today_utc()
    group = create_group_treatment(
        name="Group",
        start_date=today - timedelta(days=7),
        facilitators=[first, second],
        agreement_text="What is said in the group stays in the group.",
        agreement_made_on=today - timedelta(days=7),
        actor=first,
    )
    for n in range(members):
        member = client(first, name=f"Member{n}")
        membership = add_group_member(group, member, joined_on=group.start_date, actor=first)
        record_member_agreement(membership, actor=first)
    session = create_session(kind="group", on=today, group=group, actor=first)
    recorder = next(p for p in session.participants if p.user_id == first.id)
    planned: list[Recording] = []
    for _ in range(recordings):
        recording = plan_recording(
            session,
            RecordingPlan(
                made_by="clinician",
                recorder=recorder,
                medium="audio",
                purpose="training",
                retention_until=today + timedelta(days=300),
            ),
            actor=first,
        )
        grant_access(recording, role="group_facilitator", purpose="Training", actor=first)
        planned.append(recording)
    db.session.commit()
    return GroupSetting(
        facilitators=(
            Facilitator(first.id, first.email, PASSWORD),
            Facilitator(second.id, second.email, PASSWORD),
        ),
        recording_ids=tuple(r.id for r in planned),
        member_ids=tuple(p.id for p in session.participants if p.role == "client"),
    )


def facilitator_user(facilitator: Facilitator) -> User:
    found = db.session.get(User, facilitator.id)
    assert found is not None
    return found
