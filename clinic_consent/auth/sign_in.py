"""The steps of signing in: the password, then for some roles a one-time code.

Between the two steps nobody is signed in: the session only remembers, for five minutes, whose
password was right (and, at a first sign-in, the secret being enrolled).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import session

from clinic_consent.audit.access_log import note_access
from clinic_consent.auth import lockout, two_factor
from clinic_consent.auth.session_security import start_session
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User

PENDING_KEY = "password_verified"
PENDING_SECONDS = 5 * 60


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    next: str | None
    # Set at a first sign-in: the secret shown to the user, stored once a code from it works.
    new_secret: str | None


def await_second_factor(user: User, target: str | None) -> None:
    session.clear()  # nothing of an earlier session carries over
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "since": time.time(),
        "next": target,
        "secret": None if user.totp_secret else two_factor.new_secret(),
    }


def pending_sign_in() -> PendingSignIn | None:
    """Whose password was right, if that was recently enough and nothing changed since."""
    state = session.get(PENDING_KEY)
    if not isinstance(state, dict) or not isinstance(state.get("since"), int | float):
        return None
    if time.time() - state["since"] > PENDING_SECONDS or not isinstance(state.get("user"), int):
        return None
    user = db.session.get(User, state["user"])
    if user is None or not user.is_active or user.session_version != state.get("version"):
        return None
    secret = state.get("secret") if user.totp_secret is None else None
    if user.totp_secret is None and not isinstance(secret, str):
        return None
    return PendingSignIn(user, state.get("next"), secret)


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)


def complete(user: User) -> None:
    """Sign ``user`` in: the counters reset, a fresh session, one access-log line."""
    lockout.record_success(user)
    user.last_login_at = now_utc()
    start_session(user, second_factor=user.needs_two_factor)
    note_access("login", object_type="users", object_id=user.id, action="execute")


def note_failure(user: User | None) -> bool:
    """A failed attempt, counted against the account; returns whether it locked it now."""
    note_access("login", object_type="users", object_id=None, action="execute", outcome="denied")
    return lockout.record_failure(user) if user is not None else False
