"""R7: refusal, withdrawal and re-grant -- the last decision of a party counts."""

from __future__ import annotations

import pytest

from clinic_consent.domain import evaluate_json
from tests.domain.factories import Facts, client, consent, granted, group, other, staff


def two_others() -> Facts:
    """p1 records a group session on audio: p2 and p3 must consent (R2), s1 and o1 need not."""
    return group(client("p1"), client("p2"), client("p3"), staff("s1"), other("o1"))


G, R, W = "granted", "refused", "withdrawn"


@pytest.mark.parametrize(
    ("p2_decisions", "status", "pending"),
    [
        pytest.param([], "consent_required", ["p2"], id="nothing-yet"),
        pytest.param([G], "cleared", [], id="granted"),
        pytest.param([R], "refused", ["p2"], id="refused"),
        pytest.param([W], "refused", ["p2"], id="withdrawn-without-grant"),
        pytest.param([G, W], "refused", ["p2"], id="granted-then-withdrawn"),
        pytest.param([G, W, G], "cleared", [], id="granted-withdrawn-granted-again"),
        pytest.param([G, R], "refused", ["p2"], id="granted-then-refused"),
        pytest.param([R, G], "cleared", [], id="refused-then-granted"),
        pytest.param([G, G], "cleared", [], id="granted-twice"),
        pytest.param([W, R], "refused", ["p2"], id="withdrawn-then-refused"),
        pytest.param([G, W, G, W], "refused", ["p2"], id="withdrawn-twice"),
    ],
)
def test_the_last_decision_of_a_party_counts(
    p2_decisions: list[str], status: str, pending: list[str]
) -> None:
    f = two_others()
    f["consents"] = [*granted("p3"), *(consent("p2", d) for d in p2_decisions)]
    verdict = evaluate_json(f)
    assert verdict["status"] == status
    assert verdict["pending"] == pending
    assert ("R7" in verdict["rules"]) == (status == "refused")
    assert verdict["required"] == [
        {"party": "p2", "for": "p2", "rule": "R2"},
        {"party": "p3", "for": "p3", "rule": "R2"},
    ]


def test_decisions_of_other_parties_in_between_do_not_interfere() -> None:
    f = two_others()
    f["consents"] = [
        consent("p2", G),
        consent("p3", R),
        consent("p2", W),
        consent("p3", G),
        consent("p2", G),
    ]
    verdict = evaluate_json(f)
    assert verdict["status"] == "cleared"
    assert verdict["rules"] == ["R2"]


def test_pending_keeps_required_order_not_consent_order() -> None:
    f = two_others()
    f["consents"] = [consent("p3", W), consent("p2", R)]
    verdict = evaluate_json(f)
    assert verdict["status"] == "refused"
    assert verdict["pending"] == ["p2", "p3"]


@pytest.mark.parametrize(
    "consents",
    [
        pytest.param([consent("p1", R)], id="recorder-refuses"),
        pytest.param([consent("p1", W)], id="recorder-withdraws"),
        pytest.param([consent("s1", R)], id="staff-not-required-refuses"),
        pytest.param([consent("o1", W)], id="companion-not-required-withdraws"),
    ],
)
def test_decisions_of_parties_not_required_are_ignored(consents: list[dict[str, str]]) -> None:
    f = two_others()
    f["consents"] = [*granted("p2", "p3"), *consents]
    verdict = evaluate_json(f)
    assert verdict["status"] == "cleared"
    assert verdict["pending"] == []
    assert "R7" not in verdict["rules"]


def test_refusal_by_a_representative_not_needed_for_an_adult_is_ignored() -> None:
    f = group(client("p1"), client("p2", reps=["m"]), consents=[*granted("p2"), consent("m", R)])
    verdict = evaluate_json(f)
    assert verdict["status"] == "cleared"


@pytest.mark.parametrize(
    "participants",
    [
        pytest.param([client("p1", "2012-01-01", reps=["m"]), client("p2")], id="of-the-recorder"),
        pytest.param([client("p1"), client("p2"), staff("s1", reps=["m"])], id="of-staff"),
    ],
)
def test_decisions_of_representatives_not_required_are_ignored(
    participants: list[dict[str, object]],
) -> None:
    f = group(*participants, consents=[*granted("p2"), consent("m", R)])
    verdict = evaluate_json(f)
    assert verdict["status"] == "cleared"
    assert verdict["pending"] == []


def test_a_withdrawal_by_a_representative_refuses() -> None:
    f = group(
        client("p1"),
        client("p2", "2019-01-01", reps=["m"]),
        consents=[*granted("m"), consent("m", W)],
    )
    verdict = evaluate_json(f)
    assert verdict["status"] == "refused"
    assert verdict["pending"] == ["m"]
    assert verdict["rules"] == ["R2", "R6", "R7"]


def test_refused_with_other_consents_still_pending() -> None:
    f = two_others()
    f["consents"] = [consent("p2", R)]
    verdict = evaluate_json(f)
    assert verdict["status"] == "refused"
    assert verdict["pending"] == ["p2", "p3"]
    assert verdict["rules"] == ["R2", "R7"]
