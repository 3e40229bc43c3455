"""Errors that operations raise for bad input; the caller shows the message and commits nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeAlias

from flask_babel.speaklater import LazyString

# A message in the source language, translated when it is turned into text (lazy_gettext):
# the reader's language is known only where the message is shown.
Message: TypeAlias = str | LazyString


class OperationError(ValueError):
    """A request that cannot be carried out; ``field`` names the input at fault, if one is."""

    def __init__(self, field: str | None, message: Message) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        # Evaluated now, not when raised: a lazy message takes the language of the moment.
        return f"{self.field}: {self.message}" if self.field else str(self.message)


class NotFound(LookupError):
    """The object does not exist or the user may not see it (both answer 404)."""


@contextmanager
def refused_transition() -> Iterator[None]:
    """Turn a model's refusal of a state change (ValueError) into an OperationError."""
    try:
        yield
    except OperationError:
        raise
    except ValueError as exc:
        # Keep a model's lazy message lazy, so that it is shown in the reader's language.
        message = exc.args[0] if len(exc.args) == 1 else None
        if not isinstance(message, (str, LazyString)):
            message = str(exc)
        raise OperationError(None, message) from None
