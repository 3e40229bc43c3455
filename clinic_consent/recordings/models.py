"""Recordings with their access list and retention, and publication incidents.

A recording row outlives the recording itself: destroying a recording registers when, by
whom and how (R8), and consents, access entries and incidents that refer to it stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.domain.vocabulary import MADE_BY, MEDIA, PURPOSES, SCOPES
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import USER_ROLES

if TYPE_CHECKING:
    from clinic_consent.consents.models import Consent
    from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
    from clinic_consent.users.models import User

RECORDING_STATUSES: Final = ("planned", "made", "destroyed")
INCIDENT_STATUSES: Final = (
    "open",
    "removal_requested",
    "removed",
    "removal_refused",
    "court",
    "closed",
)
INCIDENT_STEPS: Final = INCIDENT_STATUSES[1:]


class RetentionClass(Base):
    """A retention period with its legal basis, chosen for a recording to set its destroy-by
    date (R8)."""

    __tablename__ = "retention_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None: the period follows something else (e.g. the medical file), see basis.
    period_days: Mapped[int | None]
    basis: Mapped[str] = mapped_column(Text)  # e.g. "WGBO art. 7:454: 20 years after ..."
    follows_medical_file: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Recording(Base):
    """One planned or made recording of (part of) a session, with the terms consents cover.

    ``version`` gives optimistic locking: two people editing the same recording cannot
    silently overwrite each other's change of its terms.
    """

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(column("made_by").in_(MADE_BY), name="made_by_valid"),
        CheckConstraint(column("medium").in_(MEDIA), name="medium_valid"),
        CheckConstraint(column("scope").in_(SCOPES), name="scope_valid"),
        CheckConstraint(
            "scope = 'whole' OR scope_description IS NOT NULL", name="partial_scope_described"
        ),
        CheckConstraint(column("purpose").in_(PURPOSES), name="purpose_valid"),
        CheckConstraint(column("status").in_(RECORDING_STATUSES), name="status_valid"),
        CheckConstraint(
            "status <> 'destroyed' OR (destroyed_at IS NOT NULL AND destroyed_by_id IS NOT NULL"
            " AND destruction_method IS NOT NULL)",
            name="destruction_registered",
        ),
        # The practice manager's lists (oversight.queries), counted by index at any size.
        Index("ix_recordings_status_retention_until", "status", "retention_until"),
        Index("ix_recordings_verdict_status", "verdict", "status"),
        Index(
            "ix_recordings_made_by_access_open_until",
            "made_by",
            "access_open_until",
            "status",
        ),
        Index("ix_recordings_status_withdrawals", "status", "withdrawals"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True
    )
    made_by: Mapped[str] = mapped_column(String(16))
    recorder_participant_id: Mapped[int] = mapped_column(
        ForeignKey("session_participants.id", ondelete="RESTRICT"), index=True
    )
    medium: Mapped[str] = mapped_column(String(16))
    covert: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool] = mapped_column(default=False)
    scope: Mapped[str] = mapped_column(String(16), default="whole")
    scope_description: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(String(16))
    motive: Mapped[str | None] = mapped_column(Text)  # client recordings: why they record
    agreements: Mapped[str | None] = mapped_column(Text)  # client recordings: e.g. stays private
    # Client recordings: what the clinician offered instead, e.g. a spoken summary at the end.
    alternatives_offered: Mapped[str | None] = mapped_column(Text)
    retention_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("retention_classes.id", ondelete="RESTRICT"), index=True
    )
    retention_until: Mapped[date | None] = mapped_column(index=True)
    # A written reason, required (by the operations) when retention exceeds the class.
    retention_reason: Mapped[str | None] = mapped_column(Text)
    storage_location: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    made_at: Mapped[datetime | None]
    destroyed_at: Mapped[datetime | None]
    destroyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    destruction_method: Mapped[str | None] = mapped_column(Text)
    destruction_witness: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int] = mapped_column()
    # Derived, for lists and counts at scale; kept by recordings/derived.py in the transaction
    # of every change they depend on. None only before the first flush computes them.
    verdict: Mapped[str | None] = mapped_column(String(16))
    access_open_until: Mapped[date | None]
    withdrawals: Mapped[int] = mapped_column(default=0, server_default="0")  # withdrawn consents

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    session: Mapped[TreatmentSession] = relationship(back_populates="recordings")
    recorder: Mapped[SessionParticipant] = relationship()
    retention_class: Mapped[RetentionClass | None] = relationship()
    access_entries: Mapped[list[AccessListEntry]] = relationship(
        back_populates="recording", order_by="AccessListEntry.id"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="recording", order_by="(Consent.decided_at, Consent.id)"
    )

    def mark_made(self, at: datetime) -> None:
        """Register that the planned recording has been made."""
        if self.status == "made":
            raise ValueError(_l("this recording is already made; it cannot be marked made again"))
        if self.status != "planned":
            raise ValueError(_l("a destroyed recording cannot be marked made"))
        self.status = "made"
        self.made_at = at

    def register_destruction(
        self, by_user_id: int, at: datetime, method: str, witness: str | None = None
    ) -> None:
        """Register that the recording has been destroyed (R8, or after a withdrawal, R7).

        Only a made recording can be destroyed, and only once: a second registration would
        overwrite when and how it really happened.
        """
        if self.status == "destroyed":
            raise ValueError(_l("the destruction of this recording is already registered"))
        if self.status != "made":
            raise ValueError(_l("a recording that was never made cannot be destroyed"))
        if not method.strip():
            raise ValueError(_l("the destruction method is required"))
        self.status = "destroyed"
        self.destroyed_at = at
        self.destroyed_by_id = by_user_id
        self.destruction_method = method
        self.destruction_witness = witness


class AccessListEntry(Base):
    """Who may see or hear a clinician's recording (R4): one user, everyone in one role, or a
    named outsider (e.g. a supervisor). Entries are revoked, never deleted."""

    __tablename__ = "access_list_entries"
    __table_args__ = (
        CheckConstraint(
            "(user_id IS NOT NULL AND role IS NULL AND outside_name IS NULL)"
            " OR (user_id IS NULL AND role IS NOT NULL AND outside_name IS NULL)"
            " OR (user_id IS NULL AND role IS NULL AND outside_name IS NOT NULL)",
            name="one_grantee",
        ),
        CheckConstraint(column("role").in_(USER_ROLES), name="role_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(32))
    outside_name: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[date | None]
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    granted_at: Mapped[datetime] = mapped_column(default=now_utc)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    recording: Mapped[Recording] = relationship(back_populates="access_entries")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def is_active(self, on: date) -> bool:
        """Whether the entry grants access on ``on``: not yet revoked then, and not expired."""
        if self.revoked_at is not None and self.revoked_at.date() <= on:
            return False
        return self.valid_until is None or on <= self.valid_until

    def revoke(self, by_user_id: int, at: datetime) -> None:
        """Take the access away; the entry stays as a record of who had access when."""
        if self.revoked_at is not None:
            raise ValueError(_l("this access entry is already revoked"))
        self.revoked_at = at
        self.revoked_by_id = by_user_id

    @property
    def label(self) -> str:
        """Who the entry names, for display and for the terms snapshot of a consent (R7)."""
        if self.user_id is not None:
            assert self.user is not None
            return self.user.display_name
        if self.role is not None:
            return self.role
        assert self.outside_name is not None
        return self.outside_name


class PublicationIncident(Base):
    """A client published a recording without the required consent (R9); its steps follow."""

    __tablename__ = "publication_incidents"
    __table_args__ = (
        CheckConstraint(column("status").in_(INCIDENT_STATUSES), name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int | None] = mapped_column(
        ForeignKey("recordings.id", ondelete="RESTRICT"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    discovered_on: Mapped[date]
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="open")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    steps: Mapped[list[IncidentStep]] = relationship(
        back_populates="incident", order_by="(IncidentStep.at, IncidentStep.id)"
    )

    def add_step(
        self, step: str, by_user_id: int, at: datetime, note: str | None = None
    ) -> IncidentStep:
        """Register a step (e.g. removal requested); the incident takes that step's status."""
        if step not in INCIDENT_STEPS:
            raise ValueError(_l("unknown incident step %(step)s", step=repr(step)))
        if self.status == "closed":
            raise ValueError(_l("the incident is closed"))
        entry = IncidentStep(step=step, by_id=by_user_id, at=at, note=note)
        self.steps.append(entry)
        self.status = step
        return entry


class IncidentStep(Base):
    """One step taken on a publication incident: removal asked, refused, court, closed."""

    __tablename__ = "incident_steps"
    __table_args__ = (CheckConstraint(column("step").in_(INCIDENT_STEPS), name="step_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("publication_incidents.id", ondelete="RESTRICT"), index=True
    )
    step: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[PublicationIncident] = relationship(back_populates="steps")
