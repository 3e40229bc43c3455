"""The user's page of personal API tokens: make one (its secret shown once), revoke one.

A plain page, not part of the API: it is signed in with the session cookie and protected by
the CSRF token like every other page. The new secret is only in the response that made it:
never flashed or put in the session (the cookie is signed, not encrypted), and the page is
not cached (session_security sends Cache-Control: no-store).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.api.forms import NewTokenForm
from clinic_consent.api.tokens import MAX_ACTIVE_TOKENS, create_token, revoke_token
from clinic_consent.audit.access_log import note_access
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import ApiToken
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")

Page = Response | tuple[str, int]

STATUS_LABELS = {"active": _l("active"), "expired": _l("expired"), "revoked": _l("revoked")}


def token_status(token: ApiToken, at: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.is_usable(at) else "expired"


def _page(form: NewTokenForm, status: int = 200, secret: str | None = None) -> tuple[str, int]:
    tokens = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == access.user().id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    now = now_utc()
    return render_template(
        "account/tokens.html",
        tokens=[(token, token_status(token, now)) for token in tokens],
        status_labels=STATUS_LABELS,
        form=form,
        secret=secret,
        max_tokens=MAX_ACTIVE_TOKENS,
    ), status


@bp.get("")
def index() -> Page:
    return _page(NewTokenForm())


@bp.post("")
def create() -> Page:
    form = NewTokenForm()
    if form.validate():
        try:
            _token, secret = create_token(
                access.user(), name=form.name.data or "", days=form.days.data
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            # The one and only time the secret is shown; the form starts empty again.
            return _page(NewTokenForm(formdata=None), 201, secret=secret)
    return _page(form, 422)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    who = access.user()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != who.id:
        # Someone else's token (or none): a 404 either way, and an attempt worth logging.
        note_access(
            "api_token.revoke",
            object_type="api_tokens",
            object_id=token_id,
            action="update",
            outcome="denied",
        )
        abort(404)
    try:
        revoke_token(token, actor=who)
    except OperationError as error:
        flash(_("The token was not revoked: %(reason)s.", reason=error.message), "error")
    else:
        flash(_("The token %(name)s was revoked; it no longer works.", name=token.name), "info")
    return redirect(url_for("tokens.index"), 303)
