"""The bad-input corpus against every API operation, field by field.

The operations are read from the OpenAPI document, so one added later is tried without a change
here (and fails until it has a valid body below). Each operation starts from a valid request of
the role that may make it. Every leaf of its JSON body (nested ones too: the facts of
/evaluate) gets each class of the corpus (corpus.py) and values of the wrong JSON type; every
query parameter gets each class; every id in the path is swapped for another clinician's, a
huge, a negative and a non-numeric one; and the body is sent as a form, as text, as malformed
JSON, as a JSON array and over MAX_CONTENT_LENGTH.

Every answer: no 5xx; an error is problem JSON; on a refusal no table but the access log
changed; text accepted into a field is stored exactly; no problem echoes our markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from clinic_consent import create_app
from clinic_consent.api.problems import PROBLEM_MIMETYPE
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import verdict_view
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests.api.conftest import ApiClient, token_of, user_of_role
from tests.hardening import corpus, demo_parts
from tests.hardening.corpus import CLASS_NAMES, HUGE_ID, TEXT_CLASSES, Tally

OPENAPI_PATH = "/api/v1/openapi.json"
BODY_LIMIT = 2 * 1024 * 1024
# Values of the wrong JSON type, for any field.
WRONG_TYPES: tuple[Any, ...] = (12345, -1.5, True, None, [], {}, ["a"], {"a": 1})
# Text fields whose value is looked up, not stored (a party key, a decision).
NOT_STORED = frozenset({"party", "for", "decision", "method", "kind", "language", "medium"})


def _operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation in the document, read without a database."""
    app = create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    document = app.test_client().get(OPENAPI_PATH).get_json()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post")
    )


@dataclass
class Request:
    """A valid request of one operation: the role that may make it, its path, query and body."""

    role: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None


def _pending_keys(recording: Recording) -> tuple[str, str]:
    """(party, for) of a consent the recording still waits for, else of its first row."""
    rows = verdict_view(recording).rows
    row = next((r for r in rows if r.consent is None), rows[0])
    return row.party.key, row.for_party.key


def _sealed_form(recording: Recording) -> int:
    """The id of the sealed form of the recording's first consent (the tests' demo has none)."""
    consent = recording.consents[0]
    document = seal_consent_form(consent, db.session.get_one(User, consent.registered_by_id))
    db.session.commit()
    return document.id


