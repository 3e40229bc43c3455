"""Showing an operation's refusal on the form the user filled in."""

from __future__ import annotations

from typing import Any

from clinic_consent.errors import OperationError


def show_refusal(form: Any, error: OperationError, renames: dict[str, str] | None = None) -> None:
    """Put the message under the field the operation names (``renames`` maps an operation's
    field name onto the form's), or above the form when no visible field fits."""
    name = (renames or {}).get(error.field or "", error.field)
    field = form._fields.get(name) if name else None
    if field is not None and getattr(field.widget, "input_type", None) != "hidden":
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
