"""Errors as ``application/problem+json`` (RFC 9457), with the field at fault.

A problem names one field in ``field`` when one is at fault, and lists every field error in
``errors`` (the form a validation failure takes). The request cycle rolls back every answer of
400 and above, so an error never leaves half a change behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Response, abort
from jinja2.utils import htmlsafe_json_dumps
from werkzeug.exceptions import HTTPException

from clinic_consent.errors import OperationError

PROBLEM_MIMETYPE = "application/problem+json"

DETAILS = {
    400: "The request could not be read. Nothing was changed.",
    401: "A valid API token is required (Authorization: Bearer <token>).",
    403: "Your role does not allow this. Nothing was changed.",
    404: "This resource does not exist, or you may not see it.",
    405: "This method is not allowed on this resource.",
    409: "The resource's current state does not allow this. Nothing was changed.",
    413: "The request is too large. Nothing was changed.",
    415: "The request body must be JSON (Content-Type: application/json).",
    422: "The request has invalid fields. Nothing was changed.",
    429: "Too many requests; wait as long as Retry-After says. Nothing was changed.",
    500: "An error occurred. Nothing was changed; try again.",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, phrase),
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    # <, > and & as \u escapes: a detail may quote the value at fault (the facts' messages do),
    # and no markup sent in comes back as markup, whoever renders the answer.
    response = Response(
        str(htmlsafe_json_dumps(body, sort_keys=True)), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


def abort_problem(status: int, detail: str | None = None, *, field: str | None = None) -> NoReturn:
    abort(problem(status, detail, field=field, errors=_one(field, detail)))


def _one(field: str | None, detail: str | None) -> list[dict[str, str]] | None:
    return [{"field": field, "detail": detail or ""}] if field is not None else None


LOCATIONS = frozenset({"json", "query", "path", "headers", "form"})


def _field_name(path: tuple[str, ...]) -> str:
    """("json", "party") -> "party"; the location and marshmallow's "_schema" are dropped."""
    names = [p for p in path[1 if path and path[0] in LOCATIONS else 0 :] if p != "_schema"]
    return ".".join(names) or "body"


def _field_errors(messages: object, path: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """webargs' nested {"json": {"field": ["message"]}} as a flat list of field errors."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            yield from _field_errors(value, (*path, str(key)))
    elif isinstance(messages, list):
        for message in messages:
            yield from _field_errors(message, path)
    else:
        yield {"field": _field_name(path), "detail": str(messages)}


def from_http_exception(error: HTTPException) -> Response:
    """Any HTTP error raised while answering an API request, as a problem."""
    if isinstance(error.response, Response) and error.response.mimetype == PROBLEM_MIMETYPE:
        return error.response
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405:
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    errors = list(_field_errors(data.get("messages") or {}))
    if len(errors) == 1 and errors[0]["field"] == "body":
        # The body as a whole is at fault: not JSON, or not an object.
        return problem(status, errors[0]["detail"], headers=headers)
    field = errors[0]["field"] if len(errors) == 1 else None
    return problem(status, None, field=field, errors=errors or None, headers=headers)


@contextmanager
def refusals(**body_names: str) -> Iterator[None]:
    """An operation's refusal as a problem: a field at fault is 422, a refusal because of the
    object's state (no field: already withdrawn, destroyed, not needed) is 409.
    ``body_names`` renames an operation's field to the body's (``client="client_ids"``)."""
    try:
        yield
    except OperationError as error:
        if error.field is None:
            abort_problem(409, str(error.message))
        field = body_names.get(error.field, error.field)
        abort_problem(422, str(error.message), field=field)
