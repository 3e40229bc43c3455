"""The rule set R1–R10 of the domain contract, as a pure function of the facts.

``evaluate`` first lists who must consent (R2–R5), then who gives each consent (R6), then
reads the registered decisions (R7), and finally picks the status by the contract's precedence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from clinic_consent.domain import vocabulary as v
from clinic_consent.domain.facts import Facts, Participant
from clinic_consent.domain.verdict import RequiredConsent, Verdict, rule_number

ADVICE_R1 = (
    "No consent is needed; discuss the motive with the client and agree that the recording "
    "stays private (R1)."
)
ADVICE_R9 = (
    "If the client publishes the recording anyway, first ask for its removal; if that is "
    "refused the clinician may go to the civil court; publication alone does not end the "
    "treatment agreement (R9)."
)
ADVICE_R10 = (
    "Covert recording in a group is not allowed; make recording and confidentiality "
    "agreements with all members at the start of the group (R10)."
)


def evaluate(facts: Facts) -> Verdict:
    if _r1_applies(facts):
        return Verdict("not_required", (), (), (), ("R1",), (ADVICE_R1,))

    own_rules = _own_consent_rules(facts)
    required, missing_representatives = _assign_parties(facts, own_rules)
    missing = _missing_r4_facts(facts) + missing_representatives
    last_decision = _last_decisions(facts)
    pending = _distinct(r.party for r in required if last_decision.get(r.party) != "granted")
    refused = any(last_decision.get(r.party) in ("refused", "withdrawn") for r in required)

    if facts.recording.covert:
        status = "forbidden"
    elif missing:
        status = "incomplete"
    elif refused:
        status = "refused"
    elif pending:
        status = "consent_required"
    else:
        status = "cleared"

    # The rule that needs a participant's consent shapes the verdict even when their
    # representatives give it (R6 then names who gives it).
    rules = set(own_rules.values()) | {r.rule for r in required}
    if any(m in ("purpose", "access_list", "retention_until") for m in missing):
        rules.add("R4")
    if missing_representatives:
        rules.add("R6")
    if status == "forbidden":
        rules.add("R1")
    if status == "refused":
        rules.add("R7")
    return Verdict(
        status=status,
        required=tuple(required),
        missing=tuple(missing),
        pending=pending,
        rules=tuple(sorted(rules, key=rule_number)),
        advice=_advice(facts, status),
    )


def _r1_applies(facts: Facts) -> bool:
    """A client's private audio recording of their own individual session (covert or not)."""
    rec = facts.recording
    return (
        rec.made_by == "client"
        and rec.medium == "audio"
        and facts.session_kind == "individual"
        and not rec.public
    )


def _own_consent_rules(facts: Facts) -> dict[str, str]:
    """Participant id -> the lowest-numbered rule that needs that participant's consent."""
    rec = facts.recording
    found: dict[str, list[int]] = {}
    for p in facts.participants:
        if p.id == rec.recorder:
            continue
        rules = found.setdefault(p.id, [])
        if facts.session_kind == "group" and rec.made_by == "client" and p.role == "client":
            rules.append(2)
        if rec.medium == "video":
            rules.append(3)
        if rec.made_by == "clinician" and p.role != "staff":
            rules.append(4)
        if rec.public:
            rules.append(5)
    return {pid: f"R{min(numbers)}" for pid, numbers in found.items() if numbers}


def _assign_parties(
    facts: Facts, own_rules: dict[str, str]
) -> tuple[list[RequiredConsent], list[str]]:
    """R6: who gives each required consent, and whose representatives are missing."""
    required: list[RequiredConsent] = []
    missing: list[str] = []
    for p in facts.participants:
        rule = own_rules.get(p.id)
        if rule is None:
            continue
        consents_self, represented = _representation(p, facts.session_date)
        if consents_self:
            required.append(RequiredConsent(p.id, p.id, rule))
        if represented:
            if not p.representatives:
                missing.append(f"representatives:{p.id}")
            # A representative who makes the recording needs no consent from themselves.
            required.extend(
                RequiredConsent(r.id, p.id, "R6")
                for r in p.representatives
                if r.id != facts.recording.recorder
            )
    return required, missing


def _representation(p: Participant, on: date) -> tuple[bool, bool]:
    """(does the participant consent themselves, do their representatives consent)."""
    if p.role == "staff":
        return True, False
    if not p.has_capacity:
        return False, True
    if p.birth_date is None:
        return True, False
    age = age_on(p.birth_date, on)
    if age < v.REPRESENTED_ONLY_BELOW_AGE:
        return False, True
    return True, age < v.REPRESENTED_TOO_BELOW_AGE


def age_on(birth_date: date, on: date) -> int:
    """Whole years on a date; the birthday itself counts (29 February: from 1 March)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def _missing_r4_facts(facts: Facts) -> list[str]:
    rec = facts.recording
    if rec.made_by != "clinician":
        return []
    missing = []
    if rec.purpose is None:
        missing.append("purpose")
    if not rec.access_list:
        missing.append("access_list")
    if rec.retention_until is None:
        missing.append("retention_until")
    return missing


def _last_decisions(facts: Facts) -> dict[str, str]:
    """Party -> their last registered decision (later entries overwrite earlier ones)."""
    return {c.party: c.decision for c in facts.consents}


def _advice(facts: Facts, status: str) -> tuple[str, ...]:
    advice = []
    if status == "forbidden" and facts.session_kind == "group":
        advice.append(ADVICE_R10)
    if status == "refused" and facts.recording.made_by == "client" and facts.recording.public:
        advice.append(ADVICE_R9)
    return tuple(advice)


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
