"""Planning recordings, their retention and access list, and registering destruction (R8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from clinic_consent.audit.operations import log_change
from clinic_consent.consents.models import Consent
from clinic_consent.domain import vocabulary as v
from clinic_consent.errors import OperationError, refused_transition
from clinic_consent.extensions import db
from clinic_consent.recordings.models import AccessListEntry, Recording, RetentionClass
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.sqlite_settings import begin_writing
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import USER_ROLES, User
from clinic_consent.validation import one_of, optional_text, required_text

# By made_by: the recorder's role must fit who makes the recording.
RECORDER_MISMATCH = {
    "client": _l("a client recording is made by a client"),
    "clinician": _l("a clinician recording is made by a staff member"),
}


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
    alternatives_offered: str | None = None
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
        raise OperationError("retention_until", _l("cannot be before the session date"))
    if plan.retention_class is None:
        return until, reason
    if not plan.retention_class.active:
        raise OperationError("retention_class", _l("is no longer in use"))
    limit = class_retention_limit(plan.retention_class, session_date)
    if until is None and limit is None:  # e.g. research: the protocol sets the date
        raise OperationError(
            "retention_until", _l("this class has no fixed period: give the destroy-by date")
        )
    if until is None:
        return limit, reason
    if limit is not None and until > limit and reason is None:
        raise OperationError(
            "retention_reason",
            _l(
                "a date later than the class allows (%(date)s) needs a written reason",
                date=limit.isoformat(),
            ),
        )
    return until, reason


@dataclass(frozen=True)
class AccessGrant:
    """A checked, not yet stored access-list entry: exactly one user, role or outside person."""

    purpose: str
    user: User | None = None
    role: str | None = None
    outside_name: str | None = None
    valid_until: date | None = None
    revoked_at: datetime | None = None  # never set; read by the facts mapping like an entry's

    @property
    def label(self) -> str:
        """The same label an AccessListEntry of this grant has (R7 compares labels)."""
        if self.user is not None:
            return self.user.display_name
        return self.role or self.outside_name or ""


def check_access_grant(
    session_date: date,
    *,
    purpose: str | None,
    user: User | None = None,
    role: str | None = None,
    outside_name: str | None = None,
    valid_until: date | None = None,
) -> AccessGrant:
    outside_name = optional_text(outside_name, "outside_name", 200)
    named = [x for x in (user, role, outside_name) if x]
    if len(named) != 1:
        raise OperationError("grantee", _l("name exactly one user, role or outside person"))
    if role:
        one_of(role, USER_ROLES, "role")
    if valid_until is not None and valid_until < session_date:
        raise OperationError("valid_until", _l("cannot be before the session date"))
    return AccessGrant(
        purpose=required_text(purpose, "purpose", 500),
        user=user,
        role=role or None,
        outside_name=outside_name,
        valid_until=valid_until,
    )


@dataclass(frozen=True)
class RecordingDraft:
    """A recording as it would be, checked but not stored: the preview's verdict is computed on
    it through the same facts mapping as a stored recording's (it is a RecordingFacts)."""

    session: TreatmentSession
    recorder: SessionParticipant
    made_by: str
    medium: str
    covert: bool
    public: bool
    scope: str
    scope_description: str | None
    purpose: str | None
    motive: str | None
    alternatives_offered: str | None
    agreements: str | None
    retention_class: RetentionClass | None
    retention_until: date | None
    retention_reason: str | None
    storage_location: str | None
    access_entries: tuple[AccessGrant | AccessListEntry, ...] = ()
    consents: tuple[Consent, ...] = field(default=())


_STORED_DRAFT_FIELDS = tuple(
    f.name for f in fields(RecordingDraft) if f.name not in ("access_entries", "consents")
)


