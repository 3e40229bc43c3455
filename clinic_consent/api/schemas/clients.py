"""Clients: what the API shows of them, and what registers one."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from clinic_consent.api.paging import PageQuerySchema
from clinic_consent.clients.models import REPRESENTATIVE_RELATIONS
from clinic_consent.practice.models import LANGUAGES


class RepresentativeSchema(Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, metadata={"description": "The party id in verdicts"})
    name = fields.String(required=True)
    relation = fields.String(required=True, validate=validate.OneOf(REPRESENTATIVE_RELATIONS))
    has_authority = fields.Boolean(required=True)
    ended_at = fields.DateTime(allow_none=True)


class CapacitySchema(Schema):
    has_capacity = fields.Boolean(required=True)
    judged_at = fields.DateTime(required=True)


class ClientSchema(Schema):
    id = fields.Integer(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    external_ref = fields.String(
        allow_none=True, metadata={"description": "The patient id in the health record"}
    )
    erased = fields.Boolean(required=True)
    recording_capacity = fields.Nested(
        CapacitySchema,
        allow_none=True,
        metadata={"description": "The latest judgement; none means capacity is assumed"},
    )
    representatives = fields.List(fields.Nested(RepresentativeSchema), required=True)


class ClientInputSchema(Schema):
    given_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    family_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    birth_date = fields.Date(required=True)
    language = fields.String(load_default="nl", validate=validate.OneOf(LANGUAGES))
    external_ref = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=100)
    )


class ClientQuerySchema(PageQuerySchema):
    external_ref = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Only the client with this health-record id"},
    )
