"""R6: who consents for whom -- age bands on the session date, capacity, representatives."""

from __future__ import annotations

from typing import Any

import pytest

from clinic_consent.domain import evaluate_json
from tests.domain.factories import (
    ADULT,
    Facts,
    Pair,
    by_clinician,
    by_rep,
    client,
    consent,
    facts,
    granted,
    group,
    other,
    own,
    pairs,
    staff,
)

SELF = "self"  # the participant's own entry
REPS = "reps"  # an entry for each representative


def child_in_group(birth_date: str | None, date: str, **kw: Any) -> Facts:
    """p1 (an adult) records a group session; p2 is the participant under test, with a
    mother and a father registered as representatives unless told otherwise."""
    kw.setdefault("reps", ["m", "f"])
    return group(client("p1"), client("p2", birth_date, **kw), staff("s1"), date=date)


def expected_pairs(entries: tuple[str, ...], reps: tuple[str, ...] = ("m", "f")) -> list[Pair]:
    out: list[Pair] = []
    if SELF in entries:
        out.append(own("p2", "R2"))
    if REPS in entries:
        out.extend(by_rep(r, "p2") for r in reps)
    return out


AGE_BANDS: list[Any] = [
    pytest.param("2026-11-22", "2026-11-22", (REPS,), id="born-on-the-session-date"),
    pytest.param("2016-05-01", "2026-11-22", (REPS,), id="age-10"),
    pytest.param("2014-11-23", "2026-11-22", (REPS,), id="11-the-day-before-turning-12"),
    pytest.param("2014-11-22", "2026-11-22", (SELF, REPS), id="12-on-the-birthday"),
    pytest.param("2012-01-15", "2026-11-22", (SELF, REPS), id="age-14"),
    pytest.param("2010-11-23", "2026-11-22", (SELF, REPS), id="15-the-day-before-turning-16"),
    pytest.param("2010-11-22", "2026-11-22", (SELF,), id="16-on-the-birthday"),
    pytest.param(ADULT, "2026-11-22", (SELF,), id="adult-with-representatives-registered"),
    pytest.param(None, "2026-11-22", (SELF,), id="no-birth-date-means-adult"),
    # 29 February, in a leap year the birthday is on the 29th ...
    pytest.param("2008-02-29", "2020-02-28", (REPS,), id="feb29-leap-year-day-before-12"),
    pytest.param("2008-02-29", "2020-02-29", (SELF, REPS), id="feb29-leap-year-turns-12"),
    # ... in a non-leap year (2100) it counts from 1 March.
    pytest.param("2088-02-29", "2100-02-28", (REPS,), id="feb29-non-leap-28-feb-still-11"),
    pytest.param("2088-02-29", "2100-03-01", (SELF, REPS), id="feb29-non-leap-1-march-12"),
    pytest.param("2084-02-29", "2100-02-28", (SELF, REPS), id="feb29-non-leap-28-feb-still-15"),
    pytest.param("2084-02-29", "2100-03-01", (SELF,), id="feb29-non-leap-1-march-16"),
]


@pytest.mark.parametrize(("birth_date", "date", "entries"), AGE_BANDS)
def test_age_band_on_the_session_date_decides_who_consents(
    birth_date: str | None, date: str, entries: tuple[str, ...]
) -> None:
    verdict = evaluate_json(child_in_group(birth_date, date))
    required = expected_pairs(entries)
    assert pairs(verdict) == required
    assert verdict["status"] == "consent_required"
    assert verdict["missing"] == []
    assert verdict["pending"] == [party for party, _, _ in required]
    # R2 needs p2's consent in every band; R6 appears when representatives give it.
    assert verdict["rules"] == ["R2", "R6"] if REPS in entries else ["R2"]


@pytest.mark.parametrize(
    ("birth_date", "has_capacity", "entries"),
    [
        pytest.param(ADULT, False, (REPS,), id="adult-lacking-capacity"),
        pytest.param(None, False, (REPS,), id="no-birth-date-lacking-capacity"),
        pytest.param("2012-01-15", False, (REPS,), id="14-year-old-lacking-capacity"),
        pytest.param("2020-01-15", False, (REPS,), id="6-year-old-lacking-capacity"),
        pytest.param(ADULT, True, (SELF,), id="adult-with-capacity"),
        pytest.param("2012-01-15", True, (SELF, REPS), id="14-year-old-with-capacity"),
        pytest.param("2018-01-15", True, (REPS,), id="8-year-old-with-capacity"),
    ],
)
def test_capacity_decides_who_consents(
    birth_date: str | None, has_capacity: bool, entries: tuple[str, ...]
) -> None:
    f = child_in_group(birth_date, "2026-11-22", has_capacity=has_capacity)
    verdict = evaluate_json(f)
    assert pairs(verdict) == expected_pairs(entries)
    assert verdict["status"] == "consent_required"