def _valid_requests() -> dict[tuple[str, str], Request]:
    therapist = demo_parts.therapists_part()
    facilitator = demo_parts.facilitators_part()
    recording = db.session.get_one(Recording, therapist["recording_id"])
    party, for_key = _pending_keys(recording)
    today = today_utc().isoformat()
    ids = {
        "client_id": therapist["client_id"],
        "session_id": therapist["session_id"],
        "recording_id": therapist["recording_id"],
        "consent_id": therapist["consent_id"],
        "document_id": _sealed_form(recording),
    }

    def at(template: str) -> str:
        return template.format(**ids)

    facts = {
        "session": {"kind": "individual", "date": today},
        "recording": {
            "made_by": "clinician",
            "recorder": "s1",
            "medium": "video",
            "covert": False,
            "public": False,
            "purpose": "supervision",
            "scope": "whole",
            "access_list": ["supervisor"],
            "retention_until": today,
        },
        "participants": [
            {"id": "p1", "role": "client", "birth_date": "2012-03-02"},
            {"id": "s1", "role": "staff"},
        ],
        "consents": [{"party": "p1", "decision": "granted"}],
    }
    return {
        ("POST", "/api/v1/evaluate"): Request("therapist", "/api/v1/evaluate", body=facts),
        ("GET", "/api/v1/clients"): Request(
            "therapist", "/api/v1/clients", {"limit": "10", "after": "1", "external_ref": "X"}
        ),
        ("POST", "/api/v1/clients"): Request(
            "therapist",
            "/api/v1/clients",
            body={
                "given_name": "Test",
                "family_name": "Person",
                "birth_date": "1990-01-01",
                "language": "nl",
                "external_ref": "EPD-1",
            },
        ),
        ("GET", "/api/v1/clients/{client_id}"): Request(
            "therapist", at("/api/v1/clients/{client_id}")
        ),
        ("GET", "/api/v1/sessions"): Request(
            "therapist",
            "/api/v1/sessions",
            {"limit": "10", "from": today, "until": today, "client_id": "1"},
        ),
        ("POST", "/api/v1/sessions"): Request(
            "therapist",
            "/api/v1/sessions",
            body={
                "kind": "individual",
                "date": today,
                "title": "Intake",
                "starts_at": f"{today}T10:00:00+00:00",
                "group_id": None,
                "client_ids": [therapist["client_id"]],
            },
        ),
        ("GET", "/api/v1/sessions/{session_id}"): Request(
            "therapist", at("/api/v1/sessions/{session_id}")
        ),
        ("GET", "/api/v1/sessions/{session_id}/recordings"): Request(
            "therapist", at("/api/v1/sessions/{session_id}/recordings")
        ),
        ("GET", "/api/v1/recordings/{recording_id}"): Request(
            "therapist", at("/api/v1/recordings/{recording_id}")
        ),
        ("GET", "/api/v1/recordings/{recording_id}/consents"): Request(
            "therapist", at("/api/v1/recordings/{recording_id}/consents")
        ),
        ("POST", "/api/v1/recordings/{recording_id}/consents"): Request(
            "therapist",
            at("/api/v1/recordings/{recording_id}/consents"),
            body={
                "party": party,
                "for": for_key,
                "decision": "granted",
                "method": "verbal_witness",
                "witness_name": "Witness",
                "signature_png": None,
                "decided_at": None,
                "template_version_id": None,
            },
        ),
        ("GET", "/api/v1/consents/{consent_id}"): Request(
            "therapist", at("/api/v1/consents/{consent_id}")
        ),
        ("POST", "/api/v1/consents/{consent_id}/withdraw"): Request(
            "group_facilitator",
            f"/api/v1/consents/{facilitator['consent_id']}/withdraw",
            body={"reason": "Changed my mind"},
        ),
        ("GET", "/api/v1/documents/{document_id}"): Request(
            "therapist", at("/api/v1/documents/{document_id}")
        ),
        ("GET", "/api/v1/documents/{document_id}/pdf"): Request(
            "therapist", at("/api/v1/documents/{document_id}/pdf")
        ),
        ("GET", "/api/v1/reports/retention"): Request(
            "practice_manager",
            "/api/v1/reports/retention",
            {"state": "overdue", "after": "1", "limit": "10"},
        ),
        ("GET", "/api/v1/audit"): Request("practice_manager", "/api/v1/audit"),
        ("POST", "/api/v1/audit/verifications"): Request(
            "practice_manager", "/api/v1/audit/verifications"
        ),
        ("GET", "/api/v1/fhir/Consent/{consent_id}"): Request(
            "therapist", at("/api/v1/fhir/Consent/{consent_id}")
        ),
        ("GET", "/api/v1/fhir/Consent"): Request(
            "therapist", "/api/v1/fhir/Consent", {"patient": f"Patient/{therapist['client_id']}"}
        ),
    }


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value in a JSON document, containers included (the root aside)."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:1]):
            yield from _leaves(item, (*path, index))


def _replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(document))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return copy


@dataclass
class Checker:
    """Sends requests as a role and notes every answer that breaks a rule."""

    client: FlaskClient
    tokens: dict[str, str]
    tally: Tally
    failures: list[str] = field(default_factory=list)

    def send(self, label: str, role: str, method: str, path: str, **kwargs: Any) -> TestResponse:
        self.tally.add(label)
        return ApiClient(self.client, self.tokens[role]).open(method, path, **kwargs)

    def check(
        self,
        label: str,
        what: str,
        response: TestResponse,
        before: dict[str, int],
        *,
        stored: str | None = None,
        refused: tuple[int, ...] = (),
    ) -> None:
        where = f"{label} {what}: {response.status_code}"
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            self.failures.append(f"{where}: server error")
        if refused and response.status_code not in refused:
            self.failures.append(f"{where}: expected one of {refused}")
        if response.status_code >= 400:
            if response.mimetype != PROBLEM_MIMETYPE:
                self.failures.append(f"{where}: answered {response.mimetype}, not a problem")
            if raw := corpus.reflected_markup(body):
                self.failures.append(f"{where}: the problem echoes {raw!r}")
            if changes := corpus.changed_counts(before, corpus.row_counts()):
                self.failures.append(f"{where}: refused, yet rows changed {changes}")
        elif stored is not None and (altered := corpus.stored_altered(stored.strip())):
            self.failures.append(f"{where}: accepted, but stored as {altered[:60]!r}")
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            self.failures.append(f"{where}: without nosniff")


@pytest.fixture
def checker(
    app: Flask, client: FlaskClient, demo: DemoResult, request: pytest.FixtureRequest
) -> Iterator[Checker]:
    roles = ("therapist", "group_facilitator", "practice_manager")
    tokens = {role: token_of(user_of_role(role)) for role in roles}
    checker = Checker(client, tokens, Tally(request.node.name))
    yield checker
    print("\n" + checker.tally.report())


