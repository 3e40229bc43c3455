"""Two columns of a recording derived from other rows, so that the practice manager's lists
and counts over hundreds of thousands of recordings are answered with an index:

- ``verdict``: the rule core's status, exactly ``verdict_for_recording(recording).status``. It
  depends on stored rows only (the recording, its session and participants, their clients'
  birth dates, capacity judgements and representatives, its access list and its consents),
  never on today's date, so it cannot go stale while those rows stay as they are.
- ``access_open_until``: the last day on which an entry of its access list is active
  (``AccessListEntry.is_active``); ``OPEN_ENDED`` when an entry never lapses, ``NEVER`` (before
  every day) when none ever was. "Lapsed today" is then ``access_open_until < today``, one
  range of an index.
- ``withdrawals``: how many of its consents are withdrawn (kept although withdrawn: R7).

They are kept in the same transaction as every change they depend on: after each flush the
recordings the flushed rows touch are recomputed (``after_flush`` collects them from the
session's new, changed and deleted objects; ``after_flush_postexec`` computes and writes). The
rows are locked first on PostgreSQL (``FOR NO KEY UPDATE``, in id order), so two transactions
registering consents for one recording at once end with the verdict that sees both (the second
computes after the first committed, and reads its consent). The
write is a plain UPDATE of the two columns: it is not a change of the recording's terms and
leaves its version (optimistic locking) alone.

A page about one recording, and every consent decision, still computes the verdict afresh;
only lists and counts read these columns. ``stale_recordings`` recomputes every recording and
names those that differ: the tests run it after the demo and after each kind of change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import Table, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clinic_consent.clients.models import CapacityJudgement, Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.recordings.facts import verdict_for_recording, verdict_loading
from clinic_consent.recordings.models import AccessListEntry, Recording
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession

OPEN_ENDED: Final = date(9999, 12, 31)
NEVER: Final = date(1, 1, 1)
DERIVED_COLUMNS: Final = ("verdict", "access_open_until", "withdrawals")
_PENDING: Final = "derived_recording_changes"


def access_open_until(entries: Iterable[tuple[date | None, date | None]]) -> date:
    """The last day any entry is active, from (valid_until, day revoked) pairs: an entry
    revoked on a day is no longer active that day (``AccessListEntry.is_active``)."""
    last = NEVER
    for valid_until, revoked_on in entries:
        until = valid_until or OPEN_ENDED
        if revoked_on is not None:
            until = min(until, revoked_on - timedelta(days=1))
        last = max(last, until)
    return last


Derived = tuple[str | None, date | None, int]


def derived_values(recording: Recording) -> Derived:
    """(verdict, access_open_until, withdrawals) as they should be stored for ``recording``."""
    entries = (
        (e.valid_until, e.revoked_at.date() if e.revoked_at is not None else None)
        for e in recording.access_entries
    )
    withdrawals = sum(1 for c in recording.consents if c.withdrawn_at is not None)
    return verdict_for_recording(recording).status, access_open_until(entries), withdrawals


def stored_values(recording: Recording) -> Derived:
    return recording.verdict, recording.access_open_until, recording.withdrawals


class _Changes:
    """What one transaction's flushes touched, by the kind of row the recordings hang off."""

    def __init__(self) -> None:
        self.recordings: set[int] = set()
        self.sessions: set[int] = set()
        self.participants: set[int] = set()
        self.clients: set[int] = set()

    def note(self, obj: object) -> None:
        if isinstance(obj, Recording):
            self.recordings.add(obj.id)
        elif isinstance(obj, Consent | AccessListEntry):
            self.recordings.add(obj.recording_id)
        elif isinstance(obj, SessionParticipant):
            self.sessions.add(obj.session_id)
        elif isinstance(obj, TreatmentSession):
            self.sessions.add(obj.id)
        elif isinstance(obj, Client):
            self.clients.add(obj.id)
        elif isinstance(obj, CapacityJudgement):
            self.clients.add(obj.client_id)
        elif isinstance(obj, Representative):
            if obj.client_id is not None:
                self.clients.add(obj.client_id)
            if obj.participant_id is not None:
                self.participants.add(obj.participant_id)

    def recording_ids(self, session: Session) -> set[int]:
        ids = set(self.recordings)
        sessions = set(self.sessions)
        if self.participants:
            sessions.update(
                session.scalars(
                    select(SessionParticipant.session_id).where(
                        SessionParticipant.id.in_(self.participants)
                    )
                )
            )
        if self.clients:
            of_clients = select(SessionParticipant.session_id).where(
                SessionParticipant.client_id.in_(self.clients)
            )
            sessions.update(session.scalars(of_clients))
        if sessions:
            ids.update(
                session.scalars(select(Recording.id).where(Recording.session_id.in_(sessions)))
            )
        return ids


