"""clinic-consent: consent for recording treatment sessions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from clinic_consent import config as settings
from clinic_consent import i18n, log_privacy, request_cycle, sqlite_settings
from clinic_consent.api import app as api
from clinic_consent.auth import rate_limits, session_security
from clinic_consent.consents import tallies as consent_tallies
from clinic_consent.extensions import csrf, db, migrate
from clinic_consent.recordings import derived as derived_columns
from clinic_consent.resources import resource_dir
from clinic_consent.row_ids import RowIdConverter
from clinic_consent.web import errors as error_pages
from clinic_consent.web.navigation import template_globals


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: defaults -> instance config -> environment -> test config."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        # Deployments keep instance data outside the code, e.g. /var/lib/clinic-consent.
        instance_path=os.environ.get("CLINIC_CONSENT_INSTANCE_PATH") or None,
        template_folder=str(resource_dir("templates")),
    )
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    app.config.from_mapping(settings.defaults(instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(settings.from_environment(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    settings.finalise(app.config, instance_path)
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client's address (rate limits, the access log) and https
        # come from its X-Forwarded-* headers, trusted only for the proxies configured.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    # Before any route is added: every <int:...> in a URL is a row id (see row_ids).
    app.url_map.converters["int"] = RowIdConverter
    _import_models()
    log_privacy.init_app(app)  # before the engine is made
    db.init_app(app)
    derived_columns.listen()
    consent_tallies.listen()
    sqlite_settings.listen()
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    session_security.init_app(app)
    rate_limits.init_app(app)
    request_cycle.init_app(app)
    error_pages.init_app(app)
    _register_blueprints(app)
    api.init_app(app)
    app.context_processor(template_globals)

    from clinic_consent.cli import register_app_commands

    register_app_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from clinic_consent.admin import views as admin_views
    from clinic_consent.api import token_views
    from clinic_consent.audit import log_views as audit_log_views
    from clinic_consent.audit import views as audit_views
    from clinic_consent.auth import views as auth_views
    from clinic_consent.clients import views as client_views
    from clinic_consent.consents import views as consent_views
    from clinic_consent.forms_pdf import document_views, template_views, verify_views
    from clinic_consent.oversight import views as oversight_views
    from clinic_consent.practice import retention_views
    from clinic_consent.recordings import incident_views
    from clinic_consent.recordings import views as recording_views
    from clinic_consent.sessions import group_views
    from clinic_consent.sessions import views as session_views
    from clinic_consent.web import views as web_views

    for module in (
        web_views,
        auth_views,
        session_views,
        group_views,
        client_views,
        recording_views,
        consent_views,
        admin_views,
        document_views,
        template_views,
        verify_views,
        audit_views,
        audit_log_views,
        oversight_views,
        retention_views,
        incident_views,
        token_views,
    ):
        app.register_blueprint(module.bp)


def _import_models() -> None:
    """Import every model module so that the metadata is complete before use."""
    from clinic_consent import models  # noqa: F401
