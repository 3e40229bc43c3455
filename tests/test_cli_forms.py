"""The command line on sealed forms: `pdf verify FILE` and `forms export DIR`."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from pyhanko.sign import signers
from sqlalchemy import select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.consents.models import Consent
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf import export
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.forms_pdf.seal import (
    CERT_FILENAME,
    KEY_FILENAME,
    PracticeSeal,
    create_self_signed_seal,
    practice_seal,
)
from clinic_consent.users.models import User


@dataclass(frozen=True)
class SealedForm:
    document_id: int
    form_number: str
    content: bytes
    client_id: int


def seal_forms(count: int) -> list[SealedForm]:
    """Seal and store the forms of the first ``count`` demo consents, committed."""
    consents = db.session.scalars(select(Consent).order_by(Consent.id).limit(count)).all()
    documents = [
        seal_consent_form(consent, db.session.get(User, consent.registered_by_id))
        for consent in consents
    ]
    db.session.commit()
    return [
        SealedForm(d.id, d.form_number, d.content, c.for_participant.client_id or 0)
        for d, c in zip(documents, consents, strict=True)
    ]


def changed_inside_the_seal(pdf: bytes) -> bytes:
    """One byte of the first content stream changed: inside the sealed byte range."""
    at = pdf.index(b"stream\n") + len(b"stream\n") + 10
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def unsealed_pdf() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<p>Not a form of the practice</p>").write_pdf())


def sealed_by(seal: PracticeSeal, pdf: bytes) -> bytes:
    return seal.seal(pdf, reason="consent_form CC-2099-TEST-TEST", location="Elsewhere")


def other_practice_seal(folder: Path) -> PracticeSeal:
    create_self_signed_seal(folder, "Another practice")
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        str(folder / KEY_FILENAME), str(folder / CERT_FILENAME)
    )
    assert signer is not None and signer.signing_cert is not None
    return PracticeSeal(signer, signer.signing_cert, None)


@pytest.fixture
def forms(demo: DemoResult) -> list[SealedForm]:
    return seal_forms(2)


def _verify(runner: FlaskCliRunner, path: Path | str) -> Result:
    return runner.invoke(args=["pdf", "verify", str(path)])


def test_a_stored_form_verifies_and_says_which_form_it_is(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    form = forms[1]
    path = tmp_path / "handed-in.pdf"
    path.write_bytes(form.content)

    result = _verify(runner, path)

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"VERIFIED: This is form {form.form_number} as sealed by the practice, unchanged."
    )
    for line in (
        "Signed content unchanged:",
        "Trusted by the practice certificate:",
        "Covers the whole file:",
        "Timestamp from a timestamp server:",
        f"Form number:                         {form.form_number}",
        "Kind:                                Consent form",
        "), version 1",
        hashlib.sha256(form.content).hexdigest(),
    ):
        assert line in result.output, result.output
    assert ": no" not in result.output.replace("Timestamp from a timestamp server: no", "")


def test_verifying_a_stored_form_is_in_the_access_log(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    form = forms[0]
    path = tmp_path / "form.pdf"
    path.write_bytes(form.content)

    assert _verify(runner, path).exit_code == 0

    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "stored_documents.verify")
    ).one()
    assert (entry.object_type, entry.object_id, entry.client_id) == (
        "stored_documents",
        form.document_id,
        form.client_id,
    )
    assert entry.user_id is None and entry.purpose_of_use == "audit"


def test_one_changed_byte_breaks_the_seal(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    path = tmp_path / "changed.pdf"
    path.write_bytes(changed_inside_the_seal(forms[0].content))

    result = _verify(runner, path)

    assert result.exit_code == 1, result.output
    assert result.output.startswith("NOT VERIFIED:")
    assert "The seal is broken: the file was changed after it was sealed." in result.output
    assert "not a form stored by this practice" in result.output
    assert "not made with the practice's certificate" not in result.output
    assert forms[0].form_number not in result.output
    assert db.session.scalars(select(AccessLogEntry)).first() is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(
            lambda folder: sealed_by(practice_seal(), unsealed_pdf()),
            "The practice's seal holds, but this is not a form stored by this practice.",
            id="sealed-by-the-practice-but-not-stored",
        ),
        pytest.param(lambda folder: unsealed_pdf(), "The file carries no seal.", id="no-seal"),
        pytest.param(
            lambda folder: sealed_by(other_practice_seal(folder), unsealed_pdf()),
            "The seal was not made with the practice's certificate.",
            id="sealed-by-someone-else",
        ),
    ],
)
def test_a_pdf_that_is_not_a_stored_form_is_not_verified(
    runner: FlaskCliRunner,
    forms: list[SealedForm],
    tmp_path: Path,
    make: Callable[[Path], bytes],
    reason: str,
) -> None:
    path = tmp_path / "other.pdf"
    path.write_bytes(make(tmp_path / "other-seal"))

    result = _verify(runner, path)

    assert result.exit_code == 1, result.output
    assert reason in result.output
    assert "Matching stored form: " in result.output
    assert "none: not a form stored by this practice" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Hello, I am a text file.\n", "This file is not a PDF."),
        (b"%PDF-1.7\nthis is no PDF after all\n%%EOF\n", "cannot be read as a PDF"),
        (None, "cannot be read (No such file or directory)"),
    ],
    ids=["not-a-pdf", "damaged-pdf", "missing-file"],
)
def test_unreadable_input_exits_2(
    runner: FlaskCliRunner,
    forms: list[SealedForm],
    tmp_path: Path,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / "input.pdf"
    if content is not None:
        path.write_bytes(content)

    result = _verify(runner, path)

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "VERIFIED" not in result.output


def sealed_positions(pdf: bytes) -> list[int]:
    """Offsets the seal covers: all but the signature's own /Contents string.

    A byte changed in that string's zero padding alters nothing sealed, and every reader
    rightly still verifies the form, so damage is only ever done where the seal looks.
    """
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert found, "the form carries no seal"
    start1, length1, start2, length2 = (int(group) for group in found.groups())
    return [*range(start1, start1 + length1), *range(start2, start2 + length2)]


def damaged_copies(pdf: bytes, count: int) -> list[bytes]:
    """Copies of a form cut short or with a few sealed bytes changed, the same on every run."""
    rng = random.Random(7513)
    positions = sealed_positions(pdf)
    copies = [pdf[: len(pdf) * n // 5] for n in range(1, 5)]
    while len(copies) < count:
        copy = bytearray(pdf)
        for _ in range(rng.randint(1, 6)):
            position = rng.choice(positions)
            copy[position] = (copy[position] + rng.randrange(1, 256)) % 256  # never the same
        copies.append(bytes(copy))
    return copies


def test_a_damaged_copy_of_a_form_gets_an_answer_not_a_crash(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    for number, copy in enumerate(damaged_copies(forms[0].content, 40)):
        path = tmp_path / f"damaged-{number}.pdf"
        path.write_bytes(copy)

        result = _verify(runner, path)

        assert isinstance(result.exception, SystemExit), (number, result.output)
        assert result.exit_code in (1, 2), (number, result.output)
        assert "VERIFIED:" not in result.output.replace("NOT VERIFIED:", "")


# --- forms export ----------------------------------------------------------------------------


def test_export_writes_every_form_with_a_manifest_and_checksums(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    folder = tmp_path / "inspection" / "forms"  # neither exists yet

    result = runner.invoke(args=["forms", "export", str(folder)])

    assert result.exit_code == 0, result.output
    total = sum(len(form.content) for form in forms)
    assert f"Exported 2 forms ({total:,} bytes)" in result.output
    names = {f"{form.form_number}.pdf" for form in forms}
    assert {p.name for p in folder.iterdir()} == names | {"manifest.json", "SHA256SUMS"}
    for form in forms:
        assert (folder / f"{form.form_number}.pdf").read_bytes() == form.content

    manifest = json.loads((folder / "manifest.json").read_text())
    assert [entry["form_number"] for entry in manifest] == [form.form_number for form in forms]
    for entry, form in zip(manifest, forms, strict=True):
        document = db.session.get(StoredDocument, form.document_id)
        assert document is not None and document.template_version is not None
        data = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() == document.sha256
        assert entry["size_bytes"] == len(data)
        assert entry["kind"] == "consent_form"
        assert entry["consent_id"] == document.consent_id
        assert entry["recording_id"] == document.consent.recording_id  # type: ignore[union-attr]
        assert entry["created_at"] == document.created_at.isoformat()
        assert entry["template"] == {
            "kind": document.template_version.template.kind,
            "language": document.template_version.template.language,
            "version": document.template_version.version,
        }

    # sha256sum -c format: "<hex>  <file>", one line per form, and every line checks out.
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == len(forms)
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest

    logged = db.session.scalars(
        select(AccessLogEntry.object_id).where(AccessLogEntry.event == "stored_documents.export")
    ).all()
    assert len(logged) == len(forms)
    assert set(logged) == {form.document_id for form in forms}


@pytest.mark.parametrize("occupant", ["a-file.txt", "a-folder"])
def test_export_refuses_a_folder_that_is_not_empty(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path, occupant: str
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    if occupant.endswith(".txt"):
        (folder / occupant).write_text("keep me")
    else:
        (folder / occupant).mkdir()

    result = runner.invoke(args=["forms", "export", str(folder)])

    assert result.exit_code == 1, result.output
    assert "is not empty" in result.output
    assert [p.name for p in folder.iterdir()] == [occupant]
    assert db.session.scalars(select(AccessLogEntry)).first() is None


def test_export_refuses_a_file_in_place_of_the_folder(
    runner: FlaskCliRunner, forms: list[SealedForm], tmp_path: Path
) -> None:
    target = tmp_path / "export"
    target.write_text("not a folder")

    result = runner.invoke(args=["forms", "export", str(target)])

    assert result.exit_code != 0
    assert target.read_text() == "not a folder"


def test_export_of_no_forms_writes_an_empty_manifest(
    runner: FlaskCliRunner, demo: DemoResult, tmp_path: Path
) -> None:
    folder = tmp_path / "empty-export"

    result = runner.invoke(args=["forms", "export", str(folder)])

    assert result.exit_code == 0, result.output
    assert "Exported 0 forms (0 bytes)" in result.output
    assert json.loads((folder / "manifest.json").read_text()) == []
    assert (folder / "SHA256SUMS").read_text() == ""


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "empty-folder"])
def test_an_export_that_fails_halfway_leaves_nothing_behind(
    runner: FlaskCliRunner,
    forms: list[SealedForm],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    existing: bool,
) -> None:
    folder = tmp_path / "export"
    if existing:
        folder.mkdir()
    write_new = export._write_new
    calls = []

    def disk_full_on_the_second_file(path: Path, data: bytes, written: list[Path]) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        write_new(path, data, written)

    monkeypatch.setattr(export, "_write_new", disk_full_on_the_second_file)

    result = runner.invoke(args=["forms", "export", str(folder)])

    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "nothing was kept" in result.output
    assert folder.exists() == existing
    assert not existing or not any(folder.iterdir())
    assert db.session.scalars(select(AccessLogEntry)).first() is None
