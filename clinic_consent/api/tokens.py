"""Personal API tokens: made and revoked by their user, shown once, stored as a hash.

A token is 256 random bits, so a plain SHA-256 of it is as good as a slow password hash and
lets a request find its token with one indexed look-up.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from clinic_consent.audit.operations import log_change
from clinic_consent.errors import OperationError, refused_transition
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import ApiToken, User
from clinic_consent.validation import required_text

TOKEN_PREFIX: Final = "cc_"  # noqa: S105 (a marker on every token, not a secret)
HINT_LENGTH: Final = len(TOKEN_PREFIX) + 6
EXPIRY_DAYS: Final = (30, 90, 365)
DEFAULT_EXPIRY_DAYS: Final = 90
MAX_ACTIVE_TOKENS: Final = 10
LAST_USED_PRECISION: Final = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def active_tokens(user: User, at: datetime | None = None) -> list[ApiToken]:
    at = at or now_utc()
    return [t for t in user.api_tokens if t.is_usable(at)]


def create_token(user: User, *, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token and its secret, which is not stored and cannot be shown again."""
    name = required_text(name, "name", 100)
    if days not in EXPIRY_DAYS:
        raise OperationError("days", _l("must be one of %(options)s", options="30, 90, 365"))
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise OperationError(
            None, _l("you have %(n)s active tokens; revoke one first", n=MAX_ACTIVE_TOKENS)
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = now_utc()
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(secret),
        hint=secret[:HINT_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    log_change("api_token.created", token, user, days=days)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User) -> None:
    with refused_transition():
        token.revoke(now_utc())
    log_change("api_token.revoked", token, actor)


@cache
def _token_with_user() -> Select[ApiToken]:
    """Built once (every API call asks it): the token by its hash, with its user."""
    return (
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def usable_token(secret: str, at: datetime) -> ApiToken | None:
    """The token with this secret, if it may sign a request in now (its user active too)."""
    token = db.session.scalar(_token_with_user(), {"token_hash": hash_token(secret)})
    if token is None or not token.is_usable(at) or not token.user.is_active:
        return None
    return token


def note_use(token: ApiToken, at: datetime) -> None:
    """Remember when the token was last used. The token page shows the day, so a write per
    call would be a write per request for nothing: once a minute is precise enough."""
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = at
