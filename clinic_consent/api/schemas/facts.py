"""The domain contract's facts and verdict, documented with its own JSON Schemas.

``/evaluate`` is parsed by the rule core's strict parser (the one the command line uses), not by
marshmallow: the contract is the single definition of what is valid.
"""

from __future__ import annotations

from typing import Any, Final

from clinic_consent.domain import vocabulary as v
from clinic_consent.domain.schema import VERDICT_SCHEMA

_DATE: Final = {"type": "string", "format": "date"}
_ID: Final = {"type": "string", "minLength": 1}

FACTS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "The facts of one recording, as in the domain contract.",
    "required": ["session", "recording", "participants"],
    "properties": {
        "session": {
            "type": "object",
            "required": ["kind", "date"],
            "properties": {"kind": {"enum": list(v.SESSION_KINDS)}, "date": _DATE},
        },
        "recording": {
            "type": "object",
            "required": ["made_by", "recorder", "medium", "covert", "public", "scope"],
            "properties": {
                "made_by": {"enum": list(v.MADE_BY)},
                "recorder": _ID,
                "medium": {"enum": list(v.MEDIA)},
                "covert": {"type": "boolean"},
                "public": {"type": "boolean"},
                "purpose": {"enum": [*v.PURPOSES, None]},
                "scope": {"enum": list(v.SCOPES)},
                "access_list": {"type": "array", "items": {"type": "string"}},
                "retention_until": {"oneOf": [_DATE, {"type": "null"}]},
            },
        },
        "participants": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "role"],
                "properties": {
                    "id": _ID,
                    "role": {"enum": list(v.PARTICIPANT_ROLES)},
                    "birth_date": {"oneOf": [_DATE, {"type": "null"}]},
                    "has_capacity": {"type": "boolean"},
                    "representatives": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id"],
                            "properties": {
                                "id": _ID,
                                "name": {"type": ["string", "null"]},
                                "relation": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        },
        "consents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["party", "decision"],
                "properties": {"party": _ID, "decision": {"enum": list(v.DECISIONS)}},
            },
        },
    },
}

VERDICT: Final[dict[str, Any]] = {k: val for k, val in VERDICT_SCHEMA.items() if k != "$schema"}
