"""JSON Schema (draft 2020-12) of the verdict, as the domain contract describes it.

Used by the tests of every verdict producer, and later by the API's OpenAPI document.
"""

from typing import Any, Final

from clinic_consent.domain.vocabulary import RULE_IDS, STATUSES

_RULE: Final = {"enum": list(RULE_IDS)}

VERDICT_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Recording consent verdict",
    "type": "object",
    "additionalProperties": False,
    "required": ["status", "required", "missing", "pending", "rules", "advice"],
    "properties": {
        "status": {"enum": list(STATUSES)},
        "required": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["party", "for", "rule"],
                "properties": {
                    "party": {"type": "string", "minLength": 1},
                    "for": {"type": "string", "minLength": 1},
                    "rule": _RULE,
                },
            },
        },
        "missing": {
            "type": "array",
            "uniqueItems": True,
            "items": {
                "type": "string",
                "pattern": "^(purpose|access_list|retention_until|representatives:.+)$",
            },
        },
        "pending": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "rules": {"type": "array", "uniqueItems": True, "items": _RULE},
        "advice": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}
