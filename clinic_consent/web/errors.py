"""Error pages: a clear message, never data, never a stack trace (the API's: problem+json)."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from clinic_consent.api import problems
from clinic_consent.api.paths import is_api_request
from clinic_consent.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was changed.")),
    403: (_l("Not allowed"), _l("Your role does not allow this. Nothing was changed.")),
    404: (_l("Not found"), _l("This page does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("This page cannot be used like this. Nothing was changed.")),
    413: (_l("Too large"), _l("What you sent is too large. Nothing was changed.")),
    429: (
        _l("Too many requests"),
        _l("Too many requests in a short time. Nothing was changed; wait a minute and try again."),
    ),
    500: (_l("Something went wrong"), _l("An error occurred. Nothing was changed; try again.")),
}
CSRF_MESSAGE = _l(
    "The form had expired, or was opened in another window. Nothing was saved: "
    "please fill it in again."
)


def _page(code: int, message: object | None = None) -> tuple[str, int]:
    title, default = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default
    ), code


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if is_api_request():
        return problems.from_http_exception(error)
    return _page(error.code or 500)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _page(400, CSRF_MESSAGE)


def _server_error(error: Exception) -> ResponseReturnValue:
    # The failed transaction first: on PostgreSQL an error inside it leaves it aborted, and the
    # page's own queries (the practice's name) would fail too, with no page at all.
    db.session.rollback()
    if is_api_request():
        return problems.problem(500)
    return _page(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
