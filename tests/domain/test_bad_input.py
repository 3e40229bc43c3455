"""Bad input is a FactsError naming the field at fault, never a verdict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clinic_consent.domain import FactsError, evaluate_json
from tests.domain.factories import (
    Facts,
    by_clinician,
    client,
    contract_facts,
    del_path,
    facts,
    field_matches,
    other,
    rep,
    set_path,
    staff,
)

# The base of most cases is the contract's example: a group session, p1 (client) records,
# participants[1] is p2 (born 2012-01-15, represented by p2-mother), participants[2] is s1
# (staff); consents[0] is p2's grant.


def clinician_base() -> Facts:
    return by_clinician(staff("s1"), client("p1"), other("o1"))


def missing(path: str) -> Callable[[], Facts]:
    return lambda: del_path(contract_facts(), path)


def setting(
    path: str, value: Any, base: Callable[[], Facts] = contract_facts
) -> Callable[[], Facts]:
    return lambda: set_path(base(), path, value)


def case(build: Callable[[], Facts], field: str, name: str) -> Any:
    return pytest.param(build, field, id=name)


CASES: list[Any] = [
    # -- required keys (decision 1)
    *(
        case(missing(path), path, f"missing-{path}")
        for path in (
            "session",
            "recording",
            "participants",
            "session.kind",
            "session.date",
            "recording.made_by",
            "recording.recorder",
            "recording.medium",
            "recording.covert",
            "recording.public",
            "recording.scope",
            "participants[2].id",
            "participants[2].role",
            "participants[1].representatives[0].id",
            "consents[0].party",
            "consents[0].decision",
        )
    ),
    case(setting("participants", []), "participants", "no-participants"),
    # -- unknown values of closed vocabularies
    case(setting("session.kind", "triad"), "session.kind", "unknown-kind"),
    case(setting("session.kind", "Group"), "session.kind", "kind-is-case-sensitive"),
    case(setting("recording.made_by", "patient"), "recording.made_by", "unknown-made_by"),
    case(setting("recording.medium", "photo"), "recording.medium", "unknown-medium"),
    case(setting("recording.scope", "half"), "recording.scope", "unknown-scope"),
    case(setting("participants[2].role", "nurse"), "participants[2].role", "unknown-role"),
    case(setting("consents[0].decision", "maybe"), "consents[0].decision", "unknown-decision"),
    # -- purpose must fit who records (decision 3)
    case(
        setting("recording.purpose", "treatment"), "recording.purpose", "client-purpose-treatment"
    ),
    case(setting("recording.purpose", "fun"), "recording.purpose", "client-purpose-unknown"),
    case(setting("recording.purpose", 1), "recording.purpose", "client-purpose-not-a-string"),
    case(
        setting("recording.purpose", "private", clinician_base),
        "recording.purpose",
        "clinician-purpose-private",
    ),
    case(
        setting("recording.purpose", "marketing", clinician_base),
        "recording.purpose",
        "clinician-purpose-unknown",
    ),
    # -- booleans must be JSON booleans (decision 2)
    *(
        case(setting("recording.covert", value), "recording.covert", f"covert-{value!r}")
        for value in ("yes", "false", 1, 0, None)
    ),
    *(
        case(setting("recording.public", value), "recording.public", f"public-{value!r}")
        for value in ("no", 1)
    ),
    *(
        case(
            setting("participants[1].has_capacity", value),
            "participants[1].has_capacity",
            f"has_capacity-{value!r}",
        )
        for value in ("no", 0, "true")
    ),
    # -- dates: YYYY-MM-DD and real (decision 2)
    *(
        case(setting("session.date", value), "session.date", f"session-date-{value!r}")
        for value in (
            "22-11-2026",
            "2026-02-30",
            "2026-13-01",
            "2026-11-22T10:00:00",
            "20261122",
            "2026-W47-7",
            "2026-1-5",
            "",
            20261122,
            None,
        )
    ),
    *(
        case(
            setting("participants[1].birth_date", value),
            "participants[1].birth_date",
            f"birth-date-{value!r}",
        )
        for value in ("15-01-2012", "2012-02-30", "2011-02-29", "20120115", 2012)
    ),
    case(
        setting("participants[1].birth_date", "2026-11-23"),
        "participants[1].birth_date",
        "birth-date-after-the-session",
    ),
    case(
        setting("recording.retention_until", "next year", clinician_base),
        "recording.retention_until",
        "retention-not-a-date",
    ),
    case(
        setting("recording.retention_until", "2027-02-29", clinician_base),
        "recording.retention_until",
        "retention-not-a-real-date",
    ),
    # -- the recorder
    case(setting("recording.recorder", "zz"), "recording.recorder", "recorder-not-a-participant"),
    case(
        setting("recording.recorder", "p2-mother"),
        "recording.recorder",
        "recorder-is-only-a-representative",
    ),
    case(setting("recording.recorder", "s1"), "recording.recorder", "client-recording-by-staff"),
    case(
        setting("recording.recorder", "p1", clinician_base),
        "recording.recorder",
        "clinician-recording-by-a-client",
    ),
    case(
        setting("recording.recorder", "o1", clinician_base),
        "recording.recorder",
        "clinician-recording-by-a-companion",
    ),
    case(
        lambda: facts(client("p1"), other("o1"), recorder="o1"),
        "recording.recorder",
        "client-recording-by-a-companion",
    ),
    # -- kinds and ids (decisions 4, 5)
    case(setting("session.kind", "individual"), "participants", "individual-with-two-clients"),
    case(setting("participants[2].id", "p2"), "participants", "duplicate-participant-id"),
    case(
        setting("participants[1].representatives", [rep("m"), rep("m", relation="guardian")]),
        "participants[1].representatives",
        "same-representative-twice-for-one-participant",
    ),
    # -- consents
    case(setting("consents[0].party", "nobody"), "consents[0].party", "consent-from-a-stranger"),
    case(
        lambda: set_path(
            contract_facts(),
            "consents",
            [{"party": "p2", "decision": "granted"}, {"party": "x", "decision": "refused"}],
        ),
        "consents[1].party",
        "second-consent-from-a-stranger",
    ),
    # -- wrong types and shapes
    case(setting("session", "2026-11-22"), "session", "session-not-an-object"),
    case(setting("recording", []), "recording", "recording-not-an-object"),
    case(setting("participants", {"p1": "client"}), "participants", "participants-not-a-list"),
    case(setting("participants[2]", "s1"), "participants[2]", "participant-not-an-object"),
    case(setting("participants[2].id", 7), "participants[2].id", "participant-id-not-a-string"),
    case(setting("participants[2].role", None), "participants[2].role", "role-null"),
    case(
        setting("participants[1].representatives", "mother"),
        "participants[1].representatives",
        "representatives-not-a-list",
    ),
    case(
        setting("participants[1].representatives[0]", "p2-mother"),
        "participants[1].representatives[0]",
        "representative-not-an-object",
    ),
    case(
        setting("participants[1].representatives[0].name", 5),
        "participants[1].representatives[0].name",
        "representative-name-not-a-string",
    ),
    case(
        setting("participants[1].representatives[0].relation", ["parent"]),
        "participants[1].representatives[0].relation",
        "representative-relation-not-a-string",
    ),
    case(setting("consents", {"p2": "granted"}), "consents", "consents-not-a-list"),
    case(setting("consents[0]", "p2"), "consents[0]", "consent-not-an-object"),
    case(setting("recording.access_list", "s1"), "recording.access_list", "access-list-a-string"),
    case(setting("recording.medium", ["audio"]), "recording.medium", "medium-a-list"),
    case(setting("session.kind", None), "session.kind", "kind-null"),
    case(setting("recording.made_by", True), "recording.made_by", "made_by-a-boolean"),
    case(setting("recording.recorder", 1), "recording.recorder", "recorder-a-number"),
    case(setting("consents[0].decision", None), "consents[0].decision", "decision-null"),
    case(setting("consents[0].party", 2), "consents[0].party", "party-a-number"),
    case(
        setting("participants[1].representatives[0].id", None),
        "participants[1].representatives[0].id",
        "representative-id-null",
    ),
]


@pytest.mark.parametrize(("build", "field"), CASES)
def test_bad_input_names_the_field_at_fault(build: Callable[[], Facts], field: str) -> None:
    with pytest.raises(FactsError) as caught:
        evaluate_json(build())
    err = caught.value
    assert field_matches(err.field, field), f"expected {field!r}, got {err.field!r}: {err}"
    assert str(err).startswith(err.field)
    assert len(str(err)) > len(err.field)  # says what is wrong, not only where


def test_facts_error_is_a_value_error() -> None:
    assert issubclass(FactsError, ValueError)


@pytest.mark.parametrize("data", [[], "facts", 3, None, True, [contract_facts()]])
def test_facts_that_are_not_an_object_are_rejected(data: object) -> None:
    with pytest.raises(FactsError):
        evaluate_json(data)


def test_the_base_facts_are_valid() -> None:
    """Guards the table above: every case starts from facts that evaluate."""
    assert evaluate_json(contract_facts())["status"] == "consent_required"
    assert evaluate_json(clinician_base())["status"] == "consent_required"


# ---------------------------------------------------------------- what is NOT an error


def _note(path: str) -> Callable[[], Facts]:
    return setting(path, {"free": "text"})


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_note("note"), id="top-level"),
        pytest.param(_note("session.room"), id="session"),
        pytest.param(_note("recording.device"), id="recording"),
        pytest.param(_note("participants[0].name"), id="participant"),
        pytest.param(_note("participants[1].representatives[0].phone"), id="representative"),
        pytest.param(_note("consents[0].at"), id="consent"),
    ],
)
def test_unknown_extra_keys_are_ignored(build: Callable[[], Facts]) -> None:
    assert evaluate_json(build()) == evaluate_json(contract_facts())


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(missing("consents"), id="no-consents"),
        pytest.param(setting("consents", []), id="empty-consents"),
        pytest.param(missing("recording.purpose"), id="no-purpose"),
        pytest.param(setting("recording.purpose", None), id="null-purpose"),
        pytest.param(missing("recording.access_list"), id="no-access-list"),
        pytest.param(setting("recording.access_list", None), id="null-access-list"),
        pytest.param(missing("recording.retention_until"), id="no-retention"),
        pytest.param(setting("recording.retention_until", "2027-01-31"), id="client-retention"),
        pytest.param(missing("participants[0].birth_date"), id="no-birth-date"),
        pytest.param(missing("participants[1].representatives[0].name"), id="rep-without-name"),
        pytest.param(
            missing("participants[1].representatives[0].relation"), id="rep-without-relation"
        ),
        pytest.param(setting("participants[1].has_capacity", True), id="explicit-capacity"),
        pytest.param(setting("participants[0].birth_date", "2026-11-22"), id="born-that-day"),
        pytest.param(setting("consents[0].party", "p1"), id="consent-from-the-recorder"),
        pytest.param(setting("consents[0].party", "s1"), id="consent-not-required"),
        pytest.param(setting("consents[0].party", "p2-mother"), id="consent-from-a-representative"),
        pytest.param(
            lambda: {
                **contract_facts(),
                "participants": [
                    client("p1"),
                    client("p2", "2012-01-15", reps=["m"]),
                    client("p3", "2015-01-15", reps=["m"]),
                ],
                "consents": [],
            },
            id="same-representative-for-two-participants",
        ),
        pytest.param(
            lambda: {
                **contract_facts(),
                "participants": [
                    client("p1"),
                    client("p2", "2012-01-15", reps=["o1"]),
                    other("o1"),
                ],
                "consents": [],
            },
            id="representative-who-is-a-participant",
        ),
        pytest.param(
            lambda: facts(client("p1"), other("o1"), staff("s1"), staff("s2")),
            id="individual-with-one-client-and-companions",
        ),
    ],
)
def test_valid_variations_are_accepted(build: Callable[[], Facts]) -> None:
    verdict = evaluate_json(build())
    assert verdict["status"] in {"consent_required", "cleared", "incomplete", "not_required"}
