"""Schemas every part of the API uses."""

from __future__ import annotations

from marshmallow import Schema, fields


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "The input at fault"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    field = fields.String(metadata={"description": "The input at fault, when there is one"})
    errors = fields.List(fields.Nested(FieldErrorSchema))


class IdSchema(Schema):
    id = fields.Integer(required=True)
