"""Where the API lives; imported by modules that answer API requests differently."""

from __future__ import annotations

from flask import has_request_context, request

API_PREFIX = "/api/v1"
OPENAPI_ENDPOINT = "api-docs.openapi_json"


def is_api_request() -> bool:
    return has_request_context() and (
        request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
    )
