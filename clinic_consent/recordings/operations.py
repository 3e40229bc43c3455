"""Planning recordings, their retention and access list, and registering destruction (R8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from clinic_consent.audit.operations import log_change
from clinic_consent.domain import vocabulary as v
from clinic_consent.errors import OperationError, refused_transition
from clinic_consent.extensions import db
from clinic_consent.recordings.models import AccessListEntry, Recording, RetentionClass
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import USER_ROLES, User
from clinic_consent.validation import one_of, optional_text, required_text


@dataclass(frozen=True)
class RecordingPlan:
    """What the person planning a recording states about it."""

    made_by: str
    recorder: SessionParticipant
    medium: str
    covert: bool = False
    public: bool = False
    scope: str = "whole"
    scope_description: str | None = None
    purpose: str | None = None
    motive: str | None = None
    agreements: str | None = None
    retention_class: RetentionClass | None = None
    retention_until: date | None = None
    retention_reason: str | None = None
    storage_location: str | None = None


def class_retention_limit(retention_class: RetentionClass, session_date: date) -> date | None:
    if retention_class.period_days is None:
        return None
    return session_date + timedelta(days=retention_class.period_days)


def _retention(plan: RecordingPlan, session_date: date) -> tuple[date | None, str | None]:
    until = plan.retention_until
    reason = optional_text(plan.retention_reason, "retention_reason")
    if until is not None and until < session_date:
        raise OperationError("retention_until", "cannot be before the session date")
    if plan.retention_class is None:
        return until, reason
    if not plan.retention_class.active:
        raise OperationError("retention_class", "is no longer in use")
    limit = class_retention_limit(plan.retention_class, session_date)
    if until is None:
        return limit, reason
    if limit is not None and until > limit and reason is None:
        raise OperationError(
            "retention_reason",
            f"a date later than the class allows ({limit.isoformat()}) needs a written reason",
        )
    return until, reason


def plan_recording(session: TreatmentSession, plan: RecordingPlan, *, actor: User) -> Recording:
    one_of(plan.made_by, v.MADE_BY, "made_by")
    one_of(plan.medium, v.MEDIA, "medium")
    one_of(plan.scope, v.SCOPES, "scope")
    if plan.recorder.session_id != session.id:
        raise OperationError("recorder", "does not take part in this session")
    expected_role = "client" if plan.made_by == "client" else "staff"
    if plan.recorder.role != expected_role:
        raise OperationError("recorder", f"a {plan.made_by} recording is made by a {expected_role}")
    if plan.made_by == "client":
        if plan.purpose not in (None, v.CLIENT_PURPOSE):
            raise OperationError("purpose", "a client's recording is for private use")
        purpose: str | None = v.CLIENT_PURPOSE
    else:
        if plan.purpose is not None:
            one_of(plan.purpose, v.CLINICIAN_PURPOSES, "purpose")
        purpose = plan.purpose
    scope_description = optional_text(plan.scope_description, "scope_description", 1000)
    if plan.scope == "partial" and scope_description is None:
        raise OperationError("scope_description", "say which part is recorded")
    retention_until, retention_reason = _retention(plan, session.date)
    recording = Recording(
        session=session,
        made_by=plan.made_by,
        recorder=plan.recorder,
        medium=plan.medium,
        covert=plan.covert,
        public=plan.public,
        scope=plan.scope,
        scope_description=scope_description if plan.scope == "partial" else None,
        purpose=purpose,
        motive=optional_text(plan.motive, "motive"),
        agreements=optional_text(plan.agreements, "agreements"),
        retention_class=plan.retention_class,
        retention_until=retention_until,
        retention_reason=retention_reason,
        storage_location=optional_text(plan.storage_location, "storage_location", 500),
        created_by_id=actor.id,
    )
    db.session.add(recording)
    log_change(
        "recording.planned",
        recording,
        actor,
        client_id=plan.recorder.client_id,
        session_id=session.id,
        made_by=plan.made_by,
        medium=plan.medium,
        covert=plan.covert,
        public=plan.public,
    )
    return recording


def mark_recording_made(recording: Recording, *, actor: User, at: datetime | None = None) -> None:
    with refused_transition():
        recording.mark_made(at or now_utc())
    log_change("recording.made", recording, actor)


def register_destruction(
    recording: Recording,
    *,
    actor: User,
    method: str,
    witness: str | None = None,
    at: datetime | None = None,
) -> None:
    """R8: the recording itself is destroyed; its consents, forms and audit trail stay."""
    method = required_text(method, "method", 500)
    witness = optional_text(witness, "witness", 200)
    with refused_transition():
        recording.register_destruction(actor.id, at or now_utc(), method, witness)
    log_change("recording.destroyed", recording, actor)


def grant_access(
    recording: Recording,
    *,
    purpose: str,
    actor: User,
    user: User | None = None,
    role: str | None = None,
    outside_name: str | None = None,
    valid_until: date | None = None,
) -> AccessListEntry:
    """Put a user, a role or a named outsider on the recording's access list (R4)."""
    named = [x for x in (user, role, outside_name) if x]
    if len(named) != 1:
        raise OperationError("grantee", "name exactly one user, role or outside person")
    if role is not None:
        one_of(role, USER_ROLES, "role")
    if valid_until is not None and valid_until < recording.session.date:
        raise OperationError("valid_until", "cannot be before the session date")
    entry = AccessListEntry(
        recording=recording,
        user=user,
        role=role,
        outside_name=optional_text(outside_name, "outside_name", 200),
        purpose=required_text(purpose, "purpose", 500),
        valid_until=valid_until,
        granted_by_id=actor.id,
    )
    db.session.add(entry)
    log_change(
        "access.granted",
        entry,
        actor,
        recording_id=recording.id,
        user_id=user.id if user else None,
        role=role,
    )
    return entry


def revoke_access(entry: AccessListEntry, *, actor: User) -> None:
    with refused_transition():
        entry.revoke(actor.id, now_utc())
    log_change("access.revoked", entry, actor, recording_id=entry.recording_id)
