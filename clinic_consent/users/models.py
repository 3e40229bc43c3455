"""Users and API tokens. Credentials are stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, column
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from clinic_consent.db import Base
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.timeutil import now_utc

USER_ROLES: Final = ("therapist", "group_facilitator", "practice_manager", "administrator")
CLINICAL_ROLES: Final = ("therapist", "group_facilitator")
# They read the access log (NEN 7513) and manage users: a password alone is not enough.
TWO_FACTOR_ROLES: Final = ("practice_manager", "administrator")


class User(Base):
    """A person who signs in. Users are deactivated, never deleted: the audit names them."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(column("role").in_(USER_ROLES), name="role_valid"),
        CheckConstraint(column("language").in_(LANGUAGES), name="language_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # An argon2 hash string; None until a password is set (e.g. an invited user).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Part of the login cookie: bumping it (logout, password change) invalidates old cookies.
    session_version: Mapped[int] = mapped_column(default=0)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Two-factor sign-in (auth.two_factor): the base32 secret once enrolled, and the time step
    # of the last code accepted, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    last_login_at: Mapped[datetime | None]

    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Flask-Login's user interface. The id it stores in the session cookie carries the
    # session version, so a cookie copied before logout or a password change stops working.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        self.session_version += 1

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        """Store e-mail addresses lowercased, so that uniqueness and login ignore case."""
        return value.strip().lower()


class ApiToken(Base):
    """A bearer token for the web API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so its owner can tell tokens apart; not a secret.
    hint: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def is_usable(self, at: datetime) -> bool:
        """Whether the token signs a request in at ``at``: not revoked and not expired."""
        return self.revoked_at is None and at < self.expires_at

    def revoke(self, at: datetime) -> None:
        if self.revoked_at is not None:
            raise ValueError(_l("this token is already revoked"))
        self.revoked_at = at
