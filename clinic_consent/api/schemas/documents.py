"""Stored documents (sealed forms, withdrawal receipts, group rosters) and the form text
version a decision was given on."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from clinic_consent.forms_pdf.models import DOCUMENT_KINDS, FORM_KINDS
from clinic_consent.practice.models import LANGUAGES


class TemplateVersionSchema(Schema):
    id = fields.Integer(required=True)
    template_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FORM_KINDS))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    version = fields.Integer(required=True)


class DocumentLinkSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    form_number = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "The document's metadata"})
    pdf_url = fields.String(required=True, metadata={"description": "The sealed PDF"})


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    form_number = fields.String(required=True)
    consent_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The consent, for its form"}
    )
    recording_id = fields.Integer(
        required=True, metadata={"description": "The recording the document is about"}
    )
    media_type = fields.String(required=True)
    sha256 = fields.String(
        required=True,
        validate=validate.Regexp("^[0-9a-f]{64}$"),
        metadata={"description": "Of the stored file, in hex"},
    )
    size_bytes = fields.Integer(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": "When it was sealed"})
    template_version = fields.Nested(TemplateVersionSchema, required=True, allow_none=True)
    pdf_url = fields.String(required=True)
