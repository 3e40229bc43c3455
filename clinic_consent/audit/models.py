"""Audit entries (a hash chain of every change) and access log entries (NEN 7513).

Both hold ids and vocabulary values only, never names or free text about clients, so that a
client's erasure leaves the trail intact and the trail itself leaks nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, column
from sqlalchemy.orm import Mapped, mapped_column

from clinic_consent.db import Base
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import USER_ROLES

HASH_LENGTH: Final = 64  # hex SHA-256
GENESIS_HASH: Final = "0" * HASH_LENGTH  # the prev_hash of the first entry
ACCESS_ACTIONS: Final = ("create", "read", "update", "delete", "execute")
ACCESS_OUTCOMES: Final = ("success", "denied", "failure")


class AuditEntry(Base):
    """One change, chained to the previous entry by its hash.

    ``prev_hash`` is unique: two entries can never claim the same predecessor, so the chain
    cannot fork even when two transactions append at once (the second one fails and retries).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object_type_object_id", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))  # e.g. "consent.granted"
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int]
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ids and enum values
    # A unique index rather than a table constraint: the same guarantee, and a bulk load or a
    # restore can build it once at the end (SQLite cannot drop a table's constraint).
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True, index=True)
    # Not indexed: each entry's hash is its successor's prev_hash, unique there already.
    entry_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditVerification(Base):
    """One run of the chain check (``clinic-consent audit verify`` or the dashboard's button):
    the dashboard shows the last one, so a manager sees when the trail was last proven intact."""

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    verified_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    entries_checked: Mapped[int]
    first_broken_id: Mapped[int | None]  # no foreign key: the broken row may be gone
    reason: Mapped[str | None] = mapped_column(String(200))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class AccessLogEntry(Base):
    """One access to client data or a recording (NEN 7513): who, in what role, for what
    purpose, from where, with what outcome."""

    __tablename__ = "access_log_entries"
    __table_args__ = (
        CheckConstraint(column("action").in_(ACCESS_ACTIONS), name="action_valid"),
        CheckConstraint(column("outcome").in_(ACCESS_OUTCOMES), name="outcome_valid"),
        CheckConstraint(column("user_role").in_(USER_ROLES), name="user_role_valid"),
        Index("ix_access_log_entries_client_id_occurred_at", "client_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    event: Mapped[str] = mapped_column(String(64))  # e.g. "recording.view"
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    user_role: Mapped[str | None] = mapped_column(String(32))
    # The user responsible for the access when someone acts on their behalf.
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    purpose_of_use: Mapped[str] = mapped_column(String(32))  # e.g. "treatment", "audit"
    network_address: Mapped[str | None] = mapped_column(String(45))  # IPv6 at most
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    # Set when the access came through the API: which of the user's tokens made it.
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="RESTRICT")
    )
