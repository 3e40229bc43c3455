"""Recordings as the consent workflow sees them: their terms and verdict, never where the
file is kept (that is for the recording's own page and its access list, R4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from clinic_consent.domain.vocabulary import MADE_BY, MEDIA, PURPOSES, SCOPES
from clinic_consent.recordings.models import RECORDING_STATUSES

# The contract's verdict, registered as a component by views/evaluate.py.
VERDICT_REF = {"$ref": "#/components/schemas/Verdict"}


def verdict_field() -> fields.Raw:
    """The verdict JSON of the domain contract, documented by reference to its JSON Schema:
    one definition of the verdict, not a second one in marshmallow."""
    return fields.Raw(
        required=True,
        metadata={
            "allOf": [VERDICT_REF],
            "description": "The rule set's verdict, as POST /evaluate answers it",
        },
    )


class RecordingSchema(Schema):
    id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    made_by = fields.String(required=True, validate=validate.OneOf(MADE_BY))
    recorder = fields.String(
        required=True, metadata={"description": "The participant key of the one recording"}
    )
    medium = fields.String(required=True, validate=validate.OneOf(MEDIA))
    covert = fields.Boolean(required=True)
    public = fields.Boolean(required=True)
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    scope_description = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True, allow_none=True, validate=validate.OneOf(PURPOSES))
    retention_until = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(RECORDING_STATUSES))
    made_at = fields.DateTime(required=True, allow_none=True)
    destroyed_at = fields.DateTime(required=True, allow_none=True)
    access_list = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Who may see or hear it now (active entries), sorted"},
    )
    verdict = verdict_field()