def draft_recording(
    session: TreatmentSession, plan: RecordingPlan, access: Sequence[AccessGrant] = ()
) -> RecordingDraft:
    """Check a plan without storing anything; raises OperationError naming the field."""
    one_of(plan.made_by, v.MADE_BY, "made_by")
    one_of(plan.medium, v.MEDIA, "medium")
    one_of(plan.scope, v.SCOPES, "scope")
    if plan.recorder.session_id != session.id:
        raise OperationError("recorder", _l("does not take part in this session"))
    expected_role = "client" if plan.made_by == "client" else "staff"
    if plan.recorder.role != expected_role:
        raise OperationError("recorder", RECORDER_MISMATCH[plan.made_by])
    if plan.made_by == "client":
        if plan.purpose not in (None, v.CLIENT_PURPOSE):
            raise OperationError("purpose", _l("a client's recording is for private use"))
        purpose: str | None = v.CLIENT_PURPOSE
    else:
        if plan.purpose is not None:
            one_of(plan.purpose, v.CLINICIAN_PURPOSES, "purpose")
        purpose = plan.purpose
    scope_description = optional_text(plan.scope_description, "scope_description", 1000)
    if plan.scope == "partial" and scope_description is None:
        raise OperationError("scope_description", _l("say which part is recorded"))
    retention_until, retention_reason = _retention(plan, session.date)
    return RecordingDraft(
        session=session,
        recorder=plan.recorder,
        made_by=plan.made_by,
        medium=plan.medium,
        covert=plan.covert,
        public=plan.public,
        scope=plan.scope,
        scope_description=scope_description if plan.scope == "partial" else None,
        purpose=purpose,
        motive=optional_text(plan.motive, "motive"),
        alternatives_offered=optional_text(plan.alternatives_offered, "alternatives_offered"),
        agreements=optional_text(plan.agreements, "agreements"),
        retention_class=plan.retention_class,
        retention_until=retention_until,
        retention_reason=retention_reason,
        storage_location=optional_text(plan.storage_location, "storage_location", 500),
        access_entries=tuple(access),
    )


