"""Builders of facts dicts (the contract's JSON, as parsed) for the rule-core tests."""

from __future__ import annotations

import copy
import re
from typing import Any

Facts = dict[str, Any]
Verdict = dict[str, Any]
Pair = tuple[str, str, str]

SESSION_DATE = "2026-11-22"
ADULT = "1980-03-02"


class _Absent:
    """Marks a key that is left out of the facts altogether."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
_DEFAULT: Any = object()

CLINICIAN_DEFAULTS = {
    "purpose": "treatment",
    "access_list": ["s1"],
    "retention_until": "2027-11-22",
}

# The example of the contract, and the verdict the contract gives for it.
CONTRACT_FACTS: Facts = {
    "session": {"kind": "group", "date": "2026-11-22"},
    "recording": {
        "made_by": "client",
        "recorder": "p1",
        "medium": "audio",
        "covert": False,
        "public": False,
        "purpose": "private",
        "scope": "whole",
        "access_list": [],
        "retention_until": None,
    },
    "participants": [
        {"id": "p1", "role": "client", "birth_date": "1980-03-02"},
        {
            "id": "p2",
            "role": "client",
            "birth_date": "2012-01-15",
            "representatives": [{"id": "p2-mother", "name": "A. Jansen", "relation": "parent"}],
        },
        {"id": "s1", "role": "staff"},
    ],
    "consents": [{"party": "p2", "decision": "granted"}],
}
CONTRACT_VERDICT: Verdict = {
    "status": "consent_required",
    "required": [
        {"party": "p2", "for": "p2", "rule": "R2"},
        {"party": "p2-mother", "for": "p2", "rule": "R6"},
    ],
    "missing": [],
    "pending": ["p2-mother"],
    "rules": ["R2", "R6"],
    "advice": [],
}


def contract_facts() -> Facts:
    return copy.deepcopy(CONTRACT_FACTS)


def rep(rid: str, name: str | None = None, relation: str | None = "parent") -> dict[str, Any]:
    r: dict[str, Any] = {"id": rid}
    if name is not None:
        r["name"] = name
    if relation is not None:
        r["relation"] = relation
    return r


def person(
    pid: str,
    role: str,
    birth_date: str | None = None,
    *,
    reps: list[str] | None = None,
    has_capacity: Any = ABSENT,
) -> dict[str, Any]:
    p: dict[str, Any] = {"id": pid, "role": role}
    if birth_date is not None:
        p["birth_date"] = birth_date
    if reps is not None:
        p["representatives"] = [rep(r) for r in reps]
    if has_capacity is not ABSENT:
        p["has_capacity"] = has_capacity
    return p


def client(pid: str, birth_date: str | None = ADULT, **kw: Any) -> dict[str, Any]:
    return person(pid, "client", birth_date, **kw)


def staff(pid: str, birth_date: str | None = None, **kw: Any) -> dict[str, Any]:
    return person(pid, "staff", birth_date, **kw)


def other(pid: str, birth_date: str | None = None, **kw: Any) -> dict[str, Any]:
    return person(pid, "other", birth_date, **kw)


def facts(
    *participants: dict[str, Any],
    kind: str = "individual",
    date: str = SESSION_DATE,
    made_by: str = "client",
    recorder: str | None = None,
    medium: str = "audio",
    covert: bool = False,
    public: bool = False,
    scope: str = "whole",
    purpose: Any = _DEFAULT,
    access_list: Any = _DEFAULT,
    retention_until: Any = _DEFAULT,
    consents: list[dict[str, Any]] | None = None,
) -> Facts:
    """Facts of one recording. Client recordings default to purpose "private" and no access
    list or retention; clinician recordings default to a complete R4 statement."""
    if recorder is None:
        recorder = "p1" if made_by == "client" else "s1"
    recording: dict[str, Any] = {
        "made_by": made_by,
        "recorder": recorder,
        "medium": medium,
        "covert": covert,
        "public": public,
        "scope": scope,
    }
    given = {"purpose": purpose, "access_list": access_list, "retention_until": retention_until}
    for key, value in given.items():
        if value is _DEFAULT:
            if made_by == "clinician":
                value = copy.deepcopy(CLINICIAN_DEFAULTS[key])
            elif key == "purpose":
                value = "private"
            else:
                value = ABSENT
        if value is not ABSENT:
            recording[key] = value
    result: Facts = {
        "session": {"kind": kind, "date": date},
        "recording": recording,
        "participants": list(participants),
    }
    if consents is not None:
        result["consents"] = consents
    return result


def group(*participants: dict[str, Any], **kw: Any) -> Facts:
    return facts(*participants, kind="group", **kw)


def by_clinician(*participants: dict[str, Any], **kw: Any) -> Facts:
    return facts(*participants, made_by="clinician", **kw)


def consent(party: str, decision: str) -> dict[str, str]:
    return {"party": party, "decision": decision}


def granted(*parties: str) -> list[dict[str, str]]:
    return [consent(p, "granted") for p in parties]


def with_consents(f: Facts, *entries: dict[str, str]) -> Facts:
    """A copy of the facts with consent entries appended."""
    g = copy.deepcopy(f)
    g.setdefault("consents", []).extend(copy.deepcopy(list(entries)))
    return g


def pairs(verdict: Verdict) -> list[Pair]:
    return [(e["party"], e["for"], e["rule"]) for e in verdict["required"]]


def own(pid: str, rule: str) -> Pair:
    return (pid, pid, rule)


def by_rep(rid: str, pid: str) -> Pair:
    return (rid, pid, "R6")


# ---- addressing fields by the path FactsError uses: "participants[1].representatives[0].id"

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _tokens(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _TOKEN.findall(path)]


def _walk(data: Any, tokens: list[str | int]) -> Any:
    for token in tokens:
        data = data[token]
    return data


def set_path(f: Facts, path: str, value: Any) -> Facts:
    g = copy.deepcopy(f)
    tokens = _tokens(path)
    _walk(g, tokens[:-1])[tokens[-1]] = copy.deepcopy(value)
    return g


def del_path(f: Facts, path: str) -> Facts:
    g = copy.deepcopy(f)
    tokens = _tokens(path)
    del _walk(g, tokens[:-1])[tokens[-1]]
    return g


def field_matches(field: str, expected: str) -> bool:
    """The error names `expected` itself or a field inside it."""
    return field == expected or field.startswith((expected + ".", expected + "["))
