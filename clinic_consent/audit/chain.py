"""The tamper-evident audit chain: each entry hashes its content together with the previous hash.

Entries carry ids and enumerated values only (no names or free text about clients), so that
erasing a client's personal data never breaks the chain. Appends are serialised: on PostgreSQL
by a transaction-scoped advisory lock (``SELECT ... FOR UPDATE`` of the last row would not stop
a second insert); on SQLite by an immediate write transaction, which holds the database's single
write lock; on every database the UNIQUE constraint on prev_hash makes a forked chain
impossible (the loser of a race fails and its transaction rolls back).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from clinic_consent.audit.models import AuditEntry
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 7_513_001  # any constant; the number recalls NEN 7513


_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode
_string = json.encoder.encode_basestring_ascii


def canonical_content(
    *,
    occurred_at: datetime,
    actor_user_id: int | None,
    action: str,
    object_type: str,
    object_id: int,
    client_id: int | None,
    details: dict[str, Any],
) -> str:
    """The JSON the hash is taken over: sorted keys, no spaces, UTC microseconds."""
    return canonical_text(
        occurred_at=occurred_at.isoformat(timespec="microseconds"),
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
        details_json=details_json(details),
    )


def details_json(details: dict[str, Any]) -> str:
    """An entry's details as they appear in its canonical content (valid JSON on its own)."""
    return _encode(details)


def _number(value: int | None) -> str:
    if value is None:
        return "null"
    return str(value) if type(value) is int else _encode(value)  # a bool would be "true"


def canonical_text(
    *,
    occurred_at: str,
    actor_user_id: int | None,
    action: str,
    object_type: str,
    object_id: int,
    client_id: int | None,
    details_json: str,
) -> str:
    """``canonical_content`` from its parts already encoded, written out key by key in sorted
    order: byte for byte ``json.dumps(content, sort_keys=True, separators=(",", ":"),
    ensure_ascii=True)``, without encoding the details twice (the seed stores them as given)."""
    return (
        f'{{"action":{_string(action)},"actor_user_id":{_number(actor_user_id)},'
        f'"client_id":{_number(client_id)},"details":{details_json},'
        f'"object_id":{_number(object_id)},"object_type":{_string(object_type)},'
        f'"occurred_at":{_string(occurred_at)}}}'
    )


def entry_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def _entry_content(entry: AuditEntry) -> str:
    return canonical_content(
        occurred_at=entry.occurred_at,
        actor_user_id=entry.actor_user_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        client_id=entry.client_id,
        details=entry.details,
    )


def _serialise_appends() -> None:
    """Hold the lock that makes appends run one at a time, until the transaction ends."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # pysqlite begins a transaction (deferred) only before the first write, so a
        # transaction that appends before writing anything would read the last entry with no
        # lock: two such writers would both chain onto it. Begin it as an immediate write
        # transaction instead, which takes SQLite's single write lock (waiting up to the
        # driver's busy timeout). A transaction that already wrote holds that lock already.
        driver = db.session.connection().connection.driver_connection
        if driver is not None and not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")


def append(
    action: str,
    object_type: str,
    object_id: int,
    *,
    actor_user_id: int | None,
    client_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry in the current transaction (flushed, not committed)."""
    _serialise_appends()
    last_hash = select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    prev = db.session.scalar(last_hash) or GENESIS_HASH
    # Stored at the database's precision (microseconds on both), so the hash recomputes.
    occurred_at = now_utc()
    details = details or {}
    entry = AuditEntry(
        occurred_at=occurred_at,
        actor_user_id=actor_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_id=client_id,
        details=details,
        prev_hash=prev,
    )
    entry.entry_hash = entry_hash(prev, _entry_content(entry))
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    first_broken_id: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify() -> ChainReport:
    """Recompute the chain in id order and name the first entry that does not fit."""
    expected_prev = GENESIS_HASH
    checked = 0
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000)
    # yield_per streams through a server-side cursor on PostgreSQL: close it on early return.
    entries = db.session.scalars(query)
    try:
        for entry in entries:
            checked += 1
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "does not follow the entry before it")
            if entry.entry_hash != entry_hash(entry.prev_hash, _entry_content(entry)):
                return ChainReport(checked, entry.id, "its content does not match its hash")
            expected_prev = entry.entry_hash
    finally:
        entries.close()
    return ChainReport(checked, None, None)


def last_entry_id() -> int | None:
    """The id of the newest entry, or None when the chain is empty."""
    return db.session.scalar(select(func.max(AuditEntry.id)))


def entry_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id))) or 0
