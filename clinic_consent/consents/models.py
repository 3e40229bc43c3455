"""A consent: one party's decision about one recording, on the terms it had then (R7)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.timeutil import now_utc

if TYPE_CHECKING:
    from clinic_consent.clients.models import Representative
    from clinic_consent.forms_pdf.models import FormTemplateVersion
    from clinic_consent.recordings.models import Recording
    from clinic_consent.sessions.models import SessionParticipant

# A withdrawal is not a decision of its own: it is a later state of a granted consent.
CONSENT_DECISIONS: Final = ("granted", "refused")
CONSENT_METHODS: Final = ("drawn_signature", "paper_form", "verbal_witness")


class Consent(Base):
    """A decision by a participant or a representative, for a participant, about a recording.

    ``terms`` is a snapshot of what the consent covers (medium, scope, public, purpose, access
    list, retention): a later change to the recording beyond it needs a new consent (R7).

    ``decision_number`` counts the decisions of one party about one participant on one
    recording (1, 2, ... : a new consent after a withdrawal or a change of terms is the next).
    The registrant's number is the one after the decisions they saw, so two people registering
    the same person's decision at the same moment take the same number, and the unique
    constraints let only one of them store it: the other is told it was registered meanwhile.
    A participant party and a representative party each have their constraint (the other
    column is NULL, and NULLs never clash).
    """

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "(party_participant_id IS NULL) <> (party_representative_id IS NULL)",
            name="one_party",
        ),
        CheckConstraint(column("decision").in_(CONSENT_DECISIONS), name="decision_valid"),
        CheckConstraint(column("method").in_(CONSENT_METHODS), name="method_valid"),
        CheckConstraint(
            "method <> 'verbal_witness' OR witness_name IS NOT NULL", name="verbal_has_witness"
        ),
        CheckConstraint(
            "method <> 'drawn_signature' OR signature_png IS NOT NULL", name="drawn_has_signature"
        ),
        CheckConstraint(
            "withdrawn_at IS NULL OR (decision = 'granted'"
            " AND withdrawal_registered_by_id IS NOT NULL)",
            name="withdrawal_of_granted",
        ),
        UniqueConstraint(
            "recording_id",
            "for_participant_id",
            "party_participant_id",
            "decision_number",
            name="uq_consents_participant_decision_number",
        ),
        UniqueConstraint(
            "recording_id",
            "for_participant_id",
            "party_representative_id",
            "decision_number",
            name="uq_consents_representative_decision_number",
        ),
        CheckConstraint("decision_number >= 1", name="decision_number_positive"),
        # The manager's lists and charts: withdrawals (with their recording) and refusals.
        Index("ix_consents_withdrawn_at_recording_id", "withdrawn_at", "recording_id"),
        Index("ix_consents_decision", "decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="RESTRICT"), index=True
    )
    party_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_participants.id", ondelete="RESTRICT"), index=True
    )
    party_representative_id: Mapped[int | None] = mapped_column(
        ForeignKey("representatives.id", ondelete="RESTRICT"), index=True
    )
    # On whose behalf: the party participant themselves, or the one a representative acts for.
    for_participant_id: Mapped[int] = mapped_column(
        ForeignKey("session_participants.id", ondelete="RESTRICT"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    decision_number: Mapped[int] = mapped_column(default=1, server_default="1")
    method: Mapped[str] = mapped_column(String(32))
    witness_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime]
    registered_at: Mapped[datetime] = mapped_column(default=now_utc)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_template_versions.id", ondelete="RESTRICT"), index=True
    )
    # Loaded only when asked for: lists of consents do not need the image.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )

    recording: Mapped[Recording] = relationship(back_populates="consents")
    party_participant: Mapped[SessionParticipant | None] = relationship(
        foreign_keys=[party_participant_id]
    )
    party_representative: Mapped[Representative | None] = relationship()
    for_participant: Mapped[SessionParticipant] = relationship(foreign_keys=[for_participant_id])
    template_version: Mapped[FormTemplateVersion | None] = relationship()

    @property
    def effective_decision(self) -> str:
        """The decision as the rule set reads it: granted, refused or withdrawn."""
        return "withdrawn" if self.withdrawn_at is not None else self.decision

    def withdraw(self, reason: str | None, by_user_id: int, at: datetime) -> None:
        """Withdraw a granted consent (possible at any time, GDPR art. 7(3); no reason needed).

        A refusal cannot be withdrawn, and a withdrawal is registered once.
        """
        if self.decision != "granted":
            raise ValueError(_l("only a granted consent can be withdrawn"))
        if self.withdrawn_at is not None:
            raise ValueError(_l("this consent is already withdrawn"))
        self.withdrawn_at = at
        self.withdrawal_reason = reason
        self.withdrawal_registered_by_id = by_user_id


CONSENT_STATES: Final = ("granted", "refused", "withdrawn")  # by effective_decision


class ConsentTally(Base):
    """How many consents the practice holds in each state (``effective_decision``), kept in
    the transaction of every decision and withdrawal (consents/tallies.py): the dashboard
    shows a million consents by state without counting them on every view."""

    __tablename__ = "consent_tallies"
    __table_args__ = (CheckConstraint(column("state").in_(CONSENT_STATES), name="state_valid"),)

    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int]
