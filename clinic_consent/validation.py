"""Small input checks shared by the operations; each raises OperationError naming the field."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l

from clinic_consent.errors import Message, OperationError


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value)


def required_text(value: str | None, field: str, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise OperationError(field, _l("is required"))
    return _checked(text, field, max_length)


def optional_text(value: str | None, field: str, max_length: int = 2000) -> str | None:
    text = (value or "").strip()
    return _checked(text, field, max_length) if text else None


def _checked(text: str, field: str, max_length: int) -> str:
    if len(text) > max_length:
        raise OperationError(field, _l("must be at most %(n)s characters", n=max_length))
    if _has_control_characters(text):
        raise OperationError(field, _l("contains control characters"))
    return text


def one_of(value: str, options: Sequence[str], field: str) -> str:
    if value not in options:
        raise OperationError(field, _l("must be one of %(options)s", options=", ".join(options)))
    return value


def not_after(value: date, limit: date, field: str, what: Message) -> date:
    """``what`` names the limit in a message, e.g. ``_l("the session date")``."""
    if value > limit:
        raise OperationError(field, _l("cannot be after %(what)s", what=what))
    return value
