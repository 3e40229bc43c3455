"""Properties of evaluate_json over random valid facts (hypothesis).

The reference model at the bottom restates the contract and the project's decisions
independently of the implementation; it is compared with the real verdict on every example.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_consent.domain import evaluate_json
from clinic_consent.domain.schema import VERDICT_SCHEMA
from tests.domain.factories import ABSENT, Facts, Verdict, pairs

VALIDATOR = jsonschema.Draft202012Validator(VERDICT_SCHEMA)
SETTINGS = settings(max_examples=200, deadline=None)

STATUSES = ("forbidden", "incomplete", "refused", "consent_required", "cleared", "not_required")
RULE_IDS = tuple(f"R{n}" for n in range(1, 11))
ROLES = ("client", "staff", "other")
CLINICIAN_PURPOSES = ("treatment", "training", "supervision", "research")
DECISIONS = ("granted", "refused", "withdrawn")
REP_POOL = ("r0", "r1", "r2", "r3")
RANK = {status: rank for rank, status in enumerate(STATUSES[:5])}  # higher is better


# ---------------------------------------------------------------- strategies


@st.composite
def birth_dates(draw: st.DrawFn, session_date: date) -> str | None:
    if draw(st.integers(0, 4)) == 0:
        return None
    years = draw(st.integers(0, 90))
    if draw(st.booleans()):  # near a birthday, to hit the age bands' edges
        month, day = draw(st.sampled_from([(session_date.month, session_date.day), (2, 29)]))
        year = session_date.year - years
        try:
            born = date(year, month, day)
        except ValueError:
            born = date(year, 2, 28)
        born += timedelta(days=draw(st.integers(-1, 1)))
    else:
        born = session_date - timedelta(days=draw(st.integers(0, years * 366 + 365)))
    return min(born, session_date).isoformat()


def _maybe(d: dict[str, Any], key: str, value: Any) -> None:
    if value is not ABSENT:
        d[key] = value


@st.composite
def participant(
    draw: st.DrawFn, pid: str, role: str, session_date: date, rep_candidates: list[str]
) -> dict[str, Any]:
    p: dict[str, Any] = {"id": pid, "role": role}
    _maybe(p, "birth_date", draw(birth_dates(session_date)) or ABSENT)
    _maybe(p, "has_capacity", draw(st.sampled_from([ABSENT, ABSENT, True, False])))
    reps = draw(st.lists(st.sampled_from(rep_candidates), max_size=3, unique=True))
    if reps or draw(st.booleans()):
        p["representatives"] = []
        for rid in reps:
            r: dict[str, Any] = {"id": rid}
            _maybe(r, "name", draw(st.sampled_from([ABSENT, "A. Jansen"])))
            _maybe(r, "relation", draw(st.sampled_from([ABSENT, "parent", "guardian"])))
            p["representatives"].append(r)
    return p


@st.composite
def valid_facts(draw: st.DrawFn) -> Facts:
    session_date = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
    n = draw(st.integers(1, 8))
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=n, max_size=n))
    made_by = draw(st.sampled_from(["client", "clinician"]))
    fitting = "client" if made_by == "client" else "staff"
    if fitting not in roles:
        roles[draw(st.integers(0, n - 1))] = fitting
    ids = [f"p{i}" for i in range(n)]
    recorder = draw(st.sampled_from([i for i, r in zip(ids, roles, strict=True) if r == fitting]))
    kind = "group" if roles.count("client") > 1 else draw(st.sampled_from(["individual", "group"]))
    participants = [
        draw(
            participant(
                pid,
                role,
                session_date,
                # a representative may be another participant, the recorder included
                [*REP_POOL, *(i for i in ids if i != pid)],
            )
        )
        for pid, role in zip(ids, roles, strict=True)
    ]
    recording: dict[str, Any] = {
        "made_by": made_by,
        "recorder": recorder,
        "medium": draw(st.sampled_from(["audio", "video"])),
        "covert": draw(st.booleans()),
        "public": draw(st.booleans()),
        "scope": draw(st.sampled_from(["whole", "partial"])),
    }
    purposes = ["private"] if made_by == "client" else list(CLINICIAN_PURPOSES)
    _maybe(recording, "purpose", draw(st.sampled_from([ABSENT, None, *purposes])))
    _maybe(
        recording,
        "access_list",
        draw(st.sampled_from([ABSENT, None, [], ["s-archive"], ["p0", "supervisor"]])),
    )
    retention = draw(st.sampled_from([ABSENT, None, "2030-12-31", session_date.isoformat()]))
    _maybe(recording, "retention_until", retention)
    facts: Facts = {
        "session": {"kind": kind, "date": session_date.isoformat()},
        "recording": recording,
        "participants": participants,
    }
    parties = sorted({*ids, *(r["id"] for p in participants for r in p.get("representatives", []))})
    consents = draw(
        st.lists(
            st.fixed_dictionaries(
                {"party": st.sampled_from(parties), "decision": st.sampled_from(DECISIONS)}
            ),
            max_size=10,
        )
    )
    if consents or draw(st.booleans()):
        facts["consents"] = consents
    return facts


# ---------------------------------------------------------------- reference model


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _last_decisions(facts: Facts) -> dict[str, str]:
    return {c["party"]: c["decision"] for c in facts.get("consents") or []}


def reference(facts: Facts) -> Verdict:
    """The verdict per the contract and the decisions, without advice."""
    rec = facts["recording"]
    recorder = rec["recorder"]
    by_client = rec["made_by"] == "client"
    is_group = facts["session"]["kind"] == "group"
    video = rec["medium"] == "video"
    public = rec["public"]
    if by_client and not video and not is_group and not public:
        return {
            "status": "not_required",
            "required": [],
            "missing": [],
            "pending": [],
            "rules": ["R1"],
        }

    required: list[tuple[str, str, str]] = []
    missing: list[str] = []
    # The rule that makes each participant's consent necessary shapes the verdict even when
    # representatives give it (R6 then says who gives it).
    rules: set[str] = set()
    session_date = date.fromisoformat(facts["session"]["date"])
    for p in facts["participants"]:
        pid, role = p["id"], p["role"]
        if pid == recorder:
            continue
        numbers = []
        if by_client and is_group and role == "client":
            numbers.append(2)
        if video:
            numbers.append(3)
        if not by_client and role != "staff":
            numbers.append(4)
        if public:
            numbers.append(5)
        if not numbers:
            continue
        rules.add(f"R{min(numbers)}")
        themselves, represented = True, False
        if role != "staff":
            born = p.get("birth_date")
            age = _age(date.fromisoformat(born), session_date) if born else None
            if p.get("has_capacity", True) is False or (age is not None and age < 12):
                themselves, represented = False, True
            elif age is not None and age < 16:
                represented = True
        if themselves:
            required.append((pid, pid, f"R{min(numbers)}"))
        if represented:
            reps = p.get("representatives") or []
            if not reps:
                missing.append(f"representatives:{pid}")
            # The recorder never consents; as a registered representative they still count as
            # registered (not missing). Not among the project's decisions: the implementation's.
            required.extend((r["id"], pid, "R6") for r in reps if r["id"] != recorder)

    if not by_client:
        if not rec.get("purpose"):
            missing.append("purpose")
        if not rec.get("access_list"):
            missing.append("access_list")
        if not rec.get("retention_until"):
            missing.append("retention_until")

    last = _last_decisions(facts)
    parties = list(dict.fromkeys(party for party, _, _ in required))
    pending = [party for party in parties if last.get(party) != "granted"]
    if rec["covert"]:
        status = "forbidden"
    elif missing:
        status = "incomplete"
    elif any(last.get(party) in ("refused", "withdrawn") for party in parties):
        status = "refused"
    elif pending:
        status = "consent_required"
    else:
        status = "cleared"

    rules |= {rule for _, _, rule in required}
    if any(not m.startswith("representatives:") for m in missing):
        rules.add("R4")
    if any(m.startswith("representatives:") for m in missing):
        rules.add("R6")
    if status == "forbidden":
        rules.add("R1")
    if status == "refused":
        rules.add("R7")
    return {
        "status": status,
        "required": required,
        "missing": missing,
        "pending": pending,
        "rules": sorted(rules, key=lambda r: int(r[1:])),
    }


# ---------------------------------------------------------------- structural assertions


def assert_well_formed(facts: Facts, verdict: Verdict) -> None:
    VALIDATOR.validate(verdict)
    json.loads(json.dumps(verdict))  # JSON-ready
    assert set(verdict) == {"status", "required", "missing", "pending", "rules", "advice"}
    assert verdict["status"] in STATUSES

    participants = {p["id"]: p for p in facts["participants"]}
    seen: set[tuple[str, str]] = set()
    for entry in verdict["required"]:
        assert set(entry) == {"party", "for", "rule"}
        assert entry["rule"] in RULE_IDS
        key = (entry["party"], entry["for"])
        assert key not in seen, f"duplicate pair {key}"
        seen.add(key)
        subject = participants[entry["for"]]
        if entry["rule"] == "R6":
            assert subject["role"] != "staff"
            assert entry["party"] in {r["id"] for r in subject.get("representatives", [])}
        else:
            assert entry["party"] == entry["for"]

    required_parties = list(dict.fromkeys(e["party"] for e in verdict["required"]))
    assert len(set(verdict["pending"])) == len(verdict["pending"])
    assert set(verdict["pending"]) <= set(required_parties)
    assert verdict["pending"] == [p for p in required_parties if p in verdict["pending"]]

    rules = verdict["rules"]
    assert all(r in RULE_IDS for r in rules)
    assert len(set(rules)) == len(rules)
    assert rules == sorted(rules, key=lambda r: int(r[1:]))
    assert {e["rule"] for e in verdict["required"]} <= set(rules)

    for item in verdict["missing"]:
        if item.startswith("representatives:"):
            assert item.removeprefix("representatives:") in participants
        else:
            assert item in ("purpose", "access_list", "retention_until")
    assert len(set(verdict["missing"])) == len(verdict["missing"])

    assert all(isinstance(a, str) and a for a in verdict["advice"])
    status = verdict["status"]
    if status == "not_required":
        assert verdict["required"] == verdict["missing"] == verdict["pending"] == []
        assert rules == ["R1"]
        assert len(verdict["advice"]) == 1
        assert "R1" in verdict["advice"][0]
    if status == "cleared":
        assert verdict["pending"] == verdict["missing"] == []
    if status == "consent_required":
        assert verdict["pending"]
    if verdict["missing"]:
        assert status in ("forbidden", "incomplete")


def assert_matches_reference(facts: Facts, verdict: Verdict) -> None:
    expected = reference(facts)
    assert pairs(verdict) == expected["required"]
    assert sorted(verdict["missing"]) == sorted(expected["missing"])
    assert verdict["pending"] == expected["pending"]
    assert verdict["status"] == expected["status"]
    assert verdict["rules"] == expected["rules"]


# ---------------------------------------------------------------- the properties


@SETTINGS
@given(valid_facts())
def test_recorder_is_never_required_nor_pending(facts: Facts) -> None:
    verdict = evaluate_json(facts)
    recorder = facts["recording"]["recorder"]
    for entry in verdict["required"]:
        assert recorder not in (entry["party"], entry["for"])
    assert recorder not in verdict["pending"]


@SETTINGS
@given(valid_facts(), st.data())
def test_granting_a_pending_consent_never_makes_the_verdict_worse(
    facts: Facts, data: st.DataObject
) -> None:
    before = evaluate_json(facts)
    if not before["pending"]:
        return
    party = data.draw(st.sampled_from(before["pending"]))
    after_facts = copy.deepcopy(facts)
    after_facts.setdefault("consents", []).append({"party": party, "decision": "granted"})
    after = evaluate_json(after_facts)
    assert party not in after["pending"]
    if before["status"] == "not_required":
        assert after["status"] == "not_required"
    else:
        assert RANK[after["status"]] >= RANK[before["status"]]
    assert after["required"] == before["required"]


@SETTINGS
@given(valid_facts(), st.data())
def test_adding_a_participant_never_removes_a_requirement(
    facts: Facts, data: st.DataObject
) -> None:
    before = evaluate_json(facts)
    session_date = date.fromisoformat(facts["session"]["date"])
    individual = facts["session"]["kind"] == "individual"
    role = data.draw(st.sampled_from(("staff", "other") if individual else ROLES))
    newcomer = data.draw(participant("newcomer", role, session_date, list(REP_POOL)))
    grown = copy.deepcopy(facts)
    position = data.draw(st.integers(0, len(grown["participants"])))
    grown["participants"].insert(position, newcomer)
    after = evaluate_json(grown)
    kept = {(e["party"], e["for"]) for e in after["required"]}
    assert {(e["party"], e["for"]) for e in before["required"]} <= kept


@SETTINGS
@given(valid_facts())
def test_verdict_is_well_formed(facts: Facts) -> None:
    assert_well_formed(facts, evaluate_json(facts))


@SETTINGS
@given(valid_facts())
def test_verdict_follows_the_reference_model(facts: Facts) -> None:
    assert_matches_reference(facts, evaluate_json(facts))


@SETTINGS
@given(valid_facts())
def test_evaluation_is_deterministic_and_leaves_its_input_alone(facts: Facts) -> None:
    original = copy.deepcopy(facts)
    first = evaluate_json(facts)
    assert facts == original
    second = evaluate_json(facts)
    assert first == second
    assert evaluate_json(copy.deepcopy(original)) == first
