"""The seed's audit chain entries and access log entries.

The chain is built with the application's own ``chain.canonical_text`` and
``chain.entry_hash``, continuing from the last entry already stored, so that
``clinic-consent audit verify`` checks the seeded entries like any others. The generators
make each entry's content; the writer links them, since the chain has one order.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, select

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry
from clinic_consent.seed.bulk import Ids, Row, Rows

AUDIT_COLUMNS: Final = (
    "id",
    "occurred_at",
    "actor_user_id",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "details",
    "prev_hash",
    "entry_hash",
)
ACCESS_COLUMNS: Final = (
    "id",
    "occurred_at",
    "event",
    "action",
    "outcome",
    "user_id",
    "user_role",
    "responsible_user_id",
    "purpose_of_use",
    "network_address",
    "client_id",
    "object_type",
    "object_id",
)


def last_hash(connection: Connection) -> str | None:
    """The hash of the newest stored entry, which the seed's first entry follows."""
    newest = select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    return connection.scalar(newest)


class Chain:
    """Links the generators' audit entries into the hash chain, in the order they are written:
    each gets the next id and the hash of the one before (``chain.entry_hash``)."""

    def __init__(self, last_hash: str | None, first_id: int) -> None:
        self._prev = last_hash or chain.GENESIS_HASH
        self._next_id = first_id

    def link(self, entries: list[Row]) -> list[Row]:
        """(at, actor, action, type, id, client, details, content) rows -> AUDIT_COLUMNS rows."""
        linked = []
        prev = self._prev
        next_id = self._next_id
        for *fields, content in entries:
            entry_hash = chain.entry_hash(prev, content)
            linked.append((next_id, *fields, prev, entry_hash))
            prev = entry_hash
            next_id += 1
        self._prev, self._next_id = prev, next_id
        return linked


class Trail:
    """Adds audit entries (their canonical content; ``Chain`` links them when they are
    written) and access log entries to the rows being collected."""

    def __init__(self, ids: Ids, rows: Rows) -> None:
        self._ids = ids
        self._rows = rows

    def change(
        self,
        at: str,
        actor_id: int | None,
        action: str,
        object_type: str,
        object_id: int,
        client_id: int | None,
        details_json: str,
    ) -> None:
        """One audit chain entry; ``at`` is a ``stamp``, ``details_json`` is as
        ``chain.details_json`` writes it (sorted keys, no spaces: ``audit verify`` re-encodes
        the stored details and compares)."""
        content = chain.canonical_text(
            occurred_at=at.replace(" ", "T") + "+00:00",  # the aware UTC isoformat
            actor_user_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            client_id=client_id,
            details_json=details_json,
        )
        self._rows.add(
            "audit_entries",
            AUDIT_COLUMNS,
            (at, actor_id, action, object_type, object_id, client_id, details_json, content),
        )

    def access(
        self,
        at: str,
        user_id: int,
        role: str,
        event: str,
        object_type: str,
        object_id: int | None,
        client_id: int | None,
    ) -> None:
        """One NEN 7513 access log entry (a successful read, on the practice's network)."""
        self._rows.add(
            "access_log_entries",
            ACCESS_COLUMNS,
            (
                self._ids.take("access_log_entries"),
                at,
                event,
                "read",
                "success",
                user_id,
                role,
                user_id,
                "audit" if role == "practice_manager" else "treatment",
                "10.0.0.17",
                client_id,
                object_type,
                object_id,
            ),
        )
