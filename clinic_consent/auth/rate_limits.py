"""Rate limits on what a guesser or a flood would use: sign-in, the API, PDF rendering.

Counted in Redis when RATELIMIT_STORAGE_URI names one (redis://...), so that every worker of
every server shares one count; without it each worker process counts alone, which multiplies
the limit by the number of workers. Guesses against one account stay bounded either way by the
lock-out counter in the database (auth.lockout).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import Blueprint, Flask, current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from clinic_consent.extensions import limiter

# Defaults of the settings RATELIMIT_SIGN_IN, RATELIMIT_API and RATELIMIT_PDF.
# Per network address: a person mistyping is far below these, a script far above.
SIGN_IN_LIMIT = "10 per minute;60 per hour"
API_LIMIT = "300 per minute"
# Per signed-in user, over all PDF routes together: rendering is the costliest thing we do.
PDF_LIMIT = "30 per minute"


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


View = TypeVar("View", bound=Callable[..., object])


def _user_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def sign_in_limited(view: View) -> View:
    """Counts the submitted attempts only: showing the form costs nothing."""
    limit = limiter.shared_limit(_setting("RATELIMIT_SIGN_IN"), scope="sign-in", methods=["POST"])
    return cast(View, limit(view))


def pdf_limited(view: View) -> View:
    """A route that renders, seals or sends a PDF: each request counts."""
    limit = limiter.shared_limit(_setting("RATELIMIT_PDF"), scope="pdf", key_func=_user_or_address)
    return cast(View, limit(view))


def seals_pdf(view: View) -> View:
    """A form page whose submission seals a PDF: only the submissions count."""
    limit = limiter.shared_limit(
        _setting("RATELIMIT_PDF"), scope="pdf", key_func=_user_or_address, methods=["POST"]
    )
    return cast(View, limit(view))


_limited_blueprints: set[str] = set()


def limit_api(blueprint: Blueprint) -> None:
    """Every route of an API blueprint, counted together per address.

    Once per blueprint: the blueprints and the limiter live as long as the process, and a
    limit added again for each app created (the tests create many) would count a request twice.
    """
    if blueprint.name not in _limited_blueprints:
        limiter.shared_limit(_setting("RATELIMIT_API"), scope="api")(blueprint)
        _limited_blueprints.add(blueprint.name)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_SIGN_IN", SIGN_IN_LIMIT)
    app.config.setdefault("RATELIMIT_API", API_LIMIT)
    app.config.setdefault("RATELIMIT_PDF", PDF_LIMIT)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "clinic-consent")
    # Counting must not become the way to take the site down: if Redis is gone, serve.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
