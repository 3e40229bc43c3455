"""The rule set of the domain contract: pure functions over plain data.

No Flask and no SQLAlchemy here, so that the CLI, the web pages and the API share one
implementation and it is tested exhaustively without a database.
"""

from typing import Any

from clinic_consent.domain.facts import (
    ConsentEntry,
    Facts,
    FactsError,
    Participant,
    Recording,
    Representative,
    parse_facts,
)
from clinic_consent.domain.rules import age_on, evaluate
from clinic_consent.domain.verdict import RequiredConsent, Verdict


def evaluate_json(data: object) -> dict[str, Any]:
    """The contract's facts JSON (decoded) in, the verdict JSON (as a dict) out."""
    return evaluate(parse_facts(data)).to_json()


__all__ = [
    "ConsentEntry",
    "Facts",
    "FactsError",
    "Participant",
    "Recording",
    "Representative",
    "RequiredConsent",
    "Verdict",
    "age_on",
    "evaluate",
    "evaluate_json",
    "parse_facts",
]
