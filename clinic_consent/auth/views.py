"""Sign in, sign out, change password, pick the language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from clinic_consent.auth.session_security import is_safe_next, start_session
from clinic_consent.timeutil import now_utc
from clinic_consent.users.operations import change_password, find_user_by_email
from clinic_consent.users.passwords import verify_password

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("web.home"))  # to switch users, sign out first
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    user = find_user_by_email(form.email.data or "")
    if (
        user is None
        or not user.is_active
        or not verify_password(user.password_hash, form.password.data or "")
    ):
        if user is not None:
            user.failed_login_count += 1
        note_access(
            "login", object_type="users", object_id=None, action="execute", outcome="denied"
        )
        flash(_("The e-mail address or password is not correct."), "error")
        # 200, not 4xx: the failed-attempt counter and the access log must be kept.
        return render_template("auth/login.html", form=form), 200
    user.failed_login_count = 0
    user.last_login_at = now_utc()
    start_session(user)
    note_access("login", object_type="users", object_id=user.id, action="execute")
    target = form.next.data
    return redirect(target if target and is_safe_next(target) else url_for("web.home"))


@bp.post("/logout")
def logout() -> Response:
    access.user().end_all_sessions()  # a copy of the cookie no longer works
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        who = access.user()
        if not verify_password(who.password_hash, form.current_password.data or ""):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            change_password(who, form.new_password.data or "")
            start_session(who)  # this session goes on; every other one ends
            flash(_("Your password has been changed. Other sessions have been signed out."), "info")
            return redirect(url_for("web.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.post("/account/language")
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        access.user().language = form.language.data
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for("web.home"))
