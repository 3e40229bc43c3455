"""Sealed forms: choosing the template, rendering, sealing and storing, once per form.

Every operation flushes and audits; the caller commits (a request, or a CLI command). A form
is stored in the same transaction as the decision it records, so there is never a consent
without its form or a form without its consent.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final, Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from clinic_consent.audit.operations import log_change
from clinic_consent.consents.models import Consent
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.content import consent_context, practice_context, roster_context
from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
from clinic_consent.forms_pdf.models import (
    FormTemplate,
    FormTemplateVersion,
    SealCertificate,
    StoredDocument,
)
from clinic_consent.forms_pdf.rendering import render_pdf
from clinic_consent.forms_pdf.seal import PracticeSeal, practice_seal
from clinic_consent.forms_pdf.text import MAX_BODY, MAX_TITLE, paragraphs, placeholders_in
from clinic_consent.recordings.models import Recording
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User
from clinic_consent.validation import optional_text, required_text

FORM_TEMPLATE: Final = "form.html"
_FORM_NUMBER_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud


# --- templates -------------------------------------------------------------------------------


def form_template(kind: str, language: str) -> FormTemplate:
    """The template of a kind and language. A database brought up without 'init' (say, by
    'db upgrade' alone) gets the default texts here rather than a consent that cannot be
    given."""
    query = select(FormTemplate).where(FormTemplate.kind == kind, FormTemplate.language == language)
    template = db.session.scalars(query).first()
    if template is None:
        ensure_default_form_templates()
        template = db.session.scalars(query).first()
    if template is None or not template.versions:
        raise OperationError(
            None,
            _l("there is no form template %(kind)s (%(language)s)", kind=kind, language=language),
        )
    return template


def latest_version(kind: str, language: str) -> FormTemplateVersion:
    version = form_template(kind, language).latest_version()
    assert version is not None
    return version


class FormKindFacts(Protocol):
    """What the choice of form reads of a recording (a stored one, or the seed's plan)."""

    @property
    def public(self) -> bool: ...
    @property
    def made_by(self) -> str: ...
    @property
    def medium(self) -> str: ...


def form_kind_for(consent_recording: FormKindFacts, by_representative: bool) -> str:
    """Which form a decision is given on: the most specific that applies."""
    if by_representative:
        return "representative_consent"
    if consent_recording.public:
        return "publication"
    if consent_recording.made_by == "clinician":
        return "clinician_recording"
    if consent_recording.medium == "video":
        return "video_recording"
    return "client_group_recording"


def save_template_version(
    template: FormTemplate,
    *,
    title: str,
    body: str,
    material: bool,
    change_note: str | None,
    actor: User,
) -> FormTemplateVersion:
    """A new version of a form's text (old versions are never changed). Refused with a message
    if the text does not render, so that it never fails while a client is waiting to sign."""
    title = required_text(title, "title", MAX_TITLE)
    body = required_text(body, "body", MAX_BODY)
    change_note = optional_text(change_note, "change_note")
    placeholders_in(body)
    previous = template.latest_version()
    if previous is not None and (previous.title, previous.body) == (title, body):
        raise OperationError(
            "body", _l("nothing changed: the text is the same as version %(n)s", n=previous.version)
        )
    if material and not change_note:
        raise OperationError(
            "change_note",
            _l("say what changed: the people asked to consent again will want to know"),
        )
    version = FormTemplateVersion(
        template=template,
        version=(previous.version if previous else 0) + 1,
        title=title,
        body=body,
        material=material,
        change_note=change_note,
        created_by_id=actor.id,
    )
    try:
        # Not flushed while it is tried: the new version hangs in template.versions already.
        with db.session.no_autoflush:
            render_pdf(FORM_TEMPLATE, sample_context(version))
    except Exception as exc:
        template.versions.remove(version)
        current_app.logger.warning("form template %s refused: %s", template.kind, exc)
        raise OperationError(
            "body", _l("this text cannot be made into a form: %(error)s", error=type(exc).__name__)
        ) from None
    db.session.add(version)
    log_change(
        "form_template.version_created",
        template,
        actor,
        version=version.version,
        material=material,
    )
    return version


def sample_context(version: FormTemplateVersion) -> dict[str, Any]:
    """A form with made-up values: for checking a text before it is saved, and for previews."""
    with force_locale(version.template.language):
        values = {
            "practice": practice_context()["name"],
            "person": "Alex Voorbeeld",
            "client": "Sam Voorbeeld",
            "session_date": "1 januari 2027"
            if version.template.language == "nl"
            else "1 January 2027",
            "recorder": "Dr. Example",
            "medium": "video",
            "purpose": "supervision",
            "destroy_by": "31 december 2027"
            if version.template.language == "nl"
            else "31 December 2027",
        }
        return {
            "language": version.template.language,
            "practice": practice_context(),
            "form": {
                "number": "CC-SAMPLE",
                "kind": "consent_form",
                "title": version.title,
                "paragraphs": paragraphs(version.body, values),
                "template": version.template.kind,
                "template_version": version.version,
                "sealed_at": now_utc(),
            },
            "recording": {
                "session_date": date(2027, 1, 1),
                "group": None,
                "recorder": values["recorder"],
                "made_by": "clinician",
            },
            "terms": {
                "medium": "video",
                "scope": "whole",
                "scope_description": None,
                "public": False,
                "purpose": "supervision",
                "access_list": ["therapist"],
                "retention_until": date(2027, 12, 31),
            },
            "rules": [],
            "person": {"name": values["person"], "representative": False, "on_behalf_of": None},
            "decision": {
                "value": "granted",
                "method": "paper_form",
                "witness": None,
                "decided_at": now_utc(),
                "signature": None,
            },
            "withdrawal": None,
            "roster": None,
        }


def superseded_version_ids(template_id: int | None = None) -> Select[int]:
    """The versions older than their template's latest material change: of one template, or
    (``None``) of every template."""
    older = aliased(FormTemplateVersion)
    latest_material = (
        select(func.max(FormTemplateVersion.version))
        .where(
            FormTemplateVersion.template_id == older.template_id,
            FormTemplateVersion.material.is_(True),
        )
        .scalar_subquery()
    )
    superseded = select(older.id).where(older.version < latest_material)
    return superseded if template_id is None else superseded.where(older.template_id == template_id)


def standing_consents_on(version_ids: Sequence[int]) -> Select[Consent]:
    """Granted consents, still standing, on these form versions, of recordings not destroyed,
    in the order they were given."""
    return (
        select(Consent)
        .join(Recording, Consent.recording_id == Recording.id)
        .where(
            Consent.template_version_id.in_(version_ids),
            Consent.decision == "granted",
            Consent.withdrawn_at.is_(None),
            Recording.status != "destroyed",
        )
        .order_by(Consent.decided_at, Consent.id)
    )


def consents_needing_reconsent(template: FormTemplate) -> list[Consent]:
    """Granted consents, still standing, given on a version older than the template's latest
    material change: the people concerned should be asked again on the new text."""
    older = list(db.session.scalars(superseded_version_ids(template.id)))
    if not older:
        return []
    return list(db.session.scalars(standing_consents_on(older)))


# --- sealing and storing ---------------------------------------------------------------------


def new_form_number(on: datetime) -> str:
    code = "".join(secrets.choice(_FORM_NUMBER_ALPHABET) for _ in range(8))
    return f"CC-{on.year}-{code[:4]}-{code[4:]}"


def _certificate_row(seal: PracticeSeal) -> SealCertificate:
    fingerprint = seal.certificate_sha256
    row = db.session.scalars(
        select(SealCertificate).where(SealCertificate.sha256 == fingerprint)
    ).first()
    if row is None:
        native = seal.certificate
        row = SealCertificate(
            sha256=fingerprint,
            subject=native.subject.human_friendly[:500],
            pem=seal.certificate_pem,
            not_before=native.not_valid_before,
            not_after=native.not_valid_after,
        )
        db.session.add(row)
    return row


def _seal_and_store(
    context: dict[str, Any],
    *,
    kind: str,
    language: str,
    actor: User | None,
    consent: Consent | None = None,
    recording: Recording | None = None,
    version: FormTemplateVersion | None = None,
) -> StoredDocument:
    with force_locale(language):
        pdf = render_pdf(FORM_TEMPLATE, context)
    return store_sealed(
        pdf,
        form_number=context["form"]["number"],
        kind=kind,
        sealed_at=context["form"]["sealed_at"],
        location=context["practice"]["name"],
        actor=actor,
        consent=consent,
        recording=recording,
        version=version,
    )


def store_sealed(
    pdf: bytes,
    *,
    form_number: str,
    kind: str,
    sealed_at: datetime,
    location: str,
    actor: User | None,
    consent: Consent | None = None,
    recording: Recording | None = None,
    version: FormTemplateVersion | None = None,
) -> StoredDocument:
    """Seal a rendered PDF with the practice's seal and store it, once, with its hash."""
    seal = practice_seal()
    sealed = seal.seal(pdf, reason=f"{kind} {form_number}", location=location)
    document = StoredDocument(
        form_number=form_number,
        kind=kind,
        consent=consent,
        recording=recording,
        template_version=version,
        seal_certificate=_certificate_row(seal),
        content=sealed,
        sha256=hashlib.sha256(sealed).hexdigest(),
        size_bytes=len(sealed),
        created_at=sealed_at,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(document)
    return document


def _existing(consent: Consent, kind: str) -> StoredDocument | None:
    return db.session.scalars(
        select(StoredDocument).where(
            StoredDocument.consent_id == consent.id, StoredDocument.kind == kind
        )
    ).first()


def seal_consent_form(consent: Consent, actor: User | None) -> StoredDocument:
    """The sealed form of a decision (granted or refused), made once: a second call returns
    the stored one, never a regenerated file."""
    existing = _existing(consent, "consent_form")
    if existing is not None:
        return existing
    return _seal_consent_document(consent, pin_form_version(consent), "consent_form", actor)


def pin_form_version(consent: Consent) -> FormTemplateVersion:
    """The form text version a decision was given on; one registered without it (on paper,
    say) gets the current text of its kind in the party's language, as the screen shows it."""
    if consent.template_version is None:
        kind = form_kind_for(consent.recording, consent.party_representative is not None)
        consent.template_version = latest_version(kind, _party_language(consent))
    return consent.template_version


def seal_withdrawal_receipt(consent: Consent, actor: User | None) -> StoredDocument:
    """The sealed receipt of a withdrawal, made once, on the withdrawal receipt template."""
    if consent.withdrawn_at is None:
        raise OperationError(None, _l("this consent has not been withdrawn"))
    existing = _existing(consent, "withdrawal_receipt")
    if existing is not None:
        return existing
    version = latest_version("withdrawal_receipt", _party_language(consent))
    return _seal_consent_document(consent, version, "withdrawal_receipt", actor)


def _seal_consent_document(
    consent: Consent, version: FormTemplateVersion, kind: str, actor: User | None
) -> StoredDocument:
    sealed_at = now_utc()
    language = version.template.language
    with force_locale(language):
        context = consent_context(
            consent,
            version,
            form_number=new_form_number(sealed_at),
            sealed_at=sealed_at,
            receipt=kind == "withdrawal_receipt",
        )
    document = _seal_and_store(
        context, kind=kind, language=language, actor=actor, consent=consent, version=version
    )
    log_change(
        "document.sealed",
        document,
        actor,
        client_id=consent.for_participant.client_id,
        consent_id=consent.id,
        kind=kind,
        sha256=document.sha256,
    )
    return document


def seal_group_roster(recording: Recording, actor: User, language: str) -> StoredDocument:
    """A sealed sheet of every member's decision about a group recording, as it stands now.
    Each call makes a new one (the roster changes as members decide); none is ever replaced."""
    if recording.session.kind != "group":
        raise OperationError(None, _l("only a group recording has a roster"))
    version = latest_version(form_kind_for(recording, False), language)
    sealed_at = now_utc()
    with force_locale(language):
        context = roster_context(
            recording, version, form_number=new_form_number(sealed_at), sealed_at=sealed_at
        )
    document = _seal_and_store(
        context,
        kind="group_roster",
        language=language,
        actor=actor,
        recording=recording,
        version=version,
    )
    log_change(
        "document.sealed",
        document,
        actor,
        recording_id=recording.id,
        kind="group_roster",
        sha256=document.sha256,
    )
    return document


def _party_language(consent: Consent) -> str:
    """The language the party reads: their client's language, else the practice default."""
    if consent.party_representative is not None and consent.party_representative.client is not None:
        return consent.party_representative.client.language
    participant = consent.party_participant
    if participant is not None and participant.client is not None:
        return participant.client.language
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl"))


def roster_forms(recording: Recording) -> list[StoredDocument]:
    """The sealed roster forms of a group recording, oldest first (no file bytes)."""
    return list(
        db.session.scalars(
            select(StoredDocument)
            .where(
                StoredDocument.recording_id == recording.id,
                StoredDocument.kind == "group_roster",
            )
            .order_by(StoredDocument.id)
        )
    )


def consent_documents(recording_id: int) -> dict[int, list[StoredDocument]]:
    """The stored documents of the recording's consents, by consent id, oldest first (no file
    bytes): found through the recording, in one query for a group of any size."""
    return _by_consent(
        select(StoredDocument)
        .join(Consent, StoredDocument.consent_id == Consent.id)
        .where(Consent.recording_id == recording_id)
    )


def documents_of_consent(consent_id: int) -> list[StoredDocument]:
    """One consent's stored documents, oldest first (no file bytes)."""
    found = _by_consent(select(StoredDocument).where(StoredDocument.consent_id == consent_id))
    return found.get(consent_id, [])


def _by_consent(documents: Select[StoredDocument]) -> dict[int, list[StoredDocument]]:
    found: dict[int, list[StoredDocument]] = {}
    for document in db.session.scalars(documents.order_by(StoredDocument.id)):
        assert document.consent_id is not None
        found.setdefault(document.consent_id, []).append(document)
    return found
