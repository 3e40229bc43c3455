"""Who may reach what, per request: deny by default, time-outs, and headers for health data.

Every page needs a signed-in user except the ones in PUBLIC_ENDPOINTS; the API under /api/v1
signs its requests in with tokens instead (api.authentication). A session ends after
30 minutes without a request and 12 hours after sign-in, whatever happens in between.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from clinic_consent.api.paths import is_api_request
from clinic_consent.extensions import db, login_manager
from clinic_consent.users.models import User

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.second_factor", "web.health", "static"})
IDLE_TIMEOUT = timedelta(minutes=30)
HSTS = "max-age=31536000; includeSubDomains"
ABSOLUTE_TIMEOUT = timedelta(hours=12)

# No inline script or style anywhere: every page works under this policy.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


def load_user(user_id: str) -> User | None:
    """The cookie holds "id:session_version"; an outdated version is a dead session."""
    raw_id, _sep, version = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return user


def start_session(user: User, *, second_factor: bool = False) -> None:
    """A fresh session at sign-in (no fixation), with its clocks started.

    ``second_factor`` says that a one-time code was given: sessions of the roles that need one
    are refused without it (auth.two_factor).
    """
    from flask_login import login_user

    session.clear()
    login_user(user)
    session.permanent = True
    now = time.time()
    session["login_at"] = now
    session["last_seen"] = now
    if second_factor:
        session["second_factor"] = True


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target


def _expired() -> bool:
    now = time.time()
    login_at = session.get("login_at")
    last_seen = session.get("last_seen")
    if not isinstance(login_at, int | float) or not isinstance(last_seen, int | float):
        return True
    return (
        now - login_at > ABSOLUTE_TIMEOUT.total_seconds()
        or now - last_seen > IDLE_TIMEOUT.total_seconds()
    )


def _require_login() -> BaseResponse | None:
    if request.endpoint in PUBLIC_ENDPOINTS or is_api_request():
        return None  # the API signs its requests in with tokens (api.authentication)
    if not current_user.is_authenticated:
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
    if _expired() or (current_user.needs_two_factor and not session.get("second_factor")):
        # A session from before the role needed a code (or before an upgrade) ends too.
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    session["last_seen"] = time.time()
    return None


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if current_app.config["CLINIC_CONSENT_ENV"] == "production":
        # Production runs behind https only: browsers must never try plain http for a year.
        response.headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        # Pages may hold health data: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", ABSOLUTE_TIMEOUT)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(0))
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.session_protection = None  # the session version does this job
    app.before_request(_require_login)
    app.after_request(_security_headers)
