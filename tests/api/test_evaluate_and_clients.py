"""POST /evaluate and the clients: the contract in and out, problems for bad input."""

from __future__ import annotations

import copy
from collections.abc import Callable

from sqlalchemy import func, select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.clients.models import Client
from clinic_consent.domain import evaluate_json
from clinic_consent.extensions import db
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
        {"id": "p1", "role": "client", "birth_date": "2012-03-02"},
        {"id": "s1", "role": "staff"},
    ],
    "consents": [{"party": "p1", "decision": "granted"}],
}
NEW_CLIENT = {
    "given_name": "Eva",
    "family_name": "Smit",
    "birth_date": "1990-01-01",
    "external_ref": "EPD-4711",
}


def _clients() -> int:
    return db.session.scalar(select(func.count(Client.id))) or 0


def test_evaluate_answers_the_same_verdict_as_the_command_line(
    api_as: Callable[[str], ApiClient],
) -> None:
    response = api_as("therapist").post("/api/v1/evaluate", json=FACTS)
    assert response.status_code == 200
    assert response.get_json() == evaluate_json(copy.deepcopy(FACTS))
    # A 14-year-old decides with a parent (R6): the parent is missing, so no verdict yet.
    assert response.get_json()["status"] == "incomplete"
    assert response.get_json()["missing"] == ["representatives:p1"]


def test_evaluate_names_the_field_at_fault(api_as: Callable[[str], ApiClient]) -> None:
    bad = copy.deepcopy(FACTS)
    bad["participants"][0]["role"] = "visitor"
    response = api_as("therapist").post("/api/v1/evaluate", json=bad)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "participants[0].role"


def test_evaluate_refuses_what_is_not_json(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("therapist")
    broken = api.post(
        "/api/v1/evaluate", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.mimetype == "application/problem+json"
    assert api.post("/api/v1/evaluate", data="a=b").status_code == 415


def test_evaluate_is_logged_without_the_facts(api_as: Callable[[str], ApiClient]) -> None:
    api_as("therapist").post("/api/v1/evaluate", json=FACTS)
    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "api.evaluate")
    ).one()
    assert entry.action == "execute"
    assert entry.client_id is None and entry.object_id is None
    assert entry.api_token_id is not None


def test_a_clinician_registers_a_client_and_finds_it_by_health_record_id(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("therapist")
    created = api.post("/api/v1/clients", json=NEW_CLIENT)
    assert created.status_code == 201
    body = created.get_json()
    assert body["family_name"] == "Smit" and body["language"] == "nl"
    assert body["recording_capacity"] is None and body["representatives"] == []
    found = api.get("/api/v1/clients?external_ref=EPD-4711").get_json()
    assert [c["id"] for c in found] == [body["id"]]
    assert api.get(f"/api/v1/clients/{body['id']}").get_json() == body


def test_bad_client_input_names_the_field_and_writes_nothing(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("therapist")
    api.post("/api/v1/clients", json=NEW_CLIENT)
    before = _clients()
    cases = {
        "birth_date": {**NEW_CLIENT, "external_ref": None, "birth_date": "1990-02-30"},
        "language": {**NEW_CLIENT, "external_ref": None, "language": "de"},
        "external_ref": {**NEW_CLIENT},  # belongs to the client registered above
        "given_name": {**NEW_CLIENT, "external_ref": None, "given_name": ""},
        "nickname": {**NEW_CLIENT, "external_ref": None, "nickname": "E"},
    }
    for field, body in cases.items():
        response = api.post("/api/v1/clients", json=body)
        assert response.status_code == 422, field
        assert response.get_json()["field"] == field
    assert _clients() == before


def test_the_practice_manager_registers_no_client_whatever_the_body(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("practice_manager")
    for body in ({}, NEW_CLIENT):
        response = api.post("/api/v1/clients", json=body)
        assert response.status_code == 403, body
        assert response.mimetype == "application/problem+json"
    assert api.get("/api/v1/clients").status_code == 200