# Columns no derived value reads: changing only these leaves the recording as it was (the
# form text a decision was given on is pinned when its form is sealed).
_UNREAD: Final[dict[type, frozenset[str]]] = {Consent: frozenset({"template_version_id"})}


def _changes_what_is_read(obj: object) -> bool:
    """Whether a changed object changed a column some derived value may read."""
    unread = _UNREAD.get(type(obj))
    if unread is None:
        return True
    state = inspect(obj)
    return any(
        state.attrs[column.key].history.has_changes()
        for column in state.mapper.column_attrs
        if column.key not in unread
    )


def _collect(session: Session, _flush_context: Any) -> None:
    changes = session.info.setdefault(_PENDING, _Changes())
    for obj in session.new:
        changes.note(obj)
    for obj in session.deleted:
        changes.note(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False) and _changes_what_is_read(obj):
            changes.note(obj)


def _recompute(session: Session, _flush_context: Any) -> None:
    changes: _Changes | None = session.info.pop(_PENDING, None)
    if changes is not None:
        refresh(session, changes.recording_ids(session))


def refresh(session: Session, recording_ids: Iterable[int]) -> int:
    """Recompute and store the derived columns of these recordings; returns how many changed."""
    ids = sorted(recording_ids)
    if not ids:
        return 0
    if session.connection().dialect.name == "postgresql":
        locked = select(Recording.id).where(Recording.id.in_(ids)).order_by(Recording.id)
        # NO KEY UPDATE: the inserts of consents and access entries hold KEY SHARE locks on
        # their recording (the foreign key check); FOR UPDATE would wait for those of the other
        # transaction while it waits for ours, a deadlock two simultaneous consents hit.
        session.execute(locked.with_for_update(key_share=True))
    recordings = session.scalars(
        select(Recording)
        .where(Recording.id.in_(ids))
        .options(*verdict_loading())
        .execution_options(populate_existing=True)
    ).all()
    return _store(session, recordings)


def _store(session: Session, recordings: Sequence[Recording]) -> int:
    updates = []
    for recording in recordings:
        values = derived_values(recording)
        if stored_values(recording) != values:
            verdict, open_until, withdrawals = values
            updates.append(
                {
                    "key": recording.id,
                    "verdict": verdict,
                    "open_until": open_until,
                    "withdrawals": withdrawals,
                }
            )
            for name, value in zip(DERIVED_COLUMNS, values, strict=True):
                set_committed_value(recording, name, value)
    if updates:
        table = Recording.__table__
        assert isinstance(table, Table)
        statement = (
            update(table)
            .where(table.c.id == bindparam("key"))
            .values(
                verdict=bindparam("verdict"),
                access_open_until=bindparam("open_until"),
                withdrawals=bindparam("withdrawals"),
            )
        )
        session.connection().execute(statement, updates)
    return len(updates)


def fill_missing(session: Session, batch: int = 500) -> int:
    """Compute the columns of recordings that have none yet (rows from before the columns
    existed: ``prepare_database`` calls this after the migrations); returns how many."""
    filled = 0
    while True:
        ids = session.scalars(
            select(Recording.id)
            .where(Recording.verdict.is_(None))
            .order_by(Recording.id)
            .limit(batch)
        ).all()
        if not ids:
            return filled
        filled += refresh(session, ids)


def stale_recordings(session: Session, batch: int = 500) -> list[int]:
    """Every recording whose stored columns differ from what they should be (none, always)."""
    stale: list[int] = []
    last_id = 0
    while True:
        recordings = session.scalars(
            select(Recording)
            .where(Recording.id > last_id)
            .order_by(Recording.id)
            .limit(batch)
            .options(*verdict_loading())
        ).all()
        if not recordings:
            return stale
        stale.extend(r.id for r in recordings if stored_values(r) != derived_values(r))
        last_id = recordings[-1].id
        session.expunge_all()


def listen() -> None:
    """Keep the columns in every ORM session (once per process, however many apps)."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_flush_postexec", _recompute)
