"""Rules R1-R5, R7, R10 and the verdict statuses and their precedence, from the contract."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from clinic_consent.domain import evaluate_json
from clinic_consent.domain.schema import VERDICT_SCHEMA
from tests.domain.factories import (
    ABSENT,
    CONTRACT_VERDICT,
    Facts,
    Pair,
    by_clinician,
    client,
    consent,
    contract_facts,
    facts,
    granted,
    group,
    other,
    own,
    pairs,
    staff,
    with_consents,
)

VALIDATOR = jsonschema.Draft202012Validator(VERDICT_SCHEMA)


def evaluate(f: Facts) -> dict[str, Any]:
    verdict = evaluate_json(f)
    VALIDATOR.validate(verdict)
    return verdict


def has_advice_citing(verdict: dict[str, Any], rule: str) -> bool:
    return any(rule in text for text in verdict["advice"])


# ---------------------------------------------------------------- the contract's own example


def test_contract_example_gives_the_contract_verdict() -> None:
    assert evaluate(contract_facts()) == CONTRACT_VERDICT


def test_verdict_schema_is_not_vacuous() -> None:
    assert VALIDATOR.is_valid(CONTRACT_VERDICT)
    for broken in (
        {**CONTRACT_VERDICT, "status": "maybe"},
        {k: v for k, v in CONTRACT_VERDICT.items() if k != "pending"},
        {**CONTRACT_VERDICT, "required": [{"party": "p2", "for": "p2"}]},
        {**CONTRACT_VERDICT, "rules": ["R11"]},
    ):
        assert not VALIDATOR.is_valid(broken)


# ---------------------------------------------------------------- who must consent, by rule

# (facts, required pairs in order, rules, status) -- no consents registered.
RULE_TABLE: list[Any] = [
    pytest.param(
        facts(client("p1"), staff("s1"), other("o1")),
        [],
        ["R1"],
        "not_required",
        id="R1-client-audio-of-own-individual-session-needs-nobody",
    ),
    pytest.param(
        facts(client("p1")),
        [],
        ["R1"],
        "not_required",
        id="R1-client-alone-in-the-participant-list",
    ),
    pytest.param(
        facts(client("p1"), staff("s1"), scope="partial"),
        [],
        ["R1"],
        "not_required",
        id="R1-partial-scope",
    ),
    pytest.param(
        group(client("p1"), client("p2"), client("p3"), staff("s1"), other("o1")),
        [own("p2", "R2"), own("p3", "R2")],
        ["R2"],
        "consent_required",
        id="R2-group-recording-needs-every-other-client-only",
    ),
    pytest.param(
        group(client("p1"), client("p2"), client("p3"), staff("s1"), scope="partial"),
        [own("p2", "R2"), own("p3", "R2")],
        ["R2"],
        "consent_required",
        id="R2-partial-scope-same-parties",
    ),
    pytest.param(
        group(client("p1"), staff("s1"), other("o1")),
        [],
        [],
        "cleared",
        id="R2-group-audio-without-other-clients-is-cleared",
    ),
    pytest.param(
        group(staff("s1"), client("p2"), client("p1"), other("o1"), medium="video"),
        [own("s1", "R3"), own("p2", "R2"), own("o1", "R3")],
        ["R2", "R3"],
        "consent_required",
        id="R2-group-client-video-clients-R2-others-R3",
    ),
    pytest.param(
        facts(client("p1"), staff("s1"), other("o1"), medium="video"),
        [own("s1", "R3"), own("o1", "R3")],
        ["R3"],
        "consent_required",
        id="R3-client-video-needs-everyone-but-the-recorder",
    ),
    pytest.param(
        by_clinician(staff("s1"), client("p1"), other("o1"), staff("s2"), medium="video"),
        [own("p1", "R3"), own("o1", "R3"), own("s2", "R3")],
        ["R3"],
        "consent_required",
        id="R3-clinician-video-needs-staff-too",
    ),
    pytest.param(
        by_clinician(staff("s1"), client("p1"), other("o1"), staff("s2")),
        [own("p1", "R4"), own("o1", "R4")],
        ["R4"],
        "consent_required",
        id="R4-clinician-audio-needs-every-non-staff",
    ),
    pytest.param(
        by_clinician(client("p1"), staff("s1"), client("p2"), staff("s2"), kind="group"),
        [own("p1", "R4"), own("p2", "R4")],
        ["R4"],
        "consent_required",
        id="R4-clinician-audio-in-a-group",
    ),
    pytest.param(
        by_clinician(staff("s1"), staff("s2"), purpose="research"),
        [],
        [],
        "cleared",
        id="R4-clinician-recording-with-only-staff-is-cleared",
    ),
    pytest.param(
        facts(client("p1"), staff("s1"), other("o1"), public=True),
        [own("s1", "R5"), own("o1", "R5")],
        ["R5"],
        "consent_required",
        id="R5-public-client-audio-needs-the-clinician",
    ),
    pytest.param(
        group(client("p1"), client("p2"), staff("s1"), other("o1"), public=True),
        [own("p2", "R2"), own("s1", "R5"), own("o1", "R5")],
        ["R2", "R5"],
        "consent_required",
        id="R5-public-client-audio-in-a-group",
    ),
    pytest.param(
        facts(client("p1"), staff("s1"), medium="video", public=True),
        [own("s1", "R3")],
        ["R3"],
        "consent_required",
        id="R5-public-client-video-cites-R3",
    ),
    pytest.param(
        group(client("p1"), client("p2"), staff("s1"), medium="video", public=True),
        [own("p2", "R2"), own("s1", "R3")],
        ["R2", "R3"],
        "consent_required",
        id="R5-public-client-video-in-a-group",
    ),
    pytest.param(
        by_clinician(staff("s1"), client("p1"), staff("s2"), public=True),
        [own("p1", "R4"), own("s2", "R5")],
        ["R4", "R5"],
        "consent_required",
        id="R5-public-clinician-audio-needs-other-staff",
    ),
    pytest.param(
        by_clinician(staff("s1"), client("p1"), staff("s2"), medium="video", public=True),
        [own("p1", "R3"), own("s2", "R3")],
        ["R3"],
        "consent_required",
        id="R5-public-clinician-video-cites-R3",
    ),
]


@pytest.mark.parametrize(("f", "required", "rules", "status"), RULE_TABLE)
def test_who_must_consent(f: Facts, required: list[Pair], rules: list[str], status: str) -> None:
    verdict = evaluate(f)
    assert pairs(verdict) == required
    assert verdict["rules"] == rules
    assert verdict["status"] == status
    assert verdict["missing"] == []
    assert verdict["pending"] == [party for party, _for, _rule in required]


@pytest.mark.parametrize(("f", "required", "rules", "status"), RULE_TABLE)
def test_every_required_party_granting_clears(
    f: Facts, required: list[Pair], rules: list[str], status: str
) -> None:
    verdict = evaluate(with_consents(f, *granted(*(party for party, _, _ in required))))
    assert verdict["status"] == ("not_required" if status == "not_required" else "cleared")
    assert verdict["pending"] == []
    assert pairs(verdict) == required
    assert verdict["rules"] == rules
    if status == "not_required":
        assert len(verdict["advice"]) == 1
    else:
        assert verdict["advice"] == []


def test_consents_granted_by_others_than_required_do_not_clear() -> None:
    f = group(client("p1"), client("p2"), staff("s1"), consents=granted("p1", "s1"))
    verdict = evaluate(f)
    assert verdict["status"] == "consent_required"
    assert verdict["pending"] == ["p2"]


# ---------------------------------------------------------------- R1


def test_not_required_advice_cites_r1() -> None:
    verdict = evaluate(facts(client("p1"), staff("s1")))
    assert len(verdict["advice"]) == 1
    assert "R1" in verdict["advice"][0]


def test_covert_audio_of_own_individual_session_is_still_not_required() -> None:
    verdict = evaluate(facts(client("p1"), staff("s1"), other("o1"), covert=True))
    assert verdict["status"] == "not_required"
    assert (verdict["required"], verdict["missing"], verdict["pending"]) == ([], [], [])
    assert verdict["rules"] == ["R1"]
    assert has_advice_citing(verdict, "R1")


@pytest.mark.parametrize(
    "consents",
    [
        [consent("s1", "refused")],
        [consent("s1", "withdrawn"), consent("o1", "refused")],
        [*granted("s1", "o1", "p1"), consent("s1", "withdrawn")],
        granted("s1"),
    ],
)
def test_not_required_recording_stays_not_required_whatever_consents(
    consents: list[dict[str, str]],
) -> None:
    verdict = evaluate(facts(client("p1"), staff("s1"), other("o1"), consents=consents))
    assert verdict["status"] == "not_required"
    assert (verdict["required"], verdict["missing"], verdict["pending"]) == ([], [], [])
    assert verdict["rules"] == ["R1"]
    assert len(verdict["advice"]) == 1
    assert "R1" in verdict["advice"][0]


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(group(client("p1"), staff("s1")), id="group"),
        pytest.param(facts(client("p1"), staff("s1"), medium="video"), id="video"),
        pytest.param(facts(client("p1"), staff("s1"), public=True), id="public"),
        pytest.param(by_clinician(staff("s1"), client("p1")), id="by-clinician"),
    ],
)
def test_r1_needs_client_audio_individual_private(f: Facts) -> None:
    verdict = evaluate(f)
    assert verdict["status"] != "not_required"
    assert "R1" not in verdict["rules"]
    assert not has_advice_citing(verdict, "R1")


# ---------------------------------------------------------------- R4: purpose, access, retention

R4_FIELDS = ["purpose", "access_list", "retention_until"]


@pytest.mark.parametrize("missing_value", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize("field", R4_FIELDS)
def test_clinician_recording_without_r4_statement_is_incomplete(
    field: str, missing_value: Any
) -> None:
    f = by_clinician(staff("s1"), client("p1"), **{field: missing_value})
    verdict = evaluate(f)
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == [field]
    assert pairs(verdict) == [own("p1", "R4")]
    assert verdict["pending"] == ["p1"]
    assert verdict["rules"] == ["R4"]


def test_clinician_recording_with_empty_access_list_is_incomplete() -> None:
    verdict = evaluate(by_clinician(staff("s1"), client("p1"), access_list=[]))
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == ["access_list"]


def test_clinician_recording_missing_everything_lists_all_three() -> None:
    f = by_clinician(
        staff("s1"), client("p1"), purpose=ABSENT, access_list=ABSENT, retention_until=ABSENT
    )
    verdict = evaluate(f)
    assert verdict["status"] == "incomplete"
    assert sorted(verdict["missing"]) == sorted(R4_FIELDS)


def test_incomplete_stays_incomplete_when_everyone_granted() -> None:
    f = by_clinician(staff("s1"), client("p1"), purpose=None, consents=granted("p1"))
    verdict = evaluate(f)
    assert verdict["status"] == "incomplete"
    assert verdict["pending"] == []


def test_clinician_video_without_retention_cites_r3_and_r4() -> None:
    f = by_clinician(staff("s1"), client("p1"), medium="video", retention_until=None)
    verdict = evaluate(f)
    assert verdict["status"] == "incomplete"
    assert pairs(verdict) == [own("p1", "R3")]
    assert verdict["rules"] == ["R3", "R4"]


def test_only_staff_clinician_recording_without_purpose_is_incomplete() -> None:
    verdict = evaluate(by_clinician(staff("s1"), staff("s2"), purpose=None))
    assert verdict["status"] == "incomplete"
    assert verdict["required"] == []
    assert verdict["missing"] == ["purpose"]
    assert verdict["rules"] == ["R4"]


@pytest.mark.parametrize("purpose", [ABSENT, None, "private"])
def test_client_recording_needs_no_purpose_access_list_or_retention(purpose: Any) -> None:
    f = group(client("p1"), client("p2"), purpose=purpose, access_list=None)
    verdict = evaluate(f)
    assert verdict["missing"] == []
    assert verdict["status"] == "consent_required"


@pytest.mark.parametrize("purpose", ["treatment", "training", "supervision", "research"])
def test_every_clinician_purpose_is_accepted(purpose: str) -> None:
    verdict = evaluate(by_clinician(staff("s1"), client("p1"), purpose=purpose))
    assert verdict["status"] == "consent_required"
    assert verdict["missing"] == []


# ---------------------------------------------------------------- covert: forbidden, R10

FORBIDDEN_TABLE: list[Any] = [
    pytest.param(
        facts(client("p1"), staff("s1"), medium="video", covert=True),
        [own("s1", "R3")],
        ["R1", "R3"],
        id="covert-client-video",
    ),
    pytest.param(
        by_clinician(staff("s1"), client("p1"), covert=True),
        [own("p1", "R4")],
        ["R1", "R4"],
        id="covert-clinician-audio",
    ),
    pytest.param(
        by_clinician(
            staff("s1"), client("p1"), client("p2"), kind="group", medium="video", covert=True
        ),
        [own("p1", "R3"), own("p2", "R3")],
        ["R1", "R3"],
        id="covert-clinician-video-in-a-group",
    ),
    pytest.param(
        group(client("p1"), client("p2"), staff("s1"), covert=True),
        [own("p2", "R2")],
        ["R1", "R2"],
        id="covert-client-audio-in-a-group",
    ),
    pytest.param(
        facts(client("p1"), staff("s1"), covert=True, public=True),
        [own("s1", "R5")],
        ["R1", "R5"],
        id="covert-and-public",
    ),
]


@pytest.mark.parametrize(("f", "required", "rules"), FORBIDDEN_TABLE)
def test_covert_recording_outside_r1_is_forbidden(
    f: Facts, required: list[Pair], rules: list[str]
) -> None:
    verdict = evaluate(f)
    assert verdict["status"] == "forbidden"
    assert pairs(verdict) == required
    assert verdict["pending"] == [party for party, _, _ in required]
    assert verdict["missing"] == []
    assert verdict["rules"] == rules


@pytest.mark.parametrize(("f", "required", "rules"), FORBIDDEN_TABLE)
def test_forbidden_whatever_consents_are_granted(
    f: Facts, required: list[Pair], rules: list[str]
) -> None:
    verdict = evaluate(with_consents(f, *granted(*(party for party, _, _ in required))))
    assert verdict["status"] == "forbidden"
    assert verdict["pending"] == []
    assert verdict["rules"] == rules


def test_covert_recording_in_a_group_gets_r10_advice() -> None:
    verdict = evaluate(group(client("p1"), client("p2"), staff("s1"), covert=True))
    assert has_advice_citing(verdict, "R10")


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(group(client("p1"), client("p2"), staff("s1")), id="open-group-audio"),
        pytest.param(facts(client("p1"), staff("s1"), medium="video"), id="open-video"),
        pytest.param(
            facts(client("p1"), staff("s1"), medium="video", covert=True), id="covert-individual"
        ),
        pytest.param(facts(client("p1"), staff("s1"), public=True), id="public-pending"),
    ],
)
def test_no_advice_outside_r1_r9_r10(f: Facts) -> None:
    assert evaluate(f)["advice"] == []


# ---------------------------------------------------------------- R7 refusal and R9 advice


def test_refused_public_client_recording_gets_r9_advice() -> None:
    f = facts(client("p1"), staff("s1"), public=True, consents=[consent("s1", "refused")])
    verdict = evaluate(f)
    assert verdict["status"] == "refused"
    assert verdict["rules"] == ["R5", "R7"]
    assert has_advice_citing(verdict, "R9")


def test_refused_private_group_recording_has_no_advice() -> None:
    f = group(client("p1"), client("p2"), consents=[consent("p2", "refused")])
    verdict = evaluate(f)
    assert verdict["status"] == "refused"
    assert verdict["rules"] == ["R2", "R7"]
    assert verdict["advice"] == []


def test_refused_public_clinician_recording_has_no_r9_advice() -> None:
    f = by_clinician(staff("s1"), client("p1"), public=True, consents=[consent("p1", "refused")])
    verdict = evaluate(f)
    assert verdict["status"] == "refused"
    assert not has_advice_citing(verdict, "R9")


# ---------------------------------------------------------------- precedence of the statuses


def test_forbidden_beats_incomplete() -> None:
    f = by_clinician(staff("s1"), client("p1"), covert=True, purpose=None)
    verdict = evaluate(f)
    assert verdict["status"] == "forbidden"
    assert verdict["missing"] == ["purpose"]
    assert verdict["rules"] == ["R1", "R4"]


def test_forbidden_beats_refused() -> None:
    f = facts(
        client("p1"), staff("s1"), medium="video", covert=True, consents=[consent("s1", "refused")]
    )
    verdict = evaluate(f)
    assert verdict["status"] == "forbidden"
    assert verdict["pending"] == ["s1"]
    assert verdict["rules"] == ["R1", "R3"]


def test_incomplete_beats_refused() -> None:
    f = by_clinician(
        staff("s1"),
        client("p1"),
        other("o1"),
        retention_until=None,
        consents=[consent("p1", "refused")],
    )
    verdict = evaluate(f)
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == ["retention_until"]
    assert verdict["pending"] == ["p1", "o1"]
    assert verdict["rules"] == ["R4"]


def test_refused_beats_consent_required() -> None:
    f = group(client("p1"), client("p2"), client("p3"), consents=[consent("p2", "refused")])
    verdict = evaluate(f)
    assert verdict["status"] == "refused"
    assert verdict["pending"] == ["p2", "p3"]
    assert verdict["rules"] == ["R2", "R7"]


def test_consent_required_beats_cleared() -> None:
    f = group(client("p1"), client("p2"), client("p3"), consents=granted("p3"))
    verdict = evaluate(f)
    assert verdict["status"] == "consent_required"
    assert verdict["pending"] == ["p2"]


def test_evaluation_leaves_its_input_alone() -> None:
    f = group(client("p1"), client("p2"), consents=granted("p2"))
    before = copy.deepcopy(f)
    evaluate(f)
    assert f == before
