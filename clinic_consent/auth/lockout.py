"""Account lock-out: five failed sign-ins in a row lock an account for fifteen minutes.

The count lives in the users table and is raised by one UPDATE in the database, so it bounds the
guesses against one account across every worker and server, with or without Redis (the rate
limits in auth.rate_limits count per address; this counts per account). Wrong passwords and
wrong two-factor codes count alike. While an account is locked its password is not even
checked: otherwise the answer would tell a guesser that a guess was right.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from clinic_consent.audit.operations import log_change
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User

MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)


def is_locked(user: User, at: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (at or now_utc())


def record_failure(user: User) -> bool:
    """Count one failed sign-in; returns whether this one locked the account (audited)."""
    failures = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.refresh(user, ["failed_login_count"])
    if failures < MAX_FAILED_SIGN_INS:
        return False
    user.locked_until = now_utc() + LOCK_DURATION
    user.failed_login_count = 0
    log_change("user.locked", user, None, failures=failures, minutes=LOCK_DURATION.seconds // 60)
    return True


def record_success(user: User) -> None:
    user.failed_login_count = 0
    user.locked_until = None


def unlock(user: User, actor: User) -> bool:
    """An administrator lifts a lock before it ends; returns whether there was one."""
    if not is_locked(user):
        return False
    record_success(user)
    log_change("user.unlocked", user, actor)
    return True
