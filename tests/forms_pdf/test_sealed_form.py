"""A stored form is the evidence of a decision: sealed with the practice's certificate, readable
by any PDF reader, changed by no one (not even by us), and made once."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from flask_babel import force_locale, format_date, gettext
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.content import party_name
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.forms_pdf.verification import check_seal, verify_pdf
from tests.forms_pdf.tools import make_pkcs12, pdf_text, png_size, run_tool, write_pdf

REPOSITORY = Path(__file__).resolve().parents[2]
REVIEW_PNG = REPOSITORY / "test-results" / "forms" / "consent-form.png"


def _stored(document: StoredDocument) -> bytes:
    """The file as a download serves it: the stored bytes, read afresh from the database."""
    db.session.expire_all()
    return db.session.scalars(
        select(StoredDocument.content).where(StoredDocument.id == document.id)
    ).one()


def _validation_context(pem: str) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(load_certs_from_pemder_data(pem.encode())), allow_fetching=False
    )


def test_stored_form_is_intact_valid_and_trusted_with_the_practice_certificate(
    sealed_form: StoredDocument,
) -> None:
    pdf = _stored(sealed_form)
    assert sealed_form.seal_certificate is not None
    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1

    status = validate_pdf_signature(
        reader.embedded_signatures[0], _validation_context(sealed_form.seal_certificate.pem)
    )

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    verification = verify_pdf(pdf)
    assert verification.ok
    assert verification.document is not None
    assert verification.document.id == sealed_form.id


def test_a_stranger_certificate_does_not_make_the_form_trusted(
    sealed_form: StoredDocument, tmp_path: Path
) -> None:
    stranger = make_pkcs12(tmp_path, "whatever")
    reader = PdfFileReader(BytesIO(_stored(sealed_form)))

    status = validate_pdf_signature(
        reader.embedded_signatures[0], _validation_context(stranger.certificate_pem)
    )

    assert status.intact and status.valid
    assert not status.trusted


def _change_one_byte(pdf: bytes, marker: bytes, offset: int) -> bytes:
    """The file with the byte ``offset`` bytes after ``marker`` replaced by another."""
    at = pdf.index(marker) + offset
    changed = bytearray(pdf)
    changed[at] = ord("x") if changed[at] != ord("x") else ord("y")
    return bytes(changed)


@pytest.mark.parametrize(
    ("marker", "offset"),
    [
        pytest.param(b"/Author (", 9, id="author-in-document-info"),
        pytest.param(b"stream\n", 200, id="first-stream-data"),
        pytest.param(b"/Reason (", 3, id="reason-in-the-seal"),
    ],
)
def test_one_changed_byte_makes_verification_fail(
    sealed_form: StoredDocument, marker: bytes, offset: int
) -> None:
    pdf = _stored(sealed_form)
    changed = _change_one_byte(pdf, marker, offset)
    assert len(changed) == len(pdf) and changed != pdf

    seal = check_seal(changed)
    verification = verify_pdf(changed)

    assert seal is not None
    assert seal.intact is False
    assert not seal.ok
    assert not verification.ok
    assert verification.document is None  # no stored form has these bytes


def test_anything_added_after_the_seal_is_noticed(sealed_form: StoredDocument) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(_stored(sealed_form)))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = BytesIO()
    writer.write(output)

    seal = check_seal(output.getvalue())

    assert seal is not None and seal.intact and seal.valid
    assert not seal.whole_file
    assert not verify_pdf(output.getvalue()).ok


@pytest.mark.parametrize(
    "data",
    [b"", b"not a PDF at all", b"%PDF-1.7\n%%EOF\n", b"%PDF-1.7\n" + b"\x00" * 200],
    ids=["empty", "text", "pdf-header-only", "garbage-after-header"],
)
def test_verifying_a_file_that_is_not_a_form_says_so_without_raising(
    app: object, data: bytes
) -> None:
    verification = verify_pdf(data)

    assert not verification.ok
    assert verification.seal is None
    assert verification.document is None


def test_pdfsig_reports_the_seal_valid(
    poppler: None, sealed_form: StoredDocument, tmp_path: Path
) -> None:
    report = run_tool("pdfsig", str(write_pdf(_stored(sealed_form), tmp_path)))

    assert "Signature is Valid" in report
    assert "Total document signed" in report
    assert "consent form seal" in report  # the practice's certificate, by its name


def test_pdfsig_reports_a_changed_byte(
    poppler: None, sealed_form: StoredDocument, tmp_path: Path
) -> None:
    changed = _change_one_byte(_stored(sealed_form), b"/Author (", 9)

    report = run_tool("pdfsig", str(write_pdf(changed, tmp_path)))

    assert "Signature is Valid" not in report
    assert "Signature is Invalid" in report or "Digest Mismatch" in report


@pytest.mark.parametrize("language", ["nl", "en"])
def test_pdftotext_reads_the_person_the_purpose_and_the_destroy_by_date(
    poppler: None, signed_consent: Consent, tmp_path: Path, language: str
) -> None:
    assert signed_consent.party_participant is not None
    assert signed_consent.party_participant.client is not None
    signed_consent.party_participant.client.language = language
    signed_consent.template_version = None  # decided on the screen in that language
    document = seal_consent_form(signed_consent, actor=None)
    db.session.commit()

    text = pdf_text(_stored(document), tmp_path)

    destroy_by = date.fromisoformat(signed_consent.terms["retention_until"])
    with force_locale(language):
        purpose = gettext("For supervision of the clinician")
        destroy_by_printed = format_date(destroy_by, "long")
    if language == "nl":
        assert purpose != "For supervision of the clinician"  # the Dutch label, not the msgid
    assert party_name(signed_consent) == "Sanne Jansen"
    assert "Sanne Jansen" in text
    assert purpose in text
    assert destroy_by_printed in text
    assert document.form_number in text


def test_first_page_renders_to_a_png_for_review(
    poppler: None, sealed_form: StoredDocument, tmp_path: Path
) -> None:
    REVIEW_PNG.parent.mkdir(parents=True, exist_ok=True)
    pdf = write_pdf(_stored(sealed_form), tmp_path)

    run_tool(
        "pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
        str(pdf), str(REVIEW_PNG.with_suffix("")),
    )  # fmt: skip

    png = REVIEW_PNG.read_bytes()
    width, height = png_size(png)
    # A4 at 80 dpi: 210 mm x 297 mm is 661 x 935 pixels.
    assert abs(width - 661) <= 2 and abs(height - 935) <= 2
    assert len(png) > 20_000  # text, a logo and a signature; a blank page is a few kB


def test_sealing_twice_returns_the_stored_form_never_a_new_one(
    signed_consent: Consent,
) -> None:
    consent_id = signed_consent.id
    first = seal_consent_form(signed_consent, actor=None)
    db.session.commit()
    first_id, stored = first.id, _stored(first)
    db.session.expunge_all()
    consent = db.session.get(Consent, consent_id)
    assert consent is not None

    again = seal_consent_form(consent, actor=None)
    db.session.commit()

    assert again.id == first_id
    assert _stored(again) == stored
    count = select(func.count()).where(StoredDocument.consent_id == consent_id)
    assert db.session.scalar(count) == 1


@pytest.mark.parametrize(
    ("field", "value", "loaded"),
    [
        pytest.param("content", b"%PDF-1.7 forged", False, id="content-not-loaded"),
        pytest.param("content", b"%PDF-1.7 forged", True, id="content-loaded"),
        pytest.param("sha256", "0" * 64, False, id="sha256"),
        pytest.param("size_bytes", 1, False, id="size_bytes"),
        pytest.param("form_number", "CC-FORGED", False, id="form_number"),
        pytest.param("kind", "withdrawal_receipt", False, id="kind"),
    ],
)
def test_a_stored_form_cannot_be_changed(
    sealed_form: StoredDocument, field: str, value: object, loaded: bool
) -> None:
    document_id, original = sealed_form.id, _stored(sealed_form)
    db.session.expunge_all()
    document = db.session.get(StoredDocument, document_id)
    assert document is not None
    if loaded:
        assert document.content == original

    setattr(document, field, value)
    with pytest.raises(ValueError, match=f"{field} cannot change"):
        db.session.flush()
    db.session.rollback()

    assert _stored(document) == original
