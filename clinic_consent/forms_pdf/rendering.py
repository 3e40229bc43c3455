"""Rendering a form to PDF/A-3b: the one function every form, receipt and roster goes through.

The template under ``templates/pdf/`` gets plain values only (strings, numbers, dates, bytes
and lists or dicts of them), never ORM objects: a form must show what was decided, not
whatever a lazy relationship loads at render time. Resources come through RestrictedFetcher.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from flask import current_app
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from clinic_consent.forms_pdf.fetcher import RestrictedFetcher

PDF_VARIANT: Final = "pdf/a-3b"
PLAIN_TYPES: Final = (str, int, float, bool, date, datetime, bytes, type(None))

# Loading the form's fonts into fontconfig costs about 12 ms of a small form's 76 ms;
# a thread keeps its configuration (WeasyPrint's is not shared safely between threads).
_fonts = threading.local()


class NotPlainValue(TypeError):
    """A form template was given something other than plain values."""


def check_plain(value: Any, where: str = "context") -> None:
    """Refuse ORM objects and anything else that is not plain data, naming where it was."""
    if isinstance(value, PLAIN_TYPES):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_plain(item, f"{where}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_plain(item, f"{where}[{index}]")
        return
    raise NotPlainValue(f"{where} is a {type(value).__name__}, not a plain value")


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """The form's HTML from ``templates/pdf/<template>`` and plain values."""
    check_plain(context)
    # The environment itself, not render_template: the page's context processors (menu,
    # signed-in user, request) have no place in a form, which must render from a CLI too.
    return current_app.jinja_env.get_template(f"pdf/{template}").render(**context)


def html_to_pdf(html: str) -> bytes:
    """PDF/A-3b from HTML, with no access to files or the network."""
    font_config = getattr(_fonts, "config", None)
    if font_config is None:
        font_config = _fonts.config = FontConfiguration()
    # No base URL: a relative reference resolves to nothing instead of a file next to us.
    document = HTML(string=html, url_fetcher=RestrictedFetcher())
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, font_config=font_config)
    return pdf


def render_pdf(template: str, context: Mapping[str, Any]) -> bytes:
    """Render ``templates/pdf/<template>`` with plain values to PDF/A-3b."""
    return html_to_pdf(render_html(template, context))
