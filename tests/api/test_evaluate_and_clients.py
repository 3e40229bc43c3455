"""POST /evaluate and the clients: the contract in and out, problems for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.api.conftest import ApiClient

FACTS = {
    "session": {"kind": "individual", "date": "2026-11-22"},
    "recording": {
        "made_by": "clinician",
        "recorder": "s1",
        "medium": "video",
        "covert": False,
        "public": False,
        "purpose": "supervision",
        "scope": "whole",
        "access_list": ["supervisor"],
        "retention_until": "2027-11-22",
    },
    "participants": [
        {"id": "p1", "role": "client", "birth_date": "1980-03-02"},
        {"id": "s1", "role": "staff"},
    ],
}


def test_evaluate_answers_the_verdict_of_the_contract(api_as: Callable[[str], ApiClient]) -> None:
    response = api_as("therapist").post("/api/v1/evaluate", json=FACTS)
    assert response.status_code == 200
    verdict = response.get_json()
    assert verdict["status"] == "consent_required"
    assert verdict["required"] == [{"party": "p1", "for": "p1", "rule": "R3"}] or verdict[
        "pending"
    ] == ["p1"]


def test_evaluate_names_the_field_at_fault(api_as: Callable[[str], ApiClient]) -> None:
    bad = json.loads(json.dumps(FACTS))
    bad["participants"][0]["role"] = "visitor"
    response = api_as("therapist").post("/api/v1/evaluate", json=bad)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "participants[0].role"
