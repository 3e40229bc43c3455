"""The verdict of the rule set, in the shape of the domain contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinic_consent.domain.vocabulary import STATUSES


@dataclass(frozen=True, order=True)
class RequiredConsent:
    """One consent the recording needs: ``party`` gives it about participant ``for_``."""

    party: str
    for_: str
    rule: str

    def to_json(self) -> dict[str, str]:
        return {"party": self.party, "for": self.for_, "rule": self.rule}


@dataclass(frozen=True)
class Verdict:
    status: str
    required: tuple[RequiredConsent, ...]
    missing: tuple[str, ...]
    pending: tuple[str, ...]
    rules: tuple[str, ...]
    advice: tuple[str, ...]

    @property
    def may_record(self) -> bool:
        return self.status in ("cleared", "not_required")

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "required": [r.to_json() for r in self.required],
            "missing": list(self.missing),
            "pending": list(self.pending),
            "rules": list(self.rules),
            "advice": list(self.advice),
        }


def rank(status: str) -> int:
    """0 for the status that wins precedence (forbidden) up to 5 (not_required)."""
    return STATUSES.index(status)


def rule_number(rule_id: str) -> int:
    return int(rule_id[1:])
