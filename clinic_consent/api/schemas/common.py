"""Schemas every part of the API uses."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from clinic_consent.row_ids import MAX_ROW_ID


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


def row_id(**kwargs: Any) -> fields.Integer:
    """An id field within the range of a database row id (a larger one is a 422, not a 500)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)
