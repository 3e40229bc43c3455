"""One commit point per request: views and operations only flush.

A response below 400 commits; anything else (a 4xx answer, an exception) rolls back, so a bad
request changes nothing. The access log is written in both cases.
"""

from __future__ import annotations

from flask import Flask, Response

from clinic_consent.audit.access_log import write_noted_accesses
from clinic_consent.extensions import db


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
    app.after_request(_finish)
    app.teardown_request(_roll_back_on_error)
