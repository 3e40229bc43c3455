"""The retention report and the audit chain's status."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from clinic_consent.api.schemas.common import row_id
from clinic_consent.domain.vocabulary import MADE_BY, MEDIA
from clinic_consent.oversight.queries import RETENTION_STATES

REPORT_PAGE = 100
REPORT_PAGE_MAX = 5000


class RetentionRowSchema(Schema):
    """The rows of the ``retention report`` command, whose dates are ISO strings already."""

    recording_id = fields.Integer(required=True)
    session_date = fields.String(required=True, metadata={"format": "date"})
    clinician = fields.String(required=True)
    made_by = fields.String(required=True, validate=validate.OneOf(MADE_BY))
    medium = fields.String(required=True, validate=validate.OneOf(MEDIA))
    retention_until = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    days_left = fields.Integer(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(RETENTION_STATES))


class RetentionCountsSchema(Schema):
    overdue = fields.Integer(required=True)
    due_30 = fields.Integer(required=True, data_key="due-30")
    due_90 = fields.Integer(required=True, data_key="due-90")
    ok = fields.Integer(required=True)
    no_date = fields.Integer(required=True, data_key="no-date")


class RetentionReportSchema(Schema):
    date = fields.Date(required=True, metadata={"description": "The day the report is about"})
    counts = fields.Nested(
        RetentionCountsSchema,
        required=True,
        metadata={"description": "Kept recordings per retention state, all pages together"},
    )
    recordings = fields.List(fields.Nested(RetentionRowSchema), required=True)
    next = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as ?after= for the next page; null on the last page"},
    )


class RetentionQuerySchema(Schema):
    state = fields.String(
        validate=validate.OneOf(RETENTION_STATES),
        metadata={"description": "Only recordings in this retention state"},
    )
    after = row_id(
        strict=False,
        metadata={"description": "Recordings after this recording id (from `next`)"},
    )
    limit = fields.Integer(
        strict=False,
        load_default=REPORT_PAGE,
        validate=validate.Range(min=1, max=REPORT_PAGE_MAX),
        metadata={"description": "Recordings per page, by recording id"},
    )


class VerificationSchema(Schema):
    verified_at = fields.DateTime(required=True)
    entries_checked = fields.Integer(required=True)
    intact = fields.Boolean(required=True)
    first_broken_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The first entry that fails"}
    )
    reason = fields.String(required=True, allow_none=True)


class AuditStatusSchema(Schema):
    entries = fields.Integer(required=True, metadata={"description": "Entries in the chain now"})
    last_verification = fields.Nested(VerificationSchema, required=True, allow_none=True)
