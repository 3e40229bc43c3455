"""The contract's closed vocabularies. Models, forms and the rule core all use these tuples."""

from typing import Final

SESSION_KINDS: Final = ("individual", "group")
PARTICIPANT_ROLES: Final = ("client", "staff", "other")
MADE_BY: Final = ("client", "clinician")
MEDIA: Final = ("audio", "video")
SCOPES: Final = ("whole", "partial")
CLIENT_PURPOSE: Final = "private"
CLINICIAN_PURPOSES: Final = ("treatment", "training", "supervision", "research")
PURPOSES: Final = (CLIENT_PURPOSE, *CLINICIAN_PURPOSES)
DECISIONS: Final = ("granted", "refused", "withdrawn")
STATUSES: Final = (
    "forbidden",
    "incomplete",
    "refused",
    "consent_required",
    "cleared",
    "not_required",
)  # in order of precedence: the first that applies wins
RULE_IDS: Final = tuple(f"R{n}" for n in range(1, 11))

# R6 age bands, in whole years on the session date.
REPRESENTED_ONLY_BELOW_AGE: Final = 12
REPRESENTED_TOO_BELOW_AGE: Final = 16
