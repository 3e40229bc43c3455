"""Group treatments, treatment sessions and their participants: the facts a recording is about.

The module imports ``datetime as dt`` because TreatmentSession has a column named ``date``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.domain.vocabulary import PARTICIPANT_ROLES, SESSION_KINDS
from clinic_consent.timeutil import now_utc

if TYPE_CHECKING:
    from clinic_consent.clients.models import Client, Representative
    from clinic_consent.recordings.models import Recording
    from clinic_consent.users.models import User


class GroupTreatment(Base):
    """A group that meets for a series of sessions, with its R10 recording agreement."""

    __tablename__ = "group_treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    # R10: the confidentiality and recording agreement made with the members at the start.
    agreement_text: Mapped[str | None] = mapped_column(Text)
    agreement_made_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    members: Mapped[list[GroupMembership]] = relationship(
        back_populates="group_treatment", order_by="GroupMembership.id"
    )
    staff: Mapped[list[GroupStaff]] = relationship(
        back_populates="group_treatment", order_by="GroupStaff.id"
    )
    sessions: Mapped[list[TreatmentSession]] = relationship(
        back_populates="group_treatment", order_by="(TreatmentSession.date, TreatmentSession.id)"
    )


class GroupStaff(Base):
    """A facilitator of a group treatment (gives access to the group's sessions)."""

    __tablename__ = "group_staff"
    __table_args__ = (UniqueConstraint("group_treatment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_treatment_id: Mapped[int] = mapped_column(
        ForeignKey("group_treatments.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)

    group_treatment: Mapped[GroupTreatment] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()


class GroupMembership(Base):
    """A client's membership of a group; leaving sets left_on, the row stays."""

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_treatment_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_treatment_id: Mapped[int] = mapped_column(
        ForeignKey("group_treatments.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    joined_on: Mapped[dt.date]
    left_on: Mapped[dt.date | None]
    # R10: when this member accepted the group's recording and confidentiality agreement.
    agreement_accepted_at: Mapped[dt.datetime | None]

    group_treatment: Mapped[GroupTreatment] = relationship(back_populates="members")
    client: Mapped[Client] = relationship()


class TreatmentSession(Base):
    """One treatment contact on one date: individual, or a meeting of a group treatment."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        CheckConstraint(column("kind").in_(SESSION_KINDS), name="kind_valid"),
        CheckConstraint("group_treatment_id IS NULL OR kind = 'group'", name="group_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(index=True)
    starts_at: Mapped[dt.datetime | None]
    group_treatment_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_treatments.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    group_treatment: Mapped[GroupTreatment | None] = relationship(back_populates="sessions")
    participants: Mapped[list[SessionParticipant]] = relationship(
        back_populates="session", order_by="SessionParticipant.id"
    )
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="session", order_by="Recording.id"
    )


class SessionParticipant(Base):
    """A person present in a session: a client, a staff member (both by reference) or someone
    else, such as a companion or an interpreter, described here (R6 needs their age and
    capacity)."""

    __tablename__ = "session_participants"
    __table_args__ = (
        CheckConstraint(column("role").in_(PARTICIPANT_ROLES), name="role_valid"),
        CheckConstraint(
            "role <> 'client' OR (client_id IS NOT NULL AND user_id IS NULL)", name="client_ref"
        ),
        CheckConstraint(
            "role <> 'staff' OR (user_id IS NOT NULL AND client_id IS NULL)", name="staff_ref"
        ),
        CheckConstraint(
            "role <> 'other' OR (name IS NOT NULL AND client_id IS NULL AND user_id IS NULL)",
            name="other_ref",
        ),
        UniqueConstraint("session_id", "client_id"),
        UniqueConstraint("session_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Only for role 'other':
    name: Mapped[str | None] = mapped_column(String(200))
    relation: Mapped[str | None] = mapped_column(String(100))  # companion, parent, interpreter
    birth_date: Mapped[dt.date | None]
    has_capacity: Mapped[bool] = mapped_column(default=True)

    session: Mapped[TreatmentSession] = relationship(back_populates="participants")
    client: Mapped[Client | None] = relationship()
    user: Mapped[User | None] = relationship()
    # Only for role 'other' (a client's representatives belong to the client).
    representatives: Mapped[list[Representative]] = relationship(
        back_populates="participant", order_by="Representative.id"
    )
