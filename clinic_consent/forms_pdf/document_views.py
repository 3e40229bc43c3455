"""Stored forms: the page right after a decision, and the sealed PDF, byte for byte as stored.

A form is never rendered again to be served: the download is the stored file, so that what
the person takes home is exactly what the practice keeps.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from clinic_consent import access
from clinic_consent.auth.rate_limits import pdf_limited
from clinic_consent.forms_pdf.describe import DOCUMENT_KIND_LABELS
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.recordings.models import Recording

bp = Blueprint("documents", __name__, url_prefix="/documents")


def recording_of(document: StoredDocument) -> Recording:
    if document.consent is not None:
        return document.consent.recording
    assert document.recording is not None
    return document.recording


def continue_url(recording: Recording) -> str:
    """Where the clinician goes on: a group's roster (one tap from the next member), or the
    recording."""
    if recording.session.kind == "group":
        return url_for("consents.roster", recording_id=recording.id)
    return url_for("recordings.show", recording_id=recording.id)


@bp.get("/<int:document_id>")
def show(document_id: int) -> ResponseReturnValue:
    document = access.load_document(document_id)
    recording = recording_of(document)
    return render_template(
        "documents/show.html",
        document=document,
        kind_label=DOCUMENT_KIND_LABELS[document.kind],
        recording=recording,
        continue_url=continue_url(recording),
    )


@bp.get("/<int:document_id>/pdf")
@pdf_limited
def pdf(document_id: int) -> ResponseReturnValue:
    """The stored bytes; ``?inline=1`` opens it in the browser to print."""
    document = access.load_document(document_id)
    return pdf_response(document, inline=request.args.get("inline") == "1")


def pdf_response(document: StoredDocument, *, inline: bool = False) -> Response:
    """The stored file as a download (the web page and the API serve it alike)."""
    disposition = "inline" if inline else "attachment"
    response = Response(document.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{document.form_number}.pdf"'
    )
    response.headers["ETag"] = f'"{document.sha256}"'
    return response
