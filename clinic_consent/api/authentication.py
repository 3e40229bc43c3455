"""Who is calling the API: a personal bearer token, and nothing else.

The session cookie never signs an API request in (so the API needs no CSRF token); a missing,
unknown, expired or revoked token is a 401, written to the access log as a denied attempt.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.wrappers import Response as BaseResponse

from clinic_consent.api.paths import OPENAPI_ENDPOINT, is_api_request
from clinic_consent.api.problems import problem
from clinic_consent.api.tokens import note_use, usable_token
from clinic_consent.audit.access_log import note_access
from clinic_consent.extensions import login_manager
from clinic_consent.timeutil import now_utc

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="clinic-consent API"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="clinic-consent API", error="invalid_token"'}


def bearer_secret() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def _authenticate() -> BaseResponse | None:
    if not is_api_request() or request.endpoint in (None, OPENAPI_ENDPOINT):
        return None
    # Not the cookie's user, whatever happens next.
    g._login_user = login_manager.anonymous_user()
    g.pop("api_token_id", None)
    secret = bearer_secret()
    now = now_utc()
    token = usable_token(secret, now) if secret is not None else None
    if token is None:
        note_access(
            "api.authenticate",
            object_type="api_tokens",
            object_id=None,
            action="execute",
            outcome="denied",
        )
        return problem(401, headers=CHALLENGE if secret is None else INVALID)
    g._login_user = token.user
    g.api_token_id = token.id
    note_use(token, now)
    return None


def _log_every_call(response: Response) -> Response:
    """A call that loaded no object (a list, a report, evaluate) is still one log entry."""
    if is_api_request() and g.get("api_token_id") is not None and not g.get("accesses"):
        note_access(
            f"api.{request.endpoint}",
            object_type="api",
            object_id=None,
            action="read" if request.method == "GET" else "execute",
            outcome="success" if response.status_code < 400 else "failure",
        )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_authenticate)
    app.after_request(_log_every_call)
