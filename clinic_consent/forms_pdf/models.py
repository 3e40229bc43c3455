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
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic_consent.db import Base
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.timeutil import now_utc

if TYPE_CHECKING:
    from clinic_consent.consents.models import Consent
    from clinic_consent.recordings.models import Recording

FORM_KINDS: Final = (
    "client_group_recording",
    "video_recording",
    "clinician_recording",
    "publication",
    "representative_consent",
    "withdrawal_receipt",
)
# A group roster is one recording's every member decision on one sheet, sealed when asked for.
DOCUMENT_KINDS: Final = ("consent_form", "withdrawal_receipt", "group_roster", "audit_report")


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
    __table_args__ = (
        CheckConstraint(column("kind").in_(DOCUMENT_KINDS), name="kind_valid"),
        # A consent has one form and at most one withdrawal receipt, never a regenerated one.
        UniqueConstraint("consent_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), index=True
    )
    recording_id: Mapped[int | None] = mapped_column(
        ForeignKey("recordings.id", ondelete="RESTRICT"), index=True
    )
    template_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_template_versions.id", ondelete="RESTRICT"), index=True
    )
    seal_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("seal_certificates.id", ondelete="RESTRICT"), index=True
    )
    # Loaded only when asked for: listing documents does not read the files.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    consent: Mapped[Consent | None] = relationship()
    recording: Mapped[Recording | None] = relationship()
    template_version: Mapped[FormTemplateVersion | None] = relationship()
    seal_certificate: Mapped[SealCertificate | None] = relationship()


class SealCertificate(Base):
    """A certificate the practice has sealed forms with. Kept for good, also after a renewal:
    an old form is verified against the certificate that sealed it."""

    __tablename__ = "seal_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the DER encoding
    subject: Mapped[str] = mapped_column(String(500))
    pem: Mapped[str] = mapped_column(Text)
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    first_used_at: Mapped[datetime] = mapped_column(default=now_utc)


IMMUTABLE_DOCUMENT_FIELDS: Final = ("content", "sha256", "size_bytes", "form_number", "kind")


@event.listens_for(StoredDocument, "before_update")
def _refuse_rewriting(_mapper: object, _connection: object, document: StoredDocument) -> None:
    """A stored form is evidence: its bytes are written once and never replaced."""
    state = inspect(document)
    for name in IMMUTABLE_DOCUMENT_FIELDS:
        # Any new value, also over a deferred column never loaded (its history has no old value).
        if state.attrs[name].history.added:
            raise ValueError(f"stored document {document.form_number}: {name} cannot change")