def _body_field_attacks(checker: Checker, label: str, method: str, valid: Request) -> None:
    for i, path in enumerate(_leaves(valid.body)):
        name = ".".join(str(step) for step in path)
        values: list[tuple[str, Any]] = [
            (class_name, corpus.pick(class_name, i + k)) for k, class_name in enumerate(CLASS_NAMES)
        ]
        values += [("type", wrong) for wrong in WRONG_TYPES]
        for class_name, value in values:
            before = corpus.row_counts()
            response = checker.send(
                label,
                valid.role,
                method,
                valid.path,
                query_string=valid.query,
                json=_replaced(valid.body, path, value),
            )
            text = class_name in TEXT_CLASSES and path[-1] not in NOT_STORED
            checker.check(
                label,
                f"{name}={class_name}:{str(value)[:30]!r}",
                response,
                before,
                stored=value if text else None,
            )


def _query_attacks(checker: Checker, label: str, method: str, valid: Request) -> None:
    for i, name in enumerate(valid.query):
        for k, class_name in enumerate(CLASS_NAMES):
            value = corpus.pick(class_name, i + k)
            before = corpus.row_counts()
            response = checker.send(
                label,
                valid.role,
                method,
                valid.path,
                query_string=valid.query | {name: "1" if value == "other" else value},
                json=valid.body,
            )
            checker.check(label, f"?{name}={class_name}:{value[:30]!r}", response, before)


def _path_id_attacks(
    checker: Checker, label: str, method: str, template: str, valid: Request, others: dict[str, Any]
) -> None:
    """Each id in the path: another clinician's, huge, negative, not a number (404 all)."""
    own_parts = valid.path.split("/")
    for position, segment in enumerate(template.split("/")):
        if not segment.startswith("{"):
            continue
        name = segment.strip("{}")
        other = others.get(name)
        replacements = [HUGE_ID, "-5", "abc", "0"]
        if valid.role in ("therapist", "group_facilitator") and other is not None:
            replacements.insert(0, str(other))
        for value in replacements:
            path = "/".join(value if n == position else p for n, p in enumerate(own_parts))
            before = corpus.row_counts()
            response = checker.send(
                label, valid.role, method, path, query_string=valid.query, json=valid.body
            )
            checker.check(label, f"path {name}={value}", response, before, refused=(404,))


def _body_attacks(checker: Checker, label: str, valid: Request) -> None:
    """The body as a form, as text, malformed, as an array, and over the size limit."""
    kinds: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
        # 409 where the object's state refuses any body (a consent withdrawn already).
        ("as a form", {"data": {"a": "b"}}, (400, 409, 415, 422)),
        ("as text", {"data": "given_name=x", "content_type": "text/plain"}, (400, 409, 415, 422)),
        (
            "malformed JSON",
            {"data": '{"a": [1, ', "content_type": "application/json"},
            (400, 409, 422),
        ),
        ("a JSON array", {"json": [valid.body]}, (400, 409, 422)),
        (
            "over the size limit",
            {"data": "[" + " " * (BODY_LIMIT + 10) + "]", "content_type": "application/json"},
            (413,),
        ),
    ]
    for what, body, refused in kinds:
        before = corpus.row_counts()
        response = checker.send(label, valid.role, "POST", valid.path, **body)
        # A POST without a body of its own (the audit verification) may ignore what is sent,
        # except one over the size limit.
        expected = refused if valid.body is not None or "limit" in what else ()
        checker.check(label, what, response, before, refused=expected)


@pytest.mark.parametrize(("method", "template"), _operations())
def test_every_api_field_survives_the_bad_input_corpus(
    checker: Checker, method: str, template: str
) -> None:
    requests = _valid_requests()
    assert (method, template) in requests, f"add a valid {method} {template} request here"
    valid = requests[(method, template)]
    label = f"{method} {template}"
    first = checker.send(
        label, valid.role, method, valid.path, query_string=valid.query, json=valid.body
    )
    assert first.status_code < 400, (label, first.status_code, first.get_data(as_text=True))
    if valid.body is not None:
        _body_field_attacks(checker, label, method, valid)
    _query_attacks(checker, label, method, valid)
    others = {
        "therapist": demo_parts.facilitators_part(),
        "group_facilitator": demo_parts.therapists_part(),
    }.get(valid.role, {})
    _path_id_attacks(checker, label, method, template, valid, others)
    if method == "POST":
        _body_attacks(checker, label, valid)
    assert not checker.failures, "\n".join(checker.failures)
