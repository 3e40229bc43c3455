"""The text of a form template: plain text with paragraphs and a few named placeholders.

An administrator writes it; it is never HTML (the PDF template escapes it) and never a
template language: ``{person}`` is replaced by the person's name and nothing else is
evaluated. A text with an unknown placeholder or a stray brace is refused when it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter
from typing import Final

from flask_babel import lazy_gettext as _l

from clinic_consent.errors import OperationError

PLACEHOLDERS: Final = {
    "practice": _l("the practice's name"),
    "person": _l("the name of the person who decides"),
    "client": _l("the name of the person the recording is about"),
    "session_date": _l("the date of the session"),
    "recorder": _l("who records"),
    "medium": _l("audio or video"),
    "purpose": _l("the purpose of the recording"),
    "destroy_by": _l("the destroy-by date"),
}
MAX_TITLE: Final = 200
MAX_BODY: Final = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def placeholders_in(body: str) -> list[str]:
    """The placeholders a text uses; raises OperationError on anything else in braces."""
    try:
        parts = list(Formatter().parse(body))
    except ValueError:
        raise OperationError(
            "body", _l("a brace is not closed; write {{ or }} for a brace itself")
        ) from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise OperationError(
                "body",
                _l(
                    "{%(name)s} is not a placeholder; use one of: %(known)s",
                    name=name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else ""),
                    known=", ".join("{" + known + "}" for known in PLACEHOLDERS),
                ),
            )
        names.append(name)
    return names


def paragraphs(body: str, values: Mapping[str, str]) -> list[str]:
    """The text with its placeholders filled in, as paragraphs (split on blank lines)."""
    placeholders_in(body)
    filled = body.format_map({name: values.get(name, "") for name in PLACEHOLDERS})
    return [part.strip() for part in _PARAGRAPH_BREAK.split(filled.strip()) if part.strip()]