def plan_recording(
    session: TreatmentSession,
    plan: RecordingPlan,
    *,
    actor: User,
    access: Sequence[AccessGrant] = (),
) -> Recording:
    """Store a checked plan, with its initial access list (R4)."""
    draft = draft_recording(session, plan, access)
    recording = Recording(
        session=session,
        made_by=draft.made_by,
        recorder=draft.recorder,
        medium=draft.medium,
        covert=draft.covert,
        public=draft.public,
        scope=draft.scope,
        scope_description=draft.scope_description,
        purpose=draft.purpose,
        motive=draft.motive,
        alternatives_offered=draft.alternatives_offered,
        agreements=draft.agreements,
        retention_class=draft.retention_class,
        retention_until=draft.retention_until,
        retention_reason=draft.retention_reason,
        storage_location=draft.storage_location,
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
    for grant in access:
        _store_grant(recording, grant, actor)
    return recording


# --- changing the terms of a planned recording (R7: consents on the old terms stop counting) --


@dataclass(frozen=True)
class RecordingTerms:
    """The terms of a planned recording that can still change."""

    medium: str
    scope: str = "whole"
    scope_description: str | None = None
    purpose: str | None = None
    public: bool = False
    retention_class: RetentionClass | None = None
    retention_until: date | None = None
    retention_reason: str | None = None
    storage_location: str | None = None


CHANGED_MEANWHILE = _l(
    "this recording was changed meanwhile by someone else; look at its terms again and redo "
    "the change"
)
# By status: only a planned recording's terms can change.
TERMS_FIXED = {
    "made": _l("the terms of a recording that has been made cannot change"),
    "destroyed": _l("the terms of a destroyed recording cannot change"),
}
TERM_FIELDS = tuple(f.name for f in fields(RecordingTerms))


def plan_of(recording: Recording) -> RecordingPlan:
    """The plan a stored recording was made from, as it is now."""
    return RecordingPlan(
        made_by=recording.made_by,
        recorder=recording.recorder,
        medium=recording.medium,
        covert=recording.covert,
        public=recording.public,
        scope=recording.scope,
        scope_description=recording.scope_description,
        purpose=recording.purpose,
        motive=recording.motive,
        alternatives_offered=recording.alternatives_offered,
        agreements=recording.agreements,
        retention_class=recording.retention_class,
        retention_until=recording.retention_until,
        retention_reason=recording.retention_reason,
        storage_location=recording.storage_location,
    )


def draft_of(
    recording: Recording,
    terms: RecordingTerms | None = None,
    extra_access: Sequence[AccessGrant] = (),
) -> RecordingDraft:
    """The stored recording with new terms and/or more access, unsaved, with its stored
    consents and active access entries: what its verdict would become (R7).

    New terms are checked like a new plan's; unchanged stored terms are taken as they are.
    """
    if terms is None:
        stored = {name: getattr(recording, name) for name in _STORED_DRAFT_FIELDS}
        draft = RecordingDraft(**stored)
    else:
        changes = {name: getattr(terms, name) for name in TERM_FIELDS}
        draft = draft_recording(recording.session, replace(plan_of(recording), **changes))
    active = tuple(e for e in recording.access_entries if e.revoked_at is None)
    return replace(
        draft, access_entries=(*active, *extra_access), consents=tuple(recording.consents)
    )


def update_recording_terms(
    recording: Recording, terms: RecordingTerms, *, expected_version: int, actor: User
) -> list[str]:
    """Change the terms of a planned recording; returns the names of the changed terms.

    ``expected_version`` is the version the editor saw: a change made meanwhile by someone
    else is refused rather than silently overwritten.
    """
    if recording.version != expected_version:
        raise OperationError(None, CHANGED_MEANWHILE)
    if recording.status != "planned":
        raise OperationError(None, TERMS_FIXED[recording.status])
    draft = draft_of(recording, terms)
    changed = [name for name in TERM_FIELDS if getattr(recording, name) != getattr(draft, name)]
    if changed:
        _store_terms(recording, {name: getattr(draft, name) for name in changed})
        log_change(
            "recording.terms_changed",
            recording,
            actor,
            client_id=recording.recorder.client_id,
            changed=changed,
        )
    return changed


def _store_terms(recording: Recording, changes: dict[str, object]) -> None:
    """Write the changed terms in a savepoint (set inside it: beginning one flushes what is
    pending). A request that changed the recording between our read and this write (the
    version no longer matches) refuses the change; the savepoint keeps the transaction usable,
    and the recording is read again so that the editor is shown its terms as they are now."""
    begin_writing(db.session)
    try:
        with db.session.begin_nested():
            for name, value in changes.items():
                setattr(recording, name, value)
            db.session.flush()
    except StaleDataError:
        db.session.refresh(recording)
        raise OperationError(None, CHANGED_MEANWHILE) from None


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
    """R8: the recording itself is destroyed; its consents, forms and audit trail stay.

    Who (``actor``), when, how and a witness are registered; the witness is asked only of a
    recording that can be destroyed, so that a refused transition says why it is refused.
    """
    method = required_text(method, "method", 500)
    witness = optional_text(witness, "witness", 200)
    if witness is None and recording.status == "made":
        raise OperationError("witness", _l("name the witness of the destruction"))
    at = at or now_utc()
    if at > now_utc():
        raise OperationError("destroyed_on", _l("cannot be in the future"))
    if recording.made_at is not None and at < recording.made_at:
        raise OperationError("destroyed_on", _l("cannot be before the recording was made"))
    with refused_transition():
        recording.register_destruction(actor.id, at, method, witness)
    log_change(
        "recording.destroyed",
        recording,
        actor,
        client_id=recording.recorder.client_id,
        at=recording.destroyed_at.isoformat() if recording.destroyed_at else None,
    )


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
    grant = check_access_grant(
        recording.session.date,
        purpose=purpose,
        user=user,
        role=role,
        outside_name=outside_name,
        valid_until=valid_until,
    )
    return _store_grant(recording, grant, actor)


def _store_grant(recording: Recording, grant: AccessGrant, actor: User) -> AccessListEntry:
    entry = AccessListEntry(
        recording=recording,
        user=grant.user,
        role=grant.role,
        outside_name=grant.outside_name,
        purpose=grant.purpose,
        valid_until=grant.valid_until,
        granted_by_id=actor.id,
    )
    db.session.add(entry)
    log_change(
        "access.granted",
        entry,
        actor,
        recording_id=recording.id,
        user_id=grant.user.id if grant.user else None,
        role=grant.role,
    )
    return entry


def revoke_access(entry: AccessListEntry, *, actor: User) -> None:
    with refused_transition():
        entry.revoke(actor.id, now_utc())
    log_change("access.revoked", entry, actor, recording_id=entry.recording_id)
