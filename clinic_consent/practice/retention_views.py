"""Administrators edit the retention classes (how long a kind of recording is kept, R8).

Administrators only (404 for everyone else). A class that recordings use is not deleted but
deactivated: it stays on those recordings, and can no longer be chosen for new ones.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.operations import (
    create_retention_class,
    delete_retention_class,
    stored_text,
    update_retention_class,
)
from clinic_consent.practice.retention_forms import (
    PERIOD_KINDS,
    NewRetentionClassForm,
    RetentionClassForm,
)
from clinic_consent.recordings.forms import ConfirmForm
from clinic_consent.recordings.models import Recording, RetentionClass
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")

Page = Response | tuple[str, int]


@bp.before_request
def _administrators_only() -> None:
    access.require_administrator()


def _load_class(class_id: int) -> RetentionClass:
    found = db.session.get(RetentionClass, class_id)
    if found is None:
        abort(404)
    return found


def _usage() -> dict[int, int]:
    """How many recordings use each class (counts only: no clinical data on this page)."""
    rows = db.session.execute(
        select(Recording.retention_class_id, func.count())
        .where(Recording.retention_class_id.is_not(None))
        .group_by(Recording.retention_class_id)
    )
    return {class_id: count for class_id, count in rows if class_id is not None}


def _period_kind(found: RetentionClass) -> str:
    if found.follows_medical_file:
        return "medical_file"
    return "days" if found.period_days is not None else "none"


def _index_page(form: NewRetentionClassForm, status: int = 200) -> tuple[str, int]:
    classes = db.session.scalars(
        select(RetentionClass).order_by(RetentionClass.active.desc(), RetentionClass.code)
    ).all()
    return render_template(
        "retention/index.html",
        classes=classes,
        usage=_usage(),
        form=form,
        confirm_form=ConfirmForm(formdata=None),
        period_kind=_period_kind,
        PERIOD_KINDS=PERIOD_KINDS,
        stored_text=stored_text,
    ), status


@bp.get("/")
def index() -> Page:
    return _index_page(NewRetentionClassForm(formdata=None))


@bp.post("/")
def create() -> Page:
    form = NewRetentionClassForm()
    if form.validate():
        try:
            created = create_retention_class(
                form.code.data or "", form.values(), actor=access.user()
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("Retention class %(code)s was created.", code=created.code), "info")
            return redirect(url_for("retention.index"), 303)
    return _index_page(form, 422)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id: int) -> Page:
    found = _load_class(class_id)
    if request.method == "GET":
        form = RetentionClassForm(
            formdata=None,
            obj=found,
            name=stored_text(found.name),
            basis=stored_text(found.basis),
            period_kind=_period_kind(found),
        )
        return _edit_page(found, form, 200)
    form = RetentionClassForm()
    if form.validate():
        try:
            changed = update_retention_class(found, form.values(), actor=access.user())
        except OperationError as error:
            show_refusal(form, error)
        else:
            if changed:
                flash(_("The retention class was saved."), "info")
            return redirect(url_for("retention.index"), 303)
    return _edit_page(found, form, 422)


def _edit_page(found: RetentionClass, form: RetentionClassForm, status: int) -> tuple[str, int]:
    return render_template(
        "retention/edit.html",
        retention_class=found,
        form=form,
        in_use=_usage().get(found.id, 0),
        confirm_form=ConfirmForm(formdata=None),
    ), status


@bp.post("/<int:class_id>/delete")
def delete(class_id: int) -> Page:
    found = _load_class(class_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; nothing was deleted. Please try again."), "error")
        return _index_page(NewRetentionClassForm(formdata=None), 422)
    code = found.code
    try:
        delete_retention_class(found, actor=access.user())
    except OperationError as error:
        flash(str(error.message), "error")
        return _index_page(NewRetentionClassForm(formdata=None), 422)
    flash(_("Retention class %(code)s was deleted.", code=code), "info")
    return redirect(url_for("retention.index"), 303)
