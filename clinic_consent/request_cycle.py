"""One commit point per request: views and operations only flush.

A response below 400 commits; anything else (a 4xx answer, an exception) rolls back, so a bad
request changes nothing. The access log is written in both cases.

A body over MAX_CONTENT_LENGTH is refused (413) before any view runs, also where the view
would not read it: werkzeug enforces the limit only on reading the body.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

from clinic_consent.audit.access_log import write_noted_accesses
from clinic_consent.extensions import db


def _refuse_oversized() -> None:
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        abort(413)


def _finish(response: Response) -> Response:
    if response.status_code >= 400:
        db.session.rollback()
    write_noted_accesses()
    db.session.commit()
    return response


def _roll_back_on_error(error: BaseException | None) -> None:
    if error is not None:
        db.session.rollback()


def init_app(app: Flask) -> None:
    app.before_request(_refuse_oversized)
    app.after_request(_finish)
    app.teardown_request(_roll_back_on_error)
