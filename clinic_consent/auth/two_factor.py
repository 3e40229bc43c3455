"""Two-factor sign-in with time-based one-time codes (RFC 6238, any authenticator app).

Practice managers and administrators read the access log and manage users, so a password is
not enough for them (NEN 7513, ASVS 2.7). A code is accepted once: the time step of the last
accepted code is stored, and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import time

import pyotp
import segno
from sqlalchemy import or_, update

from clinic_consent.extensions import db
from clinic_consent.users.models import User

ISSUER = "clinic-consent"
# One step either side: a phone clock 30 seconds off still signs in.
VALID_WINDOW = 1
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_code_svg(uri: str) -> str:
    """The otpauth:// address as an SVG data URI for an <img> (the CSP allows data: images)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalised_code(code: str) -> str:
    return "".join(code.split())


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code ``code`` is, within the window; None if it matches none."""
    code = normalised_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if totp.verify(code, for_time=step * STEP_SECONDS, valid_window=0):
            return step
    return None


def accept_code(user: User, code: str, secret: str | None = None) -> bool:
    """Whether ``code`` signs ``user`` in now; an accepted code can never be used again.

    ``secret`` is the one being enrolled, before it is stored on the user.
    """
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    # One UPDATE, so that two requests racing with the same code cannot both win.
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(user, ["totp_last_step"])
    return claimed is not None