# ---------------------------------------------------------------- several representatives


@pytest.mark.parametrize(
    ("birth_date", "consents", "status", "pending"),
    [
        pytest.param("2017-06-01", [], "consent_required", ["m", "f"], id="9-nobody"),
        pytest.param("2017-06-01", granted("m"), "consent_required", ["f"], id="9-one-parent"),
        pytest.param("2017-06-01", granted("f", "m"), "cleared", [], id="9-both-parents"),
        pytest.param(
            "2017-06-01",
            granted("p2"),
            "consent_required",
            ["m", "f"],
            id="9-child-alone-does-not-count",
        ),
        pytest.param(
            "2012-06-01",
            granted("m", "f"),
            "consent_required",
            ["p2"],
            id="14-parents-without-child",
        ),
        pytest.param(
            "2012-06-01",
            granted("p2", "m"),
            "consent_required",
            ["f"],
            id="14-child-and-one-parent",
        ),
        pytest.param("2012-06-01", granted("p2", "m", "f"), "cleared", [], id="14-all-three"),
        pytest.param(
            "2012-06-01",
            [*granted("p2", "m"), consent("f", "refused")],
            "refused",
            ["f"],
            id="14-one-parent-refuses",
        ),
        pytest.param(
            "2012-06-01",
            [*granted("m", "f"), consent("p2", "refused")],
            "refused",
            ["p2"],
            id="14-child-refuses",
        ),
    ],
)
def test_every_representative_must_consent(
    birth_date: str, consents: list[dict[str, str]], status: str, pending: list[str]
) -> None:
    f = child_in_group(birth_date, "2026-11-22")
    f["consents"] = consents
    verdict = evaluate_json(f)
    assert verdict["status"] == status
    assert verdict["pending"] == pending


def test_required_lists_participants_in_order_each_followed_by_representatives() -> None:
    f = group(
        client("p1"),
        client("p2", "2013-03-03", reps=["m", "f"]),
        client("p3"),
        staff("s1", reps=["x"]),
        client("p4", "2021-04-04", reps=["g"]),
        medium="video",
    )
    assert pairs(evaluate_json(f)) == [
        own("p2", "R2"),
        by_rep("m", "p2"),
        by_rep("f", "p2"),
        own("p3", "R2"),
        own("s1", "R3"),
        by_rep("g", "p4"),
    ]


# ---------------------------------------------------------------- representatives missing


@pytest.mark.parametrize("reps", [None, []], ids=["absent", "empty-list"])
def test_child_under_12_without_representatives_is_incomplete(reps: list[str] | None) -> None:
    f = group(client("p1"), client("p2", "2017-06-01", reps=reps), staff("s1"))
    verdict = evaluate_json(f)
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == ["representatives:p2"]
    assert verdict["required"] == []
    assert verdict["pending"] == []
    # R2 makes p2's consent necessary; R6 says who gives it and that they are missing.
    assert verdict["rules"] == ["R2", "R6"]


def test_child_of_14_without_representatives_keeps_own_entry_and_is_incomplete() -> None:
    f = group(client("p1"), client("p2", "2012-06-01"), consents=granted("p2"))
    verdict = evaluate_json(f)
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == ["representatives:p2"]
    assert pairs(verdict) == [own("p2", "R2")]
    assert verdict["pending"] == []
    assert verdict["rules"] == ["R2", "R6"]


def test_adult_lacking_capacity_without_representatives_is_incomplete() -> None:
    f = facts(client("p1"), other("o1", has_capacity=False), staff("s1"), medium="video")
    verdict = evaluate_json(f)
    assert verdict["status"] == "incomplete"
    assert verdict["missing"] == ["representatives:o1"]
    assert pairs(verdict) == [own("s1", "R3")]
    assert verdict["rules"] == ["R3", "R6"]


def test_each_unrepresented_participant_is_missing() -> None:
    f = group(
        client("p1"),
        client("p2", "2017-06-01"),
        client("p3", "2019-06-01"),
        client("p4", "2018-06-01", reps=["m"]),
    )
    verdict = evaluate_json(f)
    assert verdict["status"] == "incomplete"
    assert sorted(verdict["missing"]) == ["representatives:p2", "representatives:p3"]
    assert pairs(verdict) == [by_rep("m", "p4")]


