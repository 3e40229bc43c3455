"""Dutch first, English second: the user's choice, else the browser's, else Dutch.

Outside a request (the command line, run by an administrator) and in the API, messages are in
English.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from clinic_consent.api.paths import is_api_request
from clinic_consent.extensions import babel
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.resources import resource_dir

DEFAULT_LANGUAGE = "nl"
COMMAND_LINE_LANGUAGE = "en"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def select_locale() -> str:
    if not has_request_context() or is_api_request():
        return COMMAND_LINE_LANGUAGE  # machines read the API: one stable language
    if current_user.is_authenticated:
        return str(current_user.language)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _date_filter(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return str(format_datetime(value, style))
    return str(format_date(value, style))


def _bound_gettext() -> dict[str, Callable[..., str]]:
    """Jinja's ``_()`` and ``ngettext`` with this render's translations looked up once: Flask-
    Babel's own look them up again for each of the few hundred strings of a page. Rendered in
    another language (``force_locale``), a template gets that language's."""
    translations = get_translations()

    @pass_context
    def gettext(context: Context, text: str, **variables: Any) -> str:
        translated: str = translations.ugettext(text)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 (our catalogue; % escapes the values)
        return translated % variables  # always a format string, as Jinja's own

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, number: int, **variables: Any
    ) -> str:
        variables.setdefault("num", number)
        translated: str = translations.ungettext(singular, plural, number)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 (our catalogue; % escapes the values)
        return translated % variables

    return {"gettext": gettext, "ngettext": ngettext}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(resource_dir("translations")),
    )
    app.jinja_env.filters["date"] = _date_filter
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
    app.context_processor(_bound_gettext)
