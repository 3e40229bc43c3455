"""Errors that operations raise for bad input; the caller shows the message and commits nothing."""


class OperationError(ValueError):
    """A request that cannot be carried out; ``field`` names the input at fault, if one is."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class NotFound(LookupError):
    """The object does not exist or the user may not see it (both answer 404)."""
