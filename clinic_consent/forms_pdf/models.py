"""Form templates, their immutable versions, and stored documents (signed forms, receipts).

A stored document keeps the template version that produced it and its hash, so that a signed
original is never regenerated or silently replaced.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.timeutil import now_utc

if TYPE_CHECKING:
    from clinic_consent.consents.models import Consent

FORM_KINDS: Final = (
    "client_group_recording",
    "video_recording",
    "clinician_recording",
    "publication",
    "representative_consent",
    "withdrawal_receipt",
)
DOCUMENT_KINDS: Final = ("consent_form", "withdrawal_receipt", "audit_report")


class FormTemplate(Base):
    """One kind of form in one language; its text lives in numbered versions."""

    __tablename__ = "form_templates"
    __table_args__ = (
        CheckConstraint(column("kind").in_(FORM_KINDS), name="kind_valid"),
        CheckConstraint(column("language").in_(LANGUAGES), name="language_valid"),
        UniqueConstraint("kind", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))

    versions: Mapped[list[FormTemplateVersion]] = relationship(
        back_populates="template", order_by="FormTemplateVersion.version"
    )

    def latest_version(self) -> FormTemplateVersion | None:
        return self.versions[-1] if self.versions else None


class FormTemplateVersion(Base):
    """A version of a form's text. Versions are never changed: consents refer to the text the
    party actually saw. ``material`` marks a change that needs re-consent under older ones."""

    __tablename__ = "form_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("form_templates.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    material: Mapped[bool] = mapped_column(default=False)
    change_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    template: Mapped[FormTemplate] = relationship(back_populates="versions")


class StoredDocument(Base):
    """A generated document (usually a PDF) kept byte for byte, with its SHA-256."""

    __tablename__ = "stored_documents"
    __table_args__ = (CheckConstraint(column("kind").in_(DOCUMENT_KINDS), name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), index=True
    )
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_template_versions.id", ondelete="RESTRICT"), index=True
    )
    # Loaded only when asked for: listing documents does not read the files.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    consent: Mapped[Consent | None] = relationship()
    template_version: Mapped[FormTemplateVersion | None] = relationship()
