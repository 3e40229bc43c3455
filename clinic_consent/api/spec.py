"""The flask-smorest Api, set up for this application.

flask-smorest generates the OpenAPI 3.1 document from the views' decorators. Two things differ
from its defaults: errors are ``application/problem+json`` documented by ProblemSchema, and
error handling stays with the application (which answers web pages with HTML and API requests
with problems), so the Api registers no error handler of its own.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec.utils import build_reference
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from clinic_consent.api.paths import API_PREFIX
from clinic_consent.api.problems import PROBLEM_MIMETYPE
from clinic_consent.api.schemas.common import ProblemSchema

SECURITY_SCHEME = "bearerToken"
DOCUMENTED_ERRORS = frozenset({400, 401, 403, 404, 409, 415, 422})
DESCRIPTION = """\
Consent for recording treatment sessions: the rule set's verdict, clients, sessions,
recordings, consents and their sealed forms, the retention report and the audit chain status,
and consents as FHIR R5 Consent resources.

Every operation needs a personal API token, made on the user's account page, sent as
`Authorization: Bearer <token>`. A token acts as its user: it reaches what that user reaches on
the web pages, and every call is written to the access log. Errors are
`application/problem+json` (RFC 9457); `field` names the input at fault.
"""


def config(app: Flask) -> None:
    app.config.update(
        API_TITLE="clinic-consent API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{SECURITY_SCHEME: []}],
        },
    )


class ClinicApi(Api):
    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def _register_error_handlers(self) -> None:
        """The application's own handlers answer (see api.app)."""

    def _register_responses(self) -> None:
        """A problem+json response component for every error status, and a default one."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            # The ones operations name through error_responses() must be there from the start.
            lazy = status not in DOCUMENTED_ERRORS
            self.spec.components.response(status.name, response, lazy=lazy)
        default = {"description": "An error, as a problem", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {"type": "http", "scheme": "bearer", "description": "A personal API token"},
        )


def error_responses(*statuses: int) -> dict[str, Any]:
    """The error responses an operation documents, by reference, for ``@blp.doc``."""
    assert set(statuses) <= DOCUMENTED_ERRORS, statuses
    return {
        "responses": {
            str(status): build_reference("response", 3, HTTPStatus(status).name)
            for status in statuses
        }
    }
