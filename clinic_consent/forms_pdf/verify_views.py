"""A practice manager uploads a PDF and sees whether it is one of the practice's sealed forms.

The answer is the command line's (``clinic-consent pdf verify``), worded by describe.py. Nothing
of the upload is stored; a file that turns out to be a stored form is noted in the access log,
since the manager then sees which form, and so which client, it is about.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.forms_pdf.describe import Answer, describe, document_client_id
from clinic_consent.forms_pdf.verification import verify_pdf

bp = Blueprint("verify", __name__)

Page = tuple[str, int]


class VerifyForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no types (see *.forms)
    pdf = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose the PDF file to check."))])


@bp.before_request
def _practice_managers_only() -> None:
    if not access.is_auditor(access.user()):
        abort(404)


def _page(form: VerifyForm, answer: Answer | None = None, status: int = 200) -> Page:
    return render_template(
        "verify/index.html", form=form, answer=answer, links=_links(answer) if answer else []
    ), status


def _links(answer: Answer) -> list[tuple[str, str]]:
    """Where the manager goes from a matched form: the stored original, and its recording."""
    links = []
    if answer.document_id is not None:
        links.append(
            (url_for("documents.show", document_id=answer.document_id), _("The stored form"))
        )
    if answer.recording_id is not None:
        links.append(
            (url_for("recordings.show", recording_id=answer.recording_id), _("Its recording"))
        )
    return links


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Page:
    # Also raised before the view (the CSRF check reads the form): the blueprint's handler
    # still answers, with the page rather than a bare error.
    form = VerifyForm(formdata=None)
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    form.pdf.errors = [
        _(
            "This file is too large to check here (at most %(size)s bytes). The practice's "
            "forms are much smaller: is it the right file? Nothing was stored.",
            size=format_decimal(limit),
        )
    ]
    return _page(form, status=413)


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> Page:
    form = VerifyForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    upload: FileStorage = form.pdf.data
    verification = verify_pdf(upload.read())
    answer = describe(verification, upload.filename or None)
    if not answer.readable:
        form.pdf.errors = [_("%(problem)s Nothing was stored.", problem=answer.headline)]
        return _page(form, status=422)
    document = verification.document
    if document is not None:
        note_access(
            "stored_documents.verify",
            object_type="stored_documents",
            object_id=document.id,
            client_id=document_client_id(document),
        )
    return _page(VerifyForm(formdata=None), answer)
