"""Treatment sessions: what the API shows of them, what creates one, and how a list is filtered."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from clinic_consent.api.paging import PageQuerySchema
from clinic_consent.api.schemas.common import UtcDateTime, row_id
from clinic_consent.domain.vocabulary import PARTICIPANT_ROLES, SESSION_KINDS

MAX_CLIENTS = 50


class ParticipantSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, metadata={"description": "The party id in verdicts"})
    role = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_ROLES))
    client_id = fields.Integer(required=True, allow_none=True)
    user_id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True)


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    date = fields.Date(required=True)
    starts_at = fields.DateTime(required=True, allow_none=True)
    title = fields.String(required=True, allow_none=True)
    group_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The group treatment, if any"}
    )
    created_at = fields.DateTime(required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    recording_ids = fields.List(fields.Integer(), required=True)


class SessionInputSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    date = fields.Date(required=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_at = UtcDateTime(load_default=None, allow_none=True)
    group_id = row_id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "A group session of this group treatment: its current members and "
            "facilitators take part. Required for a group session."
        },
    )
    client_ids = fields.List(
        row_id(),
        load_default=list,
        validate=validate.Length(max=MAX_CLIENTS),
        metadata={
            "description": "The clients taking part: exactly one in an individual session; "
            "in a group session, clients besides the group's members"
        },
    )

    @validates_schema
    def _participants(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["kind"] == "individual" and len(data["client_ids"]) != 1:
            raise ValidationError("An individual session has exactly one client.", "client_ids")
        if data["kind"] == "group" and data["group_id"] is None:
            raise ValidationError("A group session is a session of a group treatment.", "group_id")


class SessionQuerySchema(PageQuerySchema):
    from_ = fields.Date(data_key="from", metadata={"description": "Sessions on or after"})
    until = fields.Date(metadata={"description": "Sessions on or before"})
    client_id = row_id(
        strict=False,
        metadata={"description": "Only this client's sessions (404 for a client you may not see)"},
    )

    @validates_schema
    def _range(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "from_" in data and "until" in data and data["until"] < data["from_"]:
            raise ValidationError("Cannot be before 'from'.", "until")
