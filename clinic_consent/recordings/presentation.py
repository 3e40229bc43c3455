"""A stored recording's verdict as people read it: names instead of ids, a one-line reason
per required consent in the reader's language, what may happen now, and each party's decision.

Built only from ``verdict_for_recording``; nothing here decides anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from clinic_consent.clients.models import Representative
from clinic_consent.consents.models import Consent
from clinic_consent.domain import Verdict
from clinic_consent.domain.rules import ADVICE_R1, ADVICE_R9, ADVICE_R10
from clinic_consent.domain.terms import ConsentTerms
from clinic_consent.recordings.facts import (
    RecordingFacts,
    consent_party_key,
    current_terms,
    participant_key,
    representative_key,
    still_covers,
    verdict_for_recording,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import SessionParticipant

STATUS_LABELS = {
    "forbidden": _l("May not be recorded"),
    "incomplete": _l("Facts missing"),
    "refused": _l("Refused"),
    "consent_required": _l("Waiting for consent"),
    "cleared": _l("Go"),
    "not_required": _l("Go: no consent needed"),
}
NEXT_STEPS = {
    "forbidden": _l(
        "Do not record. Covertly, only a client's private audio recording of their own "
        "individual session is allowed."
    ),
    "incomplete": _l("Complete the missing facts below before asking for consent."),
    "refused": _l(
        "Do not record. If it was made, destroy it (or the part concerned) and register that."
    ),
    "consent_required": _l("Wait: the consents below must be granted before recording."),
    "cleared": _l("Go ahead: every required consent is granted."),
    "not_required": _l("Go ahead: nobody's consent is needed."),
}
RULE_REASONS = {
    "R2": _l("A client records in a group: every other client consents beforehand."),
    "R3": _l("Video: everyone but the person recording consents beforehand."),
    "R4": _l("A clinician records: every participant who is not staff consents beforehand."),
    "R5": _l("It will be made public: everyone but the person recording consents."),
    "R6": _l("Decides for a child or for someone who lacks capacity for this decision."),
}
MISSING_FACTS = {
    "purpose": _l("the purpose"),
    "access_list": _l("who may see or hear it (the access list)"),
    "retention_until": _l("the destroy-by date"),
}
# The domain's advice is English by contract; each names its rule, by which it is shown here.
ADVICE = {
    "R1": _l(
        "No consent is needed; discuss the motive with the client and agree that the recording "
        "stays private (R1)."
    ),
    "R9": _l(
        "If the client publishes the recording anyway, first ask for its removal; if that is "
        "refused the clinician may go to the civil court; publication alone does not end the "
        "treatment agreement (R9)."
    ),
    "R10": _l(
        "Covert recording in a group is not allowed; make recording and confidentiality "
        "agreements with all members at the start of the group (R10)."
    ),
}
_ADVICE_RULE = re.compile(r"\((R\d+)\)\W*$")  # "... (R1)." names R1
DECISION_LABELS = {
    "granted": _l("Granted"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
    "pending": _l("Not yet asked"),
}


def _advice_rule(advice: str) -> str | None:
    match = _ADVICE_RULE.search(advice)
    return match.group(1) if match else None


assert {_advice_rule(a) for a in (ADVICE_R1, ADVICE_R9, ADVICE_R10)} == set(ADVICE)


def advice_text(advice: str) -> str:
    """The domain's advice in the reader's language (as it is, should a new one lack a text)."""
    text = ADVICE.get(_advice_rule(advice) or "")
    return str(text) if text is not None else advice


def participant_name(participant: SessionParticipant) -> str:
    if participant.client is not None:
        return f"{participant.client.given_name} {participant.client.family_name}"
    if participant.user is not None:
        return participant.user.display_name
    return participant.name or "?"


@dataclass(frozen=True)
class Party:
    """Someone who may have to consent: a participant, or a representative of one."""

    key: str
    name: str
    participant: SessionParticipant | None = None
    representative: Representative | None = None

    @property
    def language(self) -> str:
        """The language the consent screen and form are shown in."""
        if self.participant is not None and self.participant.client is not None:
            return self.participant.client.language
        if self.representative is not None and self.representative.client is not None:
            return self.representative.client.language
        return "nl"


def parties_of(recording: RecordingFacts) -> dict[str, Party]:
    parties: dict[str, Party] = {}
    for p in recording.session.participants:
        parties[participant_key(p)] = Party(participant_key(p), participant_name(p), participant=p)
        stored = p.client.representatives if p.client is not None else p.representatives
        for r in stored:
            parties[representative_key(r)] = Party(representative_key(r), r.name, representative=r)
    return parties


@dataclass(frozen=True)
class RequiredRow:
    party: Party
    for_party: Party
    rule: str
    reason: str
    decision: str  # granted, refused, withdrawn or pending
    consent: Consent | None  # the decision that counts, if any

    @property
    def decision_label(self) -> str:
        return str(DECISION_LABELS[self.decision])

    @property
    def on_behalf(self) -> bool:
        return self.party.key != self.for_party.key


@dataclass(frozen=True)
class StatusChip:
    """A recording's verdict as a list shows it: the status, from the stored verdict that
    recordings.derived keeps (computed afresh only for a row that has none yet)."""

    status: str

    @classmethod
    def of(cls, recording: Recording) -> StatusChip:
        return cls(recording.verdict or verdict_for_recording(recording).status)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class VerdictView:
    verdict: Verdict
    rows: tuple[RequiredRow, ...]
    missing: tuple[str, ...]

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def next_step(self) -> str:
        return str(NEXT_STEPS[self.status])

    @property
    def advice(self) -> list[str]:
        return [advice_text(a) for a in self.verdict.advice]

    @property
    def go(self) -> bool:
        return self.verdict.may_record


def counting_consent(
    recording: RecordingFacts, party_key: str, for_key: str, terms: ConsentTerms
) -> Consent | None:
    """The last decision of ``party_key`` about ``for_key`` that still covers the terms (R7)."""
    found = None
    for consent in recording.consents:  # ordered by decision time
        if (
            consent_party_key(consent) == party_key
            and participant_key(consent.for_participant) == for_key
            and still_covers(consent, terms)
        ):
            found = consent
    return found


def outdated_consent_ids(recording: RecordingFacts) -> set[int]:
    """Consents kept as given but no longer counting, because the terms changed since (R7)."""
    terms = current_terms(recording)
    return {c.id for c in recording.consents if not still_covers(c, terms)}


def _missing_text(item: str, parties: dict[str, Party]) -> str:
    if item.startswith("representatives:"):
        party = parties.get(item.split(":", 1)[1])
        return str(_("the representatives of %(name)s", name=party.name if party else "?"))
    return str(MISSING_FACTS[item])


def verdict_view(recording: RecordingFacts) -> VerdictView:
    verdict = verdict_for_recording(recording)
    parties = parties_of(recording)
    terms = current_terms(recording)
    rows = []
    for required in verdict.required:
        consent = counting_consent(recording, required.party, required.for_, terms)
        rows.append(
            RequiredRow(
                party=parties[required.party],
                for_party=parties[required.for_],
                rule=required.rule,
                reason=str(RULE_REASONS[required.rule]),
                decision=consent.effective_decision if consent is not None else "pending",
                consent=consent,
            )
        )
    missing = tuple(_missing_text(m, parties) for m in verdict.missing)
    return VerdictView(verdict, tuple(rows), missing)
