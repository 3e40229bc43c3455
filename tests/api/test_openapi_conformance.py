"""schemathesis against the OpenAPI document: every operation, with a valid token, answers
without a server error and exactly as the document says (status, content type, headers, body).

Each operation is one test, run on the demo practice with the token of a therapist (clinical
data; 403 on the reports) and of the practice manager (the reports; 403 on writes), so that
both sides of every operation run. The operations are read from the document itself, so an
endpoint added later is fuzzed without a change here.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic_consent import create_app
from clinic_consent.api.paths import API_PREFIX, OPENAPI_ENDPOINT
from clinic_consent.demo import DemoResult
from tests.api.conftest import token_of, user_of_role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
OPENAPI_PATH = "/api/v1/openapi.json"
EXAMPLES_PER_OPERATION = 40


def _operation_labels() -> list[str]:
    """The document's operations, read from an app without a database (collection time)."""
    app = create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)
    return [result.ok().label for result in schema.get_all_operations()]


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    document = client.get(OPENAPI_PATH).get_json()
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document)  # refuses an invalid document


def test_every_api_route_is_documented_with_its_errors(app: Flask, client: FlaskClient) -> None:
    """No route of the API can be added without its place in the document."""
    paths = client.get(OPENAPI_PATH).get_json()["paths"]
    routes = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/") or rule.endpoint == OPENAPI_ENDPOINT:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = paths[path][method.lower()]
            assert operation.get("summary"), (method, path)
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            assert "401" in responses, (method, path)
            if rule.arguments:
                assert "404" in responses, (method, path)
            routes += 1
    assert routes >= 15


@pytest.mark.parametrize("label", _operation_labels())
def test_every_operation_answers_as_documented(app: Flask, demo: DemoResult, label: str) -> None:
    bearers = [
        {"Authorization": f"Bearer {token_of(user_of_role(role), days=365)}"}
        for role in ("therapist", "practice_manager")
    ]
    method, path = label.split(" ", 1)
    operation = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        for bearer in bearers:
            case.call_and_validate(headers=bearer, checks=CHECKS)

    answers_as_documented()
