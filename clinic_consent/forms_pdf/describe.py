"""The answer to "is this one of our forms, unchanged?", worded once for the command line and
the practice manager's page alike: what the seal says, which stored form the file is, and, when
it is not verified, why not. Strings are translated when described (English on the command
line, the reader's language on the page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from clinic_consent.forms_pdf.forms import FORM_KIND_LABELS
from clinic_consent.forms_pdf.models import DOCUMENT_KINDS, StoredDocument
from clinic_consent.forms_pdf.verification import SealCheck, Verification
from clinic_consent.i18n import LANGUAGE_NAMES

DOCUMENT_KIND_LABELS: Final = {
    "consent_form": _l("Consent form"),
    "withdrawal_receipt": _l("Withdrawal receipt"),
    "group_roster": _l("Group roster"),
    "audit_report": _l("Audit report"),
}
assert set(DOCUMENT_KIND_LABELS) == set(DOCUMENT_KINDS)

# verify_pdf's reasons for not checking a file at all, in words for the reader.
_PROBLEMS: Final = {
    "not a PDF file": _l("This file is not a PDF."),
    "not a readable PDF file": _l("This file is damaged: it cannot be read as a PDF."),
}


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    passed: bool | None = None  # a check: True held, False failed; None: information only


@dataclass(frozen=True)
class Answer:
    ok: bool  # a sealed, unchanged form stored by this practice
    readable: bool  # False: the file could not be checked at all (not a PDF, damaged)
    verdict: str  # "Verified" or "Not verified"
    headline: str  # one sentence: which form, or what is wrong
    reasons: tuple[str, ...]  # every reason it is not verified
    file: tuple[Field, ...]
    seal: tuple[Field, ...] = ()
    document: tuple[Field, ...] = ()
    # The stored form the file is, if it is one (for links on the page).
    document_id: int | None = None
    recording_id: int | None = None


def _yes_no(value: bool) -> str:
    return str(_("yes") if value else _("no"))


def _when(value: datetime | None) -> str:
    return str(format_datetime(value, "long") if value is not None else _("unknown"))


def _seal_fields(seal: SealCheck | None) -> tuple[Field, ...]:
    if seal is None:
        return (Field(_("Seal found"), _("no"), False),)
    return (
        Field(_("Signed content unchanged"), _yes_no(seal.intact), seal.intact),
        Field(_("Signature valid"), _yes_no(seal.valid), seal.valid),
        Field(_("Trusted by the practice certificate"), _yes_no(seal.trusted), seal.trusted),
        Field(_("Covers the whole file"), _yes_no(seal.whole_file), seal.whole_file),
        Field(_("Signer"), seal.signer),
        Field(_("Sealed at"), _when(seal.signed_at)),
        Field(_("Timestamp from a timestamp server"), _yes_no(seal.timestamped)),
    )


def _recording_id(document: StoredDocument) -> int | None:
    if document.recording_id is not None:
        return document.recording_id
    return document.consent.recording_id if document.consent is not None else None


def _document_fields(document: StoredDocument | None) -> tuple[Field, ...]:
    if document is None:
        return (
            Field(_("Matching stored form"), _("none: not a form stored by this practice"), False),
        )
    version = document.template_version
    if version is None:
        template = _("none")
    else:
        kind = version.template.kind
        language = version.template.language
        template = _(
            "%(kind)s (%(language)s), version %(version)s",
            kind=FORM_KIND_LABELS.get(kind, kind),
            language=LANGUAGE_NAMES.get(language, language),
            version=version.version,
        )
    recording_id = _recording_id(document)
    return (
        Field(_("Form number"), document.form_number, True),
        Field(_("Kind"), str(DOCUMENT_KIND_LABELS.get(document.kind, document.kind))),
        Field(_("Template"), template),
        Field(_("Created at"), _when(document.created_at)),
        Field(_("Consent"), f"#{document.consent_id}" if document.consent_id else _("none")),
        Field(_("Recording"), f"#{recording_id}" if recording_id else _("none")),
    )


def _reasons(verification: Verification) -> tuple[str, ...]:
    seal = verification.seal
    reasons: list[str] = []
    if seal is None:
        reasons.append(_("The file carries no seal."))
    else:
        if not seal.intact:
            # pyHanko does not judge the signer of a broken seal: say only that it is broken.
            reasons.append(_("The seal is broken: the file was changed after it was sealed."))
        elif not seal.valid:
            reasons.append(_("The seal's signature is not valid."))
        elif not seal.trusted:
            reasons.append(_("The seal was not made with the practice's certificate."))
        if not seal.whole_file:
            reasons.append(_("Something was added to the file after it was sealed."))
    if verification.document is None:
        reasons.append(
            _("It is not a form stored by this practice: no stored form has exactly this content.")
        )
    return tuple(reasons)


def _headline(verification: Verification) -> str:
    document, seal = verification.document, verification.seal
    if verification.ok:
        assert document is not None
        return str(
            _(
                "This is form %(number)s as sealed by the practice, unchanged.",
                number=document.form_number,
            )
        )
    if document is not None:
        return str(
            _(
                "This file is stored form %(number)s, but its seal does not hold.",
                number=document.form_number,
            )
        )
    if seal is not None and seal.ok:
        return str(_("The practice's seal holds, but this is not a form stored by this practice."))
    return str(_("This is not a form of this practice as it was sealed."))


def describe(verification: Verification, name: str | None = None) -> Answer:
    """The answer the command line prints and the page shows, in the current language;
    ``name`` is the file's name as the reader knows it."""
    document = verification.document
    file = (
        *((Field(_("Name"), name),) if name else ()),
        Field(_("SHA-256"), verification.sha256),
        Field(_("Size"), _("%(size)s bytes", size=format_decimal(verification.size_bytes))),
    )
    if verification.problem is not None:
        message = _PROBLEMS.get(verification.problem)
        headline = str(message) if message is not None else verification.problem
        return Answer(False, False, str(_("Not verified")), headline, (headline,), file)
    return Answer(
        ok=verification.ok,
        readable=True,
        verdict=str(_("Verified") if verification.ok else _("Not verified")),
        headline=_headline(verification),
        reasons=() if verification.ok else _reasons(verification),
        file=file,
        seal=_seal_fields(verification.seal),
        document=_document_fields(document),
        document_id=document.id if document is not None else None,
        recording_id=_recording_id(document) if document is not None else None,
    )


def as_text(answer: Answer) -> list[str]:
    """The answer as lines of plain text, for the command line."""
    lines = [f"{answer.verdict.upper()}: {answer.headline}"]
    lines += [f"  - {reason}" for reason in answer.reasons if reason != answer.headline]
    sections = (
        (_("File"), answer.file),
        (_("Seal"), answer.seal),
        (_("Stored form"), answer.document),
    )
    width = max((len(f.label) for _title, fields in sections for f in fields), default=0) + 1
    for title, fields in sections:
        if not fields:
            continue
        lines += ["", title]
        lines += [f"  {f.label + ':':<{width}} {f.value}" for f in fields]
    return lines


def document_client_id(document: StoredDocument) -> int | None:
    """The client a stored form is about (for the access log), if it is about one."""
    consent = document.consent
    return consent.for_participant.client_id if consent is not None else None