def test_missing_representatives_matter_only_where_a_consent_is_required() -> None:
    # A child companion in an individual client audio recording: R1, nobody consents.
    f = facts(client("p1"), other("o1", "2020-01-01"), staff("s1"))
    verdict = evaluate_json(f)
    assert verdict["status"] == "not_required"
    assert verdict["missing"] == []
    # A child companion in a group audio recording by a client: not required either.
    f = group(client("p1"), client("p2"), other("o1", "2020-01-01"), consents=granted("p2"))
    verdict = evaluate_json(f)
    assert verdict["status"] == "cleared"
    assert verdict["missing"] == []


# ---------------------------------------------------------------- staff and the recorder


@pytest.mark.parametrize(
    "member",
    [
        pytest.param(staff("s2", "2011-01-01"), id="staff-aged-15"),
        pytest.param(staff("s2", "2020-01-01"), id="staff-aged-6-without-representatives"),
        pytest.param(staff("s2", has_capacity=False), id="staff-lacking-capacity"),
        pytest.param(staff("s2", "2011-01-01", reps=["m"]), id="staff-with-representatives"),
    ],
)
def test_staff_are_never_represented(member: dict[str, Any]) -> None:
    f = facts(client("p1"), member, medium="video")
    verdict = evaluate_json(f)
    assert pairs(verdict) == [own("s2", "R3")]
    assert verdict["missing"] == []
    assert verdict["status"] == "consent_required"


def test_a_minor_recorder_is_not_represented() -> None:
    f = group(client("p1", "2017-01-01"), client("p2"), staff("s1"))
    verdict = evaluate_json(f)
    assert pairs(verdict) == [own("p2", "R2")]
    assert verdict["missing"] == []
    assert verdict["status"] == "consent_required"


def test_a_represented_recorder_is_not_required_for_themselves() -> None:
    f = group(client("p1", "2012-01-01", reps=["m"]), client("p2"), staff("s1"), medium="video")
    verdict = evaluate_json(f)
    assert "p1" not in {e["for"] for e in verdict["required"]}
    assert "m" not in {e["party"] for e in verdict["required"]}


def test_the_recorder_is_never_a_required_party_even_as_a_representative() -> None:
    f = group(client("p1"), client("p2", "2016-01-01", reps=["p1", "m"]), staff("s1"))
    verdict = evaluate_json(f)
    assert "p1" not in {e["party"] for e in verdict["required"]}
    assert "p1" not in verdict["pending"]
    assert by_rep("m", "p2") in pairs(verdict)


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(
            by_clinician(staff("s1"), client("p1", "2018-01-01", reps=["m"])), id="clinician-audio"
        ),
        pytest.param(
            facts(client("p1"), other("p2", "2018-01-01", reps=["m"]), medium="video"),
            id="companion-in-client-video",
        ),
    ],
)
def test_children_other_than_group_clients_are_represented(f: Facts) -> None:
    verdict = evaluate_json(f)
    assert pairs(verdict) == [by_rep("m", f["participants"][1]["id"])]


# ---------------------------------------------------------------- shared representatives


def test_a_parent_in_the_session_who_represents_the_child_consents_once_for_both() -> None:
    f = by_clinician(
        staff("s1"),
        client("p1", "2017-06-01", reps=["o1"]),
        other("o1", ADULT),
        medium="video",
    )
    verdict = evaluate_json(f)
    assert pairs(verdict) == [by_rep("o1", "p1"), own("o1", "R3")]
    assert verdict["pending"] == ["o1"]
    verdict = evaluate_json({**f, "consents": granted("o1")})
    assert verdict["status"] == "cleared"
    assert verdict["pending"] == []


def test_one_parent_of_two_children_consents_once_for_both() -> None:
    f = group(
        client("p1"),
        client("p2", "2018-06-01", reps=["m"]),
        client("p3", "2016-06-01", reps=["m", "f"]),
    )
    verdict = evaluate_json(f)
    assert pairs(verdict) == [by_rep("m", "p2"), by_rep("m", "p3"), by_rep("f", "p3")]
    assert verdict["pending"] == ["m", "f"]
    verdict = evaluate_json({**f, "consents": granted("m")})
    assert verdict["status"] == "consent_required"
    assert verdict["pending"] == ["f"]
    verdict = evaluate_json({**f, "consents": [*granted("m", "f"), consent("m", "withdrawn")]})
    assert verdict["status"] == "refused"
    assert verdict["pending"] == ["m"]
