"""Group treatments with their roster, sessions and who takes part in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from clinic_consent.audit.operations import log_change
from clinic_consent.clients.models import Client
from clinic_consent.domain.vocabulary import SESSION_KINDS
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.sessions.models import (
    GroupMembership,
    GroupStaff,
    GroupTreatment,
    SessionParticipant,
    TreatmentSession,
)
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User
from clinic_consent.validation import not_after, one_of, optional_text, required_text


def _check_clinician(user: User, field: str) -> None:
    if not user.is_clinician or not user.is_active:
        raise OperationError(
            field, _l("%(name)s is not an active clinician", name=user.display_name)
        )


def create_group_treatment(
    *,
    name: str,
    start_date: date,
    facilitators: Sequence[User],
    actor: User,
    end_date: date | None = None,
    agreement_text: str | None = None,
    agreement_made_on: date | None = None,
) -> GroupTreatment:
    if not facilitators:
        raise OperationError("facilitators", _l("a group needs at least one facilitator"))
    for user in facilitators:
        _check_clinician(user, "facilitators")
    if end_date is not None and end_date < start_date:
        raise OperationError("end_date", _l("cannot be before the start date"))
    group = GroupTreatment(
        name=required_text(name, "name"),
        start_date=start_date,
        end_date=end_date,
        agreement_text=optional_text(agreement_text, "agreement_text", 10_000),
        agreement_made_on=agreement_made_on,
        created_by_id=actor.id,
    )
    db.session.add(group)
    group.staff.extend(GroupStaff(user_id=user.id) for user in facilitators)
    log_change("group.created", group, actor, facilitator_ids=[u.id for u in facilitators])
    return group


def add_group_member(
    group: GroupTreatment, client: Client, *, joined_on: date, actor: User
) -> GroupMembership:
    if any(m.client_id == client.id and m.left_on is None for m in group.members):
        raise OperationError("client", _l("is already a member of this group"))
    if any(m.client_id == client.id for m in group.members):
        # One membership row per client and group: a former member is not re-added.
        raise OperationError("client", _l("was a member of this group before"))
    if joined_on < group.start_date:
        raise OperationError("joined_on", _l("cannot be before the group starts"))
    membership = GroupMembership(group_treatment=group, client_id=client.id, joined_on=joined_on)
    db.session.add(membership)
    log_change("group.member_added", membership, actor, client_id=client.id, group_id=group.id)
    return membership


def record_member_agreement(
    membership: GroupMembership, *, actor: User, at: datetime | None = None
) -> None:
    """R10: the member accepted the group's recording and confidentiality agreement."""
    if membership.agreement_accepted_at is not None:
        raise OperationError(None, _l("this member's acceptance is already registered"))
    membership.agreement_accepted_at = at or now_utc()
    log_change("group.agreement_accepted", membership, actor, client_id=membership.client_id)


def end_group_membership(membership: GroupMembership, *, left_on: date, actor: User) -> None:
    """The member leaves the group; the row stays (sessions and consents refer to it)."""
    if membership.left_on is not None:
        raise OperationError(None, _l("this member has already left the group"))
    if left_on < membership.joined_on:
        raise OperationError("left_on", _l("cannot be before the member joined"))
    membership.left_on = left_on
    log_change(
        "group.member_left",
        membership,
        actor,
        client_id=membership.client_id,
        group_id=membership.group_treatment_id,
    )


def _within_group_period(group: GroupTreatment, on: date) -> bool:
    return group.start_date <= on and (group.end_date is None or on <= group.end_date)


def create_session(
    *,
    kind: str,
    on: date,
    actor: User,
    group: GroupTreatment | None = None,
    title: str | None = None,
    starts_at: datetime | None = None,
) -> TreatmentSession:
    """A session; a group session starts with the group's current members and facilitators."""
    one_of(kind, SESSION_KINDS, "kind")
    if group is not None and kind != "group":
        raise OperationError("kind", _l("a session of a group treatment is a group session"))
    if group is not None and not _within_group_period(group, on):
        raise OperationError("date", _l("falls outside the group treatment's period"))
    session = TreatmentSession(
        kind=kind,
        date=on,
        group_treatment=group,
        title=optional_text(title, "title", 200),
        starts_at=starts_at,
        created_by_id=actor.id,
    )
    db.session.add(session)
    log_change("session.created", session, actor, kind=kind)
    if group is not None:
        for staff in group.staff:
            add_staff_participant(session, staff.user, actor=actor)
        for member in group.members:
            if member.joined_on <= on and (member.left_on is None or member.left_on >= on):
                add_client_participant(session, member.client, actor=actor)
    return session


def update_session(
    session: TreatmentSession,
    *,
    on: date,
    actor: User,
    title: str | None = None,
    starts_at: datetime | None = None,
) -> None:
    """Move or rename a session; it must stay within its group's period and after every
    client participant's birth."""
    group = session.group_treatment
    if group is not None and not _within_group_period(group, on):
        raise OperationError("date", _l("falls outside the group treatment's period"))
    for participant in session.participants:
        born = participant.client.birth_date if participant.client else participant.birth_date
        if born is not None and on < born:
            raise OperationError("date", _l("cannot be before a participant's birth date"))
    values = {"date": on, "title": optional_text(title, "title", 200), "starts_at": starts_at}
    changed = sorted(name for name, value in values.items() if getattr(session, name) != value)
    for name in changed:
        setattr(session, name, values[name])
    if changed:
        log_change("session.updated", session, actor, fields=changed)


def _add(session: TreatmentSession, participant: SessionParticipant, actor: User) -> None:
    session.participants.append(participant)
    log_change(
        "session.participant_added",
        participant,
        actor,
        client_id=participant.client_id,
        session_id=session.id,
        role=participant.role,
    )


def add_client_participant(
    session: TreatmentSession, client: Client, *, actor: User
) -> SessionParticipant:
    if any(p.client_id == client.id for p in session.participants):
        raise OperationError("client", _l("already takes part in this session"))
    if session.kind == "individual" and any(p.role == "client" for p in session.participants):
        raise OperationError("client", _l("an individual session has one client"))
    not_after(client.birth_date, session.date, "client", _l("the session date"))
    participant = SessionParticipant(role="client", client_id=client.id, client=client)
    _add(session, participant, actor)
    return participant


def add_staff_participant(
    session: TreatmentSession, user: User, *, actor: User
) -> SessionParticipant:
    if any(p.user_id == user.id for p in session.participants):
        raise OperationError("user", _l("already takes part in this session"))
    _check_clinician(user, "user")
    participant = SessionParticipant(role="staff", user_id=user.id, user=user)
    _add(session, participant, actor)
    return participant


def add_other_participant(
    session: TreatmentSession,
    *,
    name: str,
    relation: str,
    actor: User,
    birth_date: date | None = None,
    has_capacity: bool = True,
) -> SessionParticipant:
    """A companion, family member or interpreter; R6 needs their age and capacity."""
    if birth_date is not None:
        not_after(birth_date, session.date, "birth_date", _l("the session date"))
    participant = SessionParticipant(
        role="other",
        name=required_text(name, "name"),
        relation=required_text(relation, "relation", 100),
        birth_date=birth_date,
        has_capacity=has_capacity,
    )
    _add(session, participant, actor)
    return participant
