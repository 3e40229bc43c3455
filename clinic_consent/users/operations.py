"""Creating and changing users."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from clinic_consent.audit.operations import log_change
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.users.models import USER_ROLES, User
from clinic_consent.users.passwords import MIN_PASSWORD_LENGTH, hash_password
from clinic_consent.validation import one_of, required_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperationError(
            "password", _l("must be at least %(n)s characters", n=MIN_PASSWORD_LENGTH)
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()


def create_user(
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    language: str = "nl",
    actor: User | None = None,
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise OperationError("email", _l("is not a valid e-mail address"))
    if find_user_by_email(email) is not None:
        raise OperationError("email", _l("is already in use"))
    display_name = display_name.strip()
    if not display_name or len(display_name) > 200:
        raise OperationError("display_name", _l("must be 1 to 200 characters"))
    one_of(role, USER_ROLES, "role")
    one_of(language, LANGUAGES, "language")
    check_password_strength(password)
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        language=language,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    log_change("user.created", user, actor, role=role)
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every session of the user (the caller signs this one in)."""
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.end_all_sessions()
    log_change("user.password_changed", user, user)


def reset_two_factor(user: User, actor: User) -> None:
    """Forget the user's authenticator (a lost phone): they set up a new one at next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
    user.end_all_sessions()
    log_change("user.two_factor_reset", user, actor)


def update_user(
    user: User, *, display_name: str, role: str, language: str, actor: User
) -> list[str]:
    """Change a user's name, role and language; returns the names of the fields changed."""
    values = {
        "display_name": required_text(display_name, "display_name"),
        "role": one_of(role, USER_ROLES, "role"),
        "language": one_of(language, LANGUAGES, "language"),
    }
    if user.id == actor.id and values["role"] != user.role:
        # Keeps at least one administrator: the one acting can never demote themselves.
        raise OperationError("role", _l("you cannot change your own role"))
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if changed:
        previous_role = user.role
        for name in changed:
            setattr(user, name, values[name])
        log_change(
            "user.updated",
            user,
            actor,
            changed=changed,
            role=user.role,
            previous_role=previous_role,
        )
    return changed


def set_user_active(user: User, active: bool, *, actor: User) -> bool:
    """(De)activate a user; deactivating also ends their sessions. Returns whether it changed."""
    if not active and user.id == actor.id:
        raise OperationError(None, _l("you cannot deactivate yourself"))
    if user.is_active == active:
        return False
    user.is_active = active
    if not active:
        user.end_all_sessions()  # a signed-in browser of theirs stops working at once
    log_change("user.reactivated" if active else "user.deactivated", user, actor, role=user.role)
    return True
