"""Clients, capacity judgements and representatives: the facts R6 needs to decide who consents."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.timeutil import now_utc

if TYPE_CHECKING:
    from clinic_consent.sessions.models import SessionParticipant
    from clinic_consent.users.models import User

CAPACITY_SCOPES: Final = ("recording", "treatment", "other")
REPRESENTATIVE_RELATIONS: Final = (
    "parent",
    "guardian",
    "curator",
    "mentor",
    "partner",
    "family",
    "authorised_person",
)


class Client(Base):
    """A client in treatment. GDPR erasure blanks personal data but keeps the row and its id,
    so that consents and the audit trail stay intact."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(column("language").in_(LANGUAGES), name="language_valid"),
        # The clients list, in name order a page at a time.
        Index("ix_clients_family_name_given_name_id", "family_name", "given_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date]
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # The patient id in the electronic health record, when the client came from there.
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    erased_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()
    capacity_judgements: Mapped[list[CapacityJudgement]] = relationship(
        back_populates="client", order_by="(CapacityJudgement.judged_at, CapacityJudgement.id)"
    )
    representatives: Mapped[list[Representative]] = relationship(
        back_populates="client", order_by="Representative.id"
    )

    def current_recording_capacity(self) -> CapacityJudgement | None:
        """The latest judgement of capacity to decide about recordings, or None if never judged
        (the rule set then assumes capacity)."""
        judgements = [j for j in self.capacity_judgements if j.decision_scope == "recording"]
        return judgements[-1] if judgements else None

    def active_representatives(self, on: date) -> list[Representative]:
        """The representatives who had not stopped representing the client before ``on``."""
        return [r for r in self.representatives if r.is_active(on)]


class CapacityJudgement(Base):
    """A clinician's judgement whether the client can make a given decision (WGBO art. 7:465).
    Judgements are added, never changed: the latest for a scope counts."""

    __tablename__ = "capacity_judgements"
    __table_args__ = (
        CheckConstraint(column("decision_scope").in_(CAPACITY_SCOPES), name="scope_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    has_capacity: Mapped[bool]
    decision_scope: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(Text)  # the decision the judgement is about
    judged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    judged_at: Mapped[datetime] = mapped_column(default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="capacity_judgements")
    judged_by: Mapped[User] = relationship()


class Representative(Base):
    """Someone who decides for a client (a parent with authority, a guardian, a curator...) or
    for a companion in one session, such as a young sibling at a family session (R6).
    Ending a representation sets ended_at; the row stays because consents refer to it."""

    __tablename__ = "representatives"
    __table_args__ = (
        CheckConstraint(column("relation").in_(REPRESENTATIVE_RELATIONS), name="relation_valid"),
        CheckConstraint("(client_id IS NULL) <> (participant_id IS NULL)", name="one_represented"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    # Only for a participant of role 'other', who is not a client of the practice.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_participants.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(32))
    contact: Mapped[str | None] = mapped_column(Text)  # phone number or e-mail address
    # False e.g. for a parent without parental authority.
    has_authority: Mapped[bool] = mapped_column(default=True)
    registered_at: Mapped[datetime] = mapped_column(default=now_utc)
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    ended_at: Mapped[datetime | None]

    client: Mapped[Client | None] = relationship(back_populates="representatives")
    participant: Mapped[SessionParticipant | None] = relationship(back_populates="representatives")

    def is_active(self, on: date) -> bool:
        """Whether the representation had not ended before ``on``."""
        return self.ended_at is None or self.ended_at.date() >= on

    def decides_on(self, on: date) -> bool:
        """Whether this person consents for the represented on ``on``: still representing
        then, and with authority (a parent without parental authority does not decide)."""
        return self.has_authority and self.is_active(on)
