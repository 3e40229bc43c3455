"""Sign in, sign out, change password, pick the language."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.operations import log_change
from clinic_consent.auth import lockout, sign_in, two_factor
from clinic_consent.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, TwoFactorCodeForm
from clinic_consent.auth.rate_limits import sign_in_limited
from clinic_consent.auth.session_security import is_safe_next, start_session
from clinic_consent.users.operations import change_password, find_user_by_email
from clinic_consent.users.passwords import verify_password

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited
def login() -> Response | tuple[str, int] | str:
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("web.home"))  # to switch users, sign out first
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form, 422 if request.method == "POST" else 200)
    user = find_user_by_email(form.email.data or "")
    if (
        user is None
        or not user.is_active
        or lockout.is_locked(user)  # its password is not even checked
        or not verify_password(user.password_hash, form.password.data or "")
    ):
        sign_in.note_failure(user if user is not None and user.is_active else None)
        flash(_("The e-mail address or password is not correct."), "error")
        # 200, not 4xx: the failed-attempt counter and the access log must be kept.
        return _login_page(form, 200)
    target = form.next.data if form.next.data and is_safe_next(form.next.data) else None
    if user.needs_two_factor:
        sign_in.await_second_factor(user, target)
        return redirect(url_for("auth.second_factor"))
    sign_in.complete(user)
    return redirect(target or url_for("web.home"))


def _login_page(form: LoginForm, status: int) -> tuple[str, int]:
    return render_template(
        "auth/login.html",
        form=form,
        max_failures=lockout.MAX_FAILED_SIGN_INS,
        lock_minutes=lockout.LOCK_DURATION.seconds // 60,
    ), status


@bp.route("/login/code", methods=["GET", "POST"])
@sign_in_limited
def second_factor() -> Response | tuple[str, int] | str:
    pending = sign_in.pending_sign_in()
    if pending is None:
        sign_in.forget_pending()
        flash(_("Please sign in with your e-mail address and password first."), "info")
        return redirect(url_for("auth.login"))
    user = pending.user
    form = TwoFactorCodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return _second_factor_page(form, pending), status
    if not lockout.is_locked(user) and two_factor.accept_code(
        user, form.code.data or "", pending.new_secret
    ):
        if pending.new_secret is not None:
            user.totp_secret = pending.new_secret
            log_change("user.two_factor_enrolled", user, user)
        sign_in.complete(user)
        return redirect(pending.next or url_for("web.home"))
    sign_in.note_failure(user)
    if lockout.is_locked(user):
        sign_in.forget_pending()
        flash(_("The e-mail address or password is not correct."), "error")
        return redirect(url_for("auth.login"))
    form.code.errors.append(_("This code is not correct, or was used already. Try the next one."))
    return _second_factor_page(form, pending), 200  # 200: the failure count must be kept


def _second_factor_page(form: TwoFactorCodeForm, pending: sign_in.PendingSignIn) -> str:
    enrolment = None
    if pending.new_secret is not None:
        uri = two_factor.provisioning_uri(
            pending.new_secret, pending.user.email, current_app.config["PRACTICE_NAME"]
        )
        enrolment = {
            "qr_code": two_factor.qr_code_svg(uri),
            "secret": two_factor.grouped(pending.new_secret),
        }
    return render_template("auth/second_factor.html", form=form, enrolment=enrolment)


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
            # This session goes on (with the code it was signed in with); every other one ends.
            start_session(who, second_factor=bool(session.get("second_factor")))
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
