"""Who may see which clinical object. Deny by default; an object you may not see is a 404.

- therapists and group facilitators: the sessions they are staff on, the sessions of the
  groups they facilitate, and the clients of those (plus the clients they registered);
- practice managers: everything, read-only, for audit (every read is logged as such);
- administrators: users, templates and settings, and no clinical data at all.

A recording has two doors (R4, the access list):

- ``load_recording``: the consent workflow (capture, roster, withdrawal). The session's
  clinicians ask for consent before anyone is on a list, so every clinician of the session
  passes; these pages never show where the recording is kept.
- ``load_recording_details``: the recording's own page, its terms, its access list, marking it
  made, its destruction and its storage location (the file reference). A clinician's recording
  opens only for the user who planned it, its recorder (the staff member who made it: they
  manage its list), and users with an entry on its list that is active today (by user, or by a
  role that is the user's role); the practice manager reads it, logged with purpose "audit".
  Everyone else, other staff of the session included, gets a 404, logged as "denied". An
  administrator stays out even when named on a list: administrators see no clinical data.
  A client's own recording (made by the client, for private use, R1/R2) has no access list:
  the file is the client's, so it keeps the session rule of ``load_recording``.

Every loader notes exactly one access-log entry (read or denied) for the object it loads; the
recording's own pages call one loader (an access entry to revoke is looked up on the loaded
recording's list), so one view of a recording page is one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    exists,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from clinic_consent.audit.access_log import note_access
from clinic_consent.clients.models import Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.db import Base
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.recordings.models import AccessListEntry, Recording
from clinic_consent.sessions.models import (
    GroupMembership,
    GroupStaff,
    GroupTreatment,
    SessionParticipant,
    TreatmentSession,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User

AUDITOR_ROLE = "practice_manager"
ModelT = TypeVar("ModelT", bound=Base)
IdQuery = Select[Any] | CompoundSelect[Any]  # one column of ids, used as a subquery


def user() -> User:
    assert current_user.is_authenticated
    return current_user._get_current_object()  # type: ignore[no-any-return]


def is_auditor(who: User) -> bool:
    return who.role == AUDITOR_ROLE


def require_clinical_reader() -> User:
    """Clinicians and the practice manager; an administrator sees no clinical data."""
    who = user()
    if not (who.is_clinician or is_auditor(who)):
        abort(404)
    return who


def require_clinician() -> User:
    """Changes to clinical data: clinicians only (the manager's view is read-only)."""
    who = require_clinical_reader()
    if not who.is_clinician:
        abort(403)
    return who


def require_administrator() -> User:
    who = user()
    if who.role != "administrator":
        abort(404)
    return who


# --- what a user may see, as subqueries of ids ----------------------------------------------


def _groups_facilitated_by(user_id: Any) -> Select[int]:
    return select(GroupStaff.group_treatment_id).where(GroupStaff.user_id == user_id)


def facilitated_group_ids(who: User) -> IdQuery:
    return _groups_facilitated_by(who.id)


# Each way in is its own indexed SELECT, and the ids are their UNION: one query with OR between
# subqueries costs PostgreSQL a scan of every session and client (a second, not milliseconds).


def visible_session_ids(who: User) -> IdQuery:
    if is_auditor(who):
        return select(TreatmentSession.id)
    return union(
        select(SessionParticipant.session_id).where(SessionParticipant.user_id == who.id),
        select(TreatmentSession.id).where(
            TreatmentSession.group_treatment_id.in_(facilitated_group_ids(who))
        ),
    )


def visible_client_ids(who: User) -> IdQuery:
    if is_auditor(who):
        return select(Client.id)
    sessions = visible_session_ids(who).subquery()
    return union(
        select(Client.id).where(Client.created_by_id == who.id),
        select(SessionParticipant.client_id).where(
            SessionParticipant.session_id.in_(select(sessions.c[0])),
            SessionParticipant.client_id.is_not(None),
        ),
        select(GroupMembership.client_id).where(
            GroupMembership.group_treatment_id.in_(facilitated_group_ids(who))
        ),
    )


def visible_clients(who: User) -> Select[Client]:
    """The clients ``who`` may see, by name, with what a list of them shows (the clients page
    and the API's list)."""
    return (
        select(Client)
        .where(clients_visible_to(who))
        .options(selectinload(Client.representatives), selectinload(Client.capacity_judgements))
        .order_by(Client.family_name, Client.given_name, Client.id)
    )


def visible_group_ids(who: User) -> IdQuery:
    if is_auditor(who):
        return select(GroupTreatment.id)
    return facilitated_group_ids(who)


def sessions_visible_to(who: User) -> ColumnElement[bool]:
    """A WHERE clause for the sessions ``who`` may see. An auditor needs none: an IN over
    every id would make the database collect all of them for each query of a list."""
    return true() if is_auditor(who) else TreatmentSession.id.in_(visible_session_ids(who))


def clients_visible_to(who: User) -> ColumnElement[bool]:
    return true() if is_auditor(who) else Client.id.in_(visible_client_ids(who))


def groups_visible_to(who: User) -> ColumnElement[bool]:
    return true() if is_auditor(who) else GroupTreatment.id.in_(visible_group_ids(who))


# One object: each way in asked of that object alone, by index (the whole set of what a user
# may see would be read to find one id in it). These statements are asked on every page, so
# each is built once per process with bound parameters: building one costs more than the
# database takes to answer it.

USER_ID = bindparam("user_id", type_=Integer)
OBJECT_ID = bindparam("object_id", type_=Integer)


def _in_visible_session(session_id: Any, user_id: Any = USER_ID) -> ColumnElement[bool]:
    staff = aliased(SessionParticipant)
    return or_(
        exists().where(staff.session_id == session_id, staff.user_id == user_id),
        exists().where(
            TreatmentSession.id == session_id,
            TreatmentSession.group_treatment_id.in_(_groups_facilitated_by(user_id)),
        ),
    )


def in_visible_session(who: User, session_id: Any) -> ColumnElement[bool]:
    """A WHERE clause for rows whose session (``session_id``, a column) ``who`` may see, asked
    of each row's session by index: for a page of rows, not for counting a whole table."""
    if is_auditor(who):
        return true()
    return _in_visible_session(session_id, who.id)


@cache
def _session_check() -> Select[bool]:
    return select(_in_visible_session(OBJECT_ID))


def _client_visible() -> ColumnElement[bool]:
    return or_(
        exists().where(Client.id == OBJECT_ID, Client.created_by_id == USER_ID),
        exists().where(
            SessionParticipant.client_id == OBJECT_ID,
            _in_visible_session(SessionParticipant.session_id),
        ),
        exists().where(
            GroupMembership.client_id == OBJECT_ID,
            GroupMembership.group_treatment_id.in_(_groups_facilitated_by(USER_ID)),
        ),
    )


@cache
def _client_check() -> Select[bool]:
    return select(_client_visible())


@lru_cache(maxsize=16)  # bounded: a caller passing new option objects each time only misses
def _client_with_check(options: tuple[ORMOption, ...]) -> Select[Client, bool]:
    """The client and whether the user may see it, in one query (``options``: a module's
    constant, so that each page's statement is built once)."""
    return select(Client, _client_visible()).where(Client.id == OBJECT_ID).options(*options)


@cache
def _group_check() -> Select[bool]:
    return select(
        exists().where(GroupStaff.group_treatment_id == OBJECT_ID, GroupStaff.user_id == USER_ID)
    )


def _passes(check: Select[bool], who: User, object_id: int) -> bool:
    if is_auditor(who):
        return True
    return bool(db.session.scalar(check, {"user_id": who.id, "object_id": object_id}))


def may_see_session(who: User, session_id: int) -> bool:
    return _passes(_session_check(), who, session_id)


def may_see_client(who: User, client_id: int) -> bool:
    return _passes(_client_check(), who, client_id)


def may_see_group(who: User, group_id: int) -> bool:
    return _passes(_group_check(), who, group_id)


# --- loaders: the object, or 404; every attempt is noted in the access log -----------------


def _load(
    model: type[ModelT],
    object_id: int,
    allowed: bool,
    client_id: int | None,
    options: Sequence[ORMOption] = (),
) -> ModelT:
    obj = db.session.get(model, object_id, options=options)
    return _noted(model, obj if allowed else None, object_id, client_id)


def _noted(
    model: type[ModelT], obj: ModelT | None, object_id: int, client_id: int | None
) -> ModelT:
    """The object, its read noted in the access log; or, for None, a denied read and a 404."""
    table = model.__tablename__
    if obj is None:
        note_access(f"{table}.read", object_type=table, object_id=object_id, outcome="denied")
        abort(404)
    note_access(f"{table}.read", object_type=table, object_id=object_id, client_id=client_id)
    return obj


def load_client(client_id: int, *, options: tuple[ORMOption, ...] = ()) -> Client:
    """The client, with ``options`` (eager loads for what the page reads), or 404."""
    who = require_clinical_reader()
    if is_auditor(who):
        return _load(Client, client_id, True, client_id, options)
    statement = _client_with_check(options)
    found = db.session.execute(statement, {"user_id": who.id, "object_id": client_id})
    row = found.unique().first()
    visible = row[0] if row is not None and row[1] else None
    return _noted(Client, visible, client_id, client_id)


def load_session(session_id: int, *, options: Sequence[ORMOption] = ()) -> TreatmentSession:
    """The session, with ``options`` (eager loads for what the page reads), or 404."""
    who = require_clinical_reader()
    allowed = may_see_session(who, session_id)
    return _load(TreatmentSession, session_id, allowed, None, options)


def load_group(group_id: int) -> GroupTreatment:
    who = require_clinical_reader()
    return _load(GroupTreatment, group_id, may_see_group(who, group_id), None)


def load_recording(recording_id: int, *, options: Sequence[ORMOption] = ()) -> Recording:
    who = require_clinical_reader()
    recording = db.session.get(Recording, recording_id, options=options)
    allowed = recording is not None and may_see_session(who, recording.session_id)
    client_id = recording.recorder.client_id if recording is not None else None
    return _load(Recording, recording_id, allowed, client_id)


def may_see_recording_details(
    who: User, recording: Recording, *, session_visible: bool | None = None
) -> bool:
    """Whether ``who`` may open the recording's details and file reference (see above).
    ``session_visible``: whether ``who`` may see the recording's session, when the caller
    knows (a list of sessions shows only those), so that a list asks nothing per row."""
    if not (who.is_clinician or is_auditor(who)):
        return False
    if is_auditor(who) or recording.made_by == "client":
        if session_visible is not None:
            return session_visible
        return may_see_session(who, recording.session_id)
    if recording.created_by_id == who.id:
        return True
    recorder = recording.recorder
    if recorder.role == "staff" and recorder.user_id == who.id:
        return True
    today = today_utc()
    return any(
        entry.is_active(today) and (entry.user_id == who.id or entry.role == who.role)
        for entry in recording.access_entries
    )


def load_recording_details(recording_id: int, *, options: Sequence[ORMOption] = ()) -> Recording:
    """The recording for its own page (terms, access list, storage location), or 404."""
    who = require_clinical_reader()
    recording = db.session.get(Recording, recording_id, options=options)
    allowed = recording is not None and may_see_recording_details(who, recording)
    client_id = recording.recorder.client_id if recording is not None else None
    return _load(Recording, recording_id, allowed, client_id)


def load_consent(consent_id: int) -> Consent:
    who = require_clinical_reader()
    consent = db.session.get(Consent, consent_id)
    allowed = consent is not None and may_see_session(who, consent.recording.session_id)
    client_id = consent.for_participant.client_id if consent is not None else None
    return _load(Consent, consent_id, allowed, client_id)


def load_participant(participant_id: int) -> SessionParticipant:
    who = require_clinical_reader()
    participant = db.session.get(SessionParticipant, participant_id)
    allowed = participant is not None and may_see_session(who, participant.session_id)
    client_id = participant.client_id if participant is not None else None
    return _load(SessionParticipant, participant_id, allowed, client_id)


def load_representative(representative_id: int) -> Representative:
    who = require_clinical_reader()
    rep = db.session.get(Representative, representative_id)
    if rep is None:
        allowed = False
    elif rep.client_id is not None:
        allowed = may_see_client(who, rep.client_id)
    else:
        assert rep.participant is not None
        allowed = may_see_session(who, rep.participant.session_id)
    return _load(
        Representative, representative_id, allowed, rep.client_id if rep is not None else None
    )


def load_access_entry(entry_id: int) -> AccessListEntry:
    who = require_clinical_reader()
    entry = db.session.get(AccessListEntry, entry_id)
    allowed = entry is not None and may_see_recording_details(who, entry.recording)
    return _load(AccessListEntry, entry_id, allowed, None)


def load_document(document_id: int) -> StoredDocument:
    """A sealed form, receipt or roster: visible to whoever may see its recording."""
    who = require_clinical_reader()
    document = db.session.get(StoredDocument, document_id)
    recording = None
    client_id = None
    if document is not None and document.consent is not None:
        recording = document.consent.recording
        client_id = document.consent.for_participant.client_id
    elif document is not None:
        recording = document.recording
    allowed = recording is not None and may_see_session(who, recording.session_id)
    return _load(StoredDocument, document_id, allowed, client_id)
