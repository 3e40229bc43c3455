"""Puts the API on the application: its Api object, its views, its authentication."""

from __future__ import annotations

from flask import Flask

from clinic_consent.api import authentication, spec
from clinic_consent.auth import rate_limits
from clinic_consent.extensions import csrf


def init_app(app: Flask) -> spec.ClinicApi:
    from clinic_consent.api.views import (
        clients,
        consents,
        documents,
        evaluate,
        fhir,
        reports,
        sessions,
    )

    spec.config(app)
    api = spec.ClinicApi(app)
    evaluate.register_schemas(api.spec)
    for module in (evaluate, clients, sessions, consents, documents, reports, fhir):
        # Token-authenticated: no cookie signs an API request in, so no CSRF token is needed.
        csrf.exempt(module.blp)
        rate_limits.limit_api(module.blp)
        api.register_blueprint(module.blp, url_prefix=module.URL_PREFIX)
    authentication.init_app(app)
    return api
