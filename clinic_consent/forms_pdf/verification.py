"""Is this PDF one of our forms, unchanged? The seal, checked against the practice's
certificates, and the file's SHA-256, looked up among the stored forms."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import SealCertificate, StoredDocument
from clinic_consent.forms_pdf.seal import practice_seal


@dataclass(frozen=True)
class SealCheck:
    """What pyHanko says of the file's last signature."""

    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature is cryptographically sound
    trusted: bool  # the signer's certificate chains to a practice certificate
    whole_file: bool  # nothing was added after the seal
    signer: str
    signed_at: datetime | None
    timestamped: bool

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.whole_file


@dataclass(frozen=True)
class Verification:
    sha256: str
    size_bytes: int
    seal: SealCheck | None  # None: no seal found
    document: StoredDocument | None  # the stored form with this exact hash
    problem: str | None = None  # why the file could not be checked at all

    @property
    def ok(self) -> bool:
        return self.seal is not None and self.seal.ok and self.document is not None


def practice_trust_roots() -> list[object]:
    """Every certificate the practice has sealed with, and the current one."""
    pems = list(db.session.scalars(select(SealCertificate.pem)))
    roots = [cert for pem in pems for cert in load_certs_from_pemder_data(pem.encode())]
    current = practice_seal().certificate
    if all(root.dump() != current.dump() for root in roots):
        roots.append(current)
    return roots


def check_seal(data: bytes) -> SealCheck | None:
    """The last signature in the file, validated against the practice's certificates."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return None
    signature = signatures[-1]
    context = ValidationContext(trust_roots=practice_trust_roots(), allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except SignatureValidationError:
        return SealCheck(False, False, False, False, "?", None, False)
    return SealCheck(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        timestamped=status.timestamp_validity is not None,
    )


# What pyHanko raises on a damaged file (found by corrupting sealed forms byte by byte): a
# changed compressed stream fails in zlib, a mangled filter name is "not supported", and some
# of its reading code asserts on its input.
_DAMAGED_PDF = (
    PdfReadError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    NotImplementedError,
    ArithmeticError,  # decimal.InvalidOperation from a mangled number
    zlib.error,
)


def verify_pdf(data: bytes) -> Verification:
    """Check a file that claims to be one of the practice's forms. Never raises on bad input."""
    sha256 = hashlib.sha256(data).hexdigest()
    document = db.session.scalars(
        select(StoredDocument).where(StoredDocument.sha256 == sha256)
    ).first()
    if not data.startswith(b"%PDF-"):
        return Verification(sha256, len(data), None, document, problem="not a PDF file")
    try:
        seal = check_seal(data)
    except _DAMAGED_PDF:
        return Verification(sha256, len(data), None, document, problem="not a readable PDF file")
    return Verification(sha256, len(data), seal, document)
