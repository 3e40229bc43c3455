"""Consents: a party's decision about a recording, what registers one, and its withdrawal."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from clinic_consent.api.schemas.common import UtcDateTime, row_id
from clinic_consent.api.schemas.documents import DocumentLinkSchema, TemplateVersionSchema
from clinic_consent.consents.models import CONSENT_DECISIONS, CONSENT_METHODS
from clinic_consent.consents.operations import MAX_SIGNATURE_BYTES, WITHDRAWAL_CONSEQUENCES
from clinic_consent.domain.vocabulary import DECISIONS

# The base64 text of the largest image accepted, checked before anything is decoded.
MAX_SIGNATURE_TEXT = 4 * (MAX_SIGNATURE_BYTES // 3 + 1)


class Base64Bytes(fields.Field[bytes]):
    """Bytes sent as standard base64 text."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bytes:
        if not isinstance(value, str):
            raise ValidationError("Not valid base64 text.")
        if len(value) > MAX_SIGNATURE_TEXT:
            raise ValidationError("The image is too large.")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Not valid base64 text.") from None


class ConsentSchema(Schema):
    id = fields.Integer(required=True)
    recording_id = fields.Integer(required=True)
    party = fields.String(
        required=True,
        metadata={"description": "Who decided: a participant (p<id>) or a representative (r<id>)"},
    )
    party_name = fields.String(required=True)
    for_ = fields.String(
        data_key="for",
        required=True,
        metadata={"description": "The participant the decision is about (p<id>)"},
    )
    for_client_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "That participant's client, if they are one"},
    )
    decision = fields.String(
        required=True,
        validate=validate.OneOf(DECISIONS),
        metadata={"description": "As it stands: a granted consent can be withdrawn later"},
    )
    method = fields.String(required=True, validate=validate.OneOf(CONSENT_METHODS))
    witness_name = fields.String(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True)
    registered_at = fields.DateTime(required=True)
    withdrawn_at = fields.DateTime(required=True, allow_none=True)
    withdrawal_reason = fields.String(required=True, allow_none=True)
    template_version = fields.Nested(
        TemplateVersionSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The form text the party was shown"},
    )
    still_covers = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether it covers the recording's terms as they are now (R7); "
            "one that does not no longer counts"
        },
    )
    documents = fields.List(fields.Nested(DocumentLinkSchema), required=True)


class ConsentInputSchema(Schema):
    party = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Who decides: a party of the verdict's `required`"},
    )
    for_ = fields.String(
        data_key="for",
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "About whom: the `for` of that required consent"},
    )
    decision = fields.String(required=True, validate=validate.OneOf(CONSENT_DECISIONS))
    method = fields.String(required=True, validate=validate.OneOf(CONSENT_METHODS))
    witness_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Required for verbal_witness"},
    )
    signature_png = Base64Bytes(
        load_default=None,
        allow_none=True,
        metadata={
            "type": "string",
            "format": "byte",
            "maxLength": MAX_SIGNATURE_TEXT,
            "description": "The drawn signature, a PNG in base64; required for drawn_signature",
        },
    )
    decided_at = UtcDateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "When the decision was given (default: now); not in the future"},
    )
    template_version_id = row_id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The form text version the party was shown (default: the latest "
            "in the party's language)"
        },
    )


class WithdrawInputSchema(Schema):
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Optional: nobody has to give a reason"},
    )


class WithdrawalSchema(Schema):
    consent = fields.Nested(ConsentSchema, required=True)
    consequence = fields.String(
        required=True,
        validate=validate.OneOf(tuple(WITHDRAWAL_CONSEQUENCES.values())),
        metadata={
            "description": "blocked: the recording may not be made; destroy: it (or the part "
            "concerned) must be destroyed and that registered; none: it is already destroyed"
        },
    )
