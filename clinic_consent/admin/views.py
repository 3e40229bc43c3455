"""Pages of the admin area: users and the practice settings. Administrators only (404 else)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.admin.forms import (
    ROLE_LABELS,
    ActiveForm,
    ConfirmForm,
    NewUserForm,
    SettingsForm,
    UserForm,
)
from clinic_consent.auth import lockout
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.i18n import LANGUAGE_NAMES
from clinic_consent.practice.models import SETTINGS_ID, PracticeSettings
from clinic_consent.practice.operations import ensure_practice_settings, update_practice_settings
from clinic_consent.users.models import User
from clinic_consent.users.operations import (
    create_user,
    reset_two_factor,
    set_user_active,
    update_user,
)
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = Response | tuple[str, int]


@bp.before_request
def _administrators_only() -> None:
    access.require_administrator()


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _users_page(form: NewUserForm, status: int = 200) -> tuple[str, int]:
    users = db.session.scalars(select(User).order_by(User.display_name, User.id)).all()
    return render_template(
        "admin/users.html",
        users=users,
        form=form,
        me=access.user(),
        role_labels=ROLE_LABELS,
        language_names=LANGUAGE_NAMES,
    ), status


@bp.get("/users")
def users() -> Page:
    return _users_page(NewUserForm(language=current_app.config.get("BABEL_DEFAULT_LOCALE")))


@bp.post("/users")
def create() -> Page:
    form = NewUserForm()
    if form.validate():
        try:
            user = create_user(
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                role=form.role.data,
                language=form.language.data,
                password=form.password.data or "",
                actor=access.user(),
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("User %(email)s was created.", email=user.email), "info")
            return redirect(url_for("admin.users"))
    return _users_page(form, 422)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int) -> Page:
    user = _load_user(user_id)
    form = UserForm(obj=user)
    if request.method == "POST":
        if form.validate():
            try:
                update_user(
                    user,
                    display_name=form.display_name.data or "",
                    role=form.role.data,
                    language=form.language.data,
                    actor=access.user(),
                )
            except OperationError as error:
                show_refusal(form, error)
            else:
                flash(_("The user was saved."), "info")
                return redirect(url_for("admin.users"))
        return _edit_page(user, form, 422)
    return _edit_page(user, form, 200)


def _edit_page(user: User, form: UserForm, status: int) -> tuple[str, int]:
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        action_form=ConfirmForm(),
        locked=lockout.is_locked(user),
    ), status


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int) -> Page:
    user = _load_user(user_id)
    if not ConfirmForm().validate():
        abort(400)
    if lockout.unlock(user, access.user()):
        flash(_("%(email)s can sign in again.", email=user.email), "info")
    return redirect(url_for("admin.edit", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-code")
def reset_code(user_id: int) -> Page:
    user = _load_user(user_id)
    if not ConfirmForm().validate():
        abort(400)
    reset_two_factor(user, access.user())
    flash(
        _("%(email)s sets up a new sign-in code at their next sign-in.", email=user.email), "info"
    )
    return redirect(url_for("admin.edit", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
def active(user_id: int) -> Page:
    user = _load_user(user_id)
    form = ActiveForm()
    if not form.validate():
        flash(_("Choose to deactivate or to reactivate. Nothing was changed."), "error")
        return _users_page(NewUserForm(), 422)
    try:
        changed = set_user_active(user, form.active.data == "1", actor=access.user())
    except OperationError as error:
        flash(str(error.message), "error")
        return _users_page(NewUserForm(), 422)
    if changed:
        message = (
            _("%(email)s can sign in again.", email=user.email)
            if user.is_active
            else _("%(email)s was deactivated and signed out.", email=user.email)
        )
        flash(message, "info")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Page:
    # A GET shows the row or, before the first save, the configured name; only a POST creates it.
    practice = db.session.get(PracticeSettings, SETTINGS_ID)
    name = current_app.config.get("PRACTICE_NAME") or ""
    form = SettingsForm(
        obj=practice,
        name=practice.name if practice else name,
        waiting_room_notice_up=bool(practice and practice.waiting_room_notice_confirmed_at),
    )
    if request.method == "GET":
        return render_template("admin/settings.html", form=form, practice=practice), 200
    if form.validate():
        practice = ensure_practice_settings(name)
        try:
            update_practice_settings(
                practice,
                name=form.name.data or "",
                address=form.address.data or "",
                agb_code=form.agb_code.data,
                default_language=form.default_language.data,
                waiting_room_notice_up=bool(form.waiting_room_notice_up.data),
                actor=access.user(),
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The practice settings were saved."), "info")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, practice=practice), 422
