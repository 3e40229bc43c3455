"""Stored documents: a sealed form's metadata, and its PDF byte for byte as stored."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint

from clinic_consent import access
from clinic_consent.api.schemas.documents import DocumentSchema
from clinic_consent.api.spec import error_responses
from clinic_consent.auth.rate_limits import pdf_limited
from clinic_consent.forms_pdf import document_views
from clinic_consent.forms_pdf.models import FormTemplateVersion, StoredDocument

URL_PREFIX = "/api/v1"
blp = Blueprint("api_documents", __name__, description="Sealed forms and receipts")

PDF_SCHEMA = {"type": "string", "format": "binary"}


def template_version_body(version: FormTemplateVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "id": version.id,
        "template_id": version.template_id,
        "kind": version.template.kind,
        "language": version.template.language,
        "version": version.version,
    }


def _urls(document: StoredDocument) -> dict[str, str]:
    return {
        "url": url_for("api_documents.get_document", document_id=document.id),
        "pdf_url": url_for("api_documents.document_pdf", document_id=document.id),
    }


def document_link(document: StoredDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "form_number": document.form_number,
        **_urls(document),
    }


@blp.route("/documents/<int:document_id>")
@blp.doc(summary="A sealed document's metadata", **error_responses(401, 404))
@blp.response(200, DocumentSchema)
def get_document(document_id: int) -> dict[str, Any]:
    document = access.load_document(document_id)
    return {
        "id": document.id,
        "kind": document.kind,
        "form_number": document.form_number,
        "consent_id": document.consent_id,
        "recording_id": document_views.recording_of(document).id,
        "media_type": document.media_type,
        "sha256": document.sha256,
        "size_bytes": document.size_bytes,
        "created_at": document.created_at,
        "template_version": template_version_body(document.template_version),
        "pdf_url": _urls(document)["pdf_url"],
    }


@blp.route("/documents/<int:document_id>/pdf")
@pdf_limited
@blp.doc(
    summary="A sealed document's PDF",
    description="The stored file byte for byte, as the practice keeps it; its SHA-256 is the "
    "metadata's `sha256`.",
    **error_responses(401, 404),
)
@blp.response(
    200,
    PDF_SCHEMA,
    content_type="application/pdf",
    description="The sealed PDF, as an attachment",
    headers={
        "Content-Disposition": {
            "schema": {"type": "string"},
            "description": "attachment",
            "required": True,
        },
        "ETag": {
            "schema": {"type": "string"},
            "description": "The quoted SHA-256",
            "required": True,
        },
    },
)
def document_pdf(document_id: int) -> Response:
    return document_views.pdf_response(access.load_document(document_id))
