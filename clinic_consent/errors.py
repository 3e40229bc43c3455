"""Errors that operations raise for bad input; the caller shows the message and commits nothing."""

from collections.abc import Iterator
from contextlib import contextmanager


class OperationError(ValueError):
    """A request that cannot be carried out; ``field`` names the input at fault, if one is."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


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
        raise OperationError(None, str(exc)) from None
