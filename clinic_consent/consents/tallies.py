"""The practice's consents by state (granted and standing, refused, withdrawn), kept exact in
the transaction of every change: after each flush the new consents and the withdrawals in it
are added to ``consent_tallies`` with ``count = count + n``, which PostgreSQL applies under the
row's lock, so concurrent registrations never lose one. A missing row is counted from the
consents themselves (a new database before ``init``, the tests' schemas); two transactions
that both find it missing do not both insert it (the second adds its change to the first's)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from clinic_consent.consents.models import CONSENT_STATES, Consent, ConsentTally

_PENDING: Final = "consent_tally_changes"
_STATE: Final[ColumnElement[str]] = case(
    (Consent.withdrawn_at.is_not(None), "withdrawn"), else_=Consent.decision
)


def _collect(session: Session, _flush_context: Any) -> None:
    changes: Counter[str] = session.info.setdefault(_PENDING, Counter())
    for obj in session.new:
        if isinstance(obj, Consent):
            changes[obj.effective_decision] += 1
    for obj in session.deleted:
        if isinstance(obj, Consent):
            changes[obj.effective_decision] -= 1
    for obj in session.dirty:
        if isinstance(obj, Consent):
            withdrawn = inspect(obj).attrs.withdrawn_at.history
            if withdrawn.added and withdrawn.added[0] is not None and not any(withdrawn.deleted):
                changes["granted"] -= 1
                changes["withdrawn"] += 1


def _apply(session: Session, _flush_context: Any) -> None:
    changes: Counter[str] | None = session.info.pop(_PENDING, None)
    if not changes:
        return
    connection = session.connection()
    for state, delta in sorted(changes.items()):
        if delta == 0:
            continue
        added = connection.execute(
            update(ConsentTally)
            .where(ConsentTally.state == state)
            .values(count=ConsentTally.count + delta)
        )
        if added.rowcount == 0:  # no tally yet: count them (this flush's consents included)
            _start_tally(connection, state, delta)


def _start_tally(connection: Connection, state: str, delta: int) -> None:
    """Insert the missing tally counted; if a concurrent transaction inserted it first (it
    waits for that one to end), add this transaction's change to that row instead: its count
    could not see this transaction's consents."""
    values = {"state": state, "count": _counted(connection, state)}
    started: Insert
    if connection.dialect.name == "postgresql":
        started = postgresql.insert(ConsentTally).values(values).on_conflict_do_nothing()
    elif connection.dialect.name == "sqlite":
        started = sqlite.insert(ConsentTally).values(values).on_conflict_do_nothing()
    else:
        started = insert(ConsentTally).values(values)
    # RETURNING tells whether the row went in (the driver's rowcount is -1 for this INSERT).
    if connection.execute(started.returning(ConsentTally.state)).first() is None:
        connection.execute(
            update(ConsentTally)
            .where(ConsentTally.state == state)
            .values(count=ConsentTally.count + delta)
        )


def _counted(connection: Connection, state: str) -> int:
    counted = select(func.count()).select_from(Consent).where(_STATE.in_([state]))
    return int(connection.scalar(counted) or 0)


def recount(connection: Connection) -> None:
    """Count every state afresh (after a bulk load, or to set things right)."""
    connection.execute(delete(ConsentTally))
    connection.execute(
        insert(ConsentTally),
        [{"state": state, "count": _counted(connection, state)} for state in CONSENT_STATES],
    )


def tallies(session: Session) -> dict[str, int]:
    """Consents per state; a state without a tally yet is counted."""
    found = {row.state: row.count for row in session.scalars(select(ConsentTally))}
    return {
        state: found[state] if state in found else _counted(session.connection(), state)
        for state in CONSENT_STATES
    }


def listen() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_flush_postexec", _apply)
