"""Every stored form written to a folder, for an inspection or a move to another system: one
PDF per form, byte for byte as stored, a manifest of what each file is, and a SHA256SUMS file
that ``sha256sum -c`` checks.

Forms are read one at a time (ids first, then each form's bytes), so an export of years of
forms never holds more than one file in memory. Every file is read back and its hash checked
against the stored one before the export counts as done; on any failure the files written so
far are removed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.sessions.models import SessionParticipant

MANIFEST: Final = "manifest.json"
CHECKSUMS: Final = "SHA256SUMS"
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CHUNK: Final = 1024 * 1024
_FILE_MODE: Final = 0o600  # health data: readable by the exporting user only
_FOLDER_MODE: Final = 0o700


class ExportRefused(Exception):
    """The export cannot be made; the message says why. Nothing was left behind."""


@dataclass
class ExportResult:
    folder: Path
    count: int = 0
    total_bytes: int = 0
    # (document id, client id) of every form exported, for the access log.
    exported: list[tuple[int, int | None]] = field(default_factory=list)


def export_forms(folder: Path) -> ExportResult:
    """Write every stored document to ``folder`` (created if missing, refused unless empty)."""
    created = _prepare(folder)
    written: list[Path] = []
    try:
        return _write_all(folder, written)
    except BaseException as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            folder.rmdir()
        if isinstance(exc, OSError):
            raise ExportRefused(
                f"{folder}: writing failed ({exc.strerror or exc}); nothing was kept"
            ) from None
        raise


def _prepare(folder: Path) -> bool:
    """Make sure ``folder`` is an empty directory; True if it had to be created."""
    if folder.exists():
        if not folder.is_dir():
            raise ExportRefused(f"{folder} is not a directory")
        if any(folder.iterdir()):
            raise ExportRefused(f"{folder} is not empty: export into a new or empty directory")
        return False
    try:
        folder.mkdir(mode=_FOLDER_MODE, parents=True)
    except OSError as exc:
        raise ExportRefused(f"{folder}: cannot be created ({exc.strerror or exc})") from None
    return True


def _documents() -> list[tuple[int, int | None]]:
    """Every stored document's id with the client it is about, oldest first (no file bytes)."""
    rows = db.session.execute(
        select(StoredDocument.id, SessionParticipant.client_id)
        .outerjoin(Consent, Consent.id == StoredDocument.consent_id)
        .outerjoin(SessionParticipant, SessionParticipant.id == Consent.for_participant_id)
        .order_by(StoredDocument.id)
    )
    return [(document_id, client_id) for document_id, client_id in rows]


def _write_all(folder: Path, written: list[Path]) -> ExportResult:
    result = ExportResult(folder)
    manifest: list[dict[str, Any]] = []
    for document_id, client_id in _documents():
        document = db.session.get(StoredDocument, document_id)
        assert document is not None
        name = f"{document.form_number}.pdf"
        if not _SAFE_NAME.fullmatch(name):
            raise ExportRefused(f"form {document.form_number!r}: not usable as a file name")
        content = db.session.scalar(
            select(StoredDocument.content).where(StoredDocument.id == document_id)
        )
        assert content is not None
        path = folder / name
        _write_new(path, content, written)
        del content
        manifest.append(_entry(document, name))
        result.count += 1
        result.total_bytes += document.size_bytes
        result.exported.append((document_id, client_id))
        db.session.expunge(document)
    _write_new(
        folder / MANIFEST,
        (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode(),
        written,
    )
    sums = "".join(f"{entry['sha256']}  {entry['file']}\n" for entry in manifest)
    _write_new(folder / CHECKSUMS, sums.encode(), written)
    _check(folder, manifest)
    return result


def _entry(document: StoredDocument, name: str) -> dict[str, Any]:
    version = document.template_version
    recording_id = document.recording_id
    if recording_id is None and document.consent is not None:
        recording_id = document.consent.recording_id
    return {
        "file": name,
        "form_number": document.form_number,
        "kind": document.kind,
        "sha256": document.sha256,
        "size_bytes": document.size_bytes,
        "created_at": document.created_at.isoformat(),
        "consent_id": document.consent_id,
        "recording_id": recording_id,
        "template": None
        if version is None
        else {
            "kind": version.template.kind,
            "language": version.template.language,
            "version": version.version,
        },
    }


def _write_new(path: Path, data: bytes, written: list[Path]) -> None:
    """Write a file that must not exist yet, to disk (fsync) and readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    written.append(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _check(folder: Path, manifest: list[dict[str, Any]]) -> None:
    """Read every written form back and compare it with the stored hash and size."""
    wrong = []
    for entry in manifest:
        digest = hashlib.sha256()
        size = 0
        with open(folder / entry["file"], "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != entry["sha256"] or size != entry["size_bytes"]:
            wrong.append(entry["form_number"])
    if wrong:
        raise ExportRefused(
            "the files of these forms do not match their stored SHA-256 (the stored bytes or "
            "the written files are damaged); nothing was kept: " + ", ".join(wrong)
        )
