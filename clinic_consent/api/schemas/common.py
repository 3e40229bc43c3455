"""Schemas every part of the API uses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

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


def row_id(*, strict: bool = True, **kwargs: Any) -> fields.Integer:
    """An id to look up: a positive integer within a row id's range, so a larger one is a 422,
    not a database error (in a query string, where every value is text: ``strict=False``)."""
    return fields.Integer(strict=strict, validate=validate.Range(1, MAX_ROW_ID), **kwargs)


class UtcDateTime(fields.AwareDateTime):
    """A timestamp with its time zone (a naive one would be ambiguous), loaded as UTC: the
    answer shows it as it is stored."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Not a valid datetime: out of range.") from None
