"""Bringing a database to the current schema and the practice's defaults."""

from __future__ import annotations

import flask_migrate
from flask import current_app
from sqlalchemy import select

from clinic_consent.consents.models import ConsentTally
from clinic_consent.consents.tallies import recount
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
from clinic_consent.practice.operations import (
    ensure_default_retention_classes,
    ensure_practice_settings,
)
from clinic_consent.recordings import derived


def upgrade_database() -> None:
    """Run every Alembic migration up to head (a no-op on a current database)."""
    flask_migrate.upgrade()


def fill_derived() -> None:
    """The derived recording columns and the consent tallies where there are none yet: rows
    from before they existed (the migration adds them empty)."""
    derived.fill_missing(db.session())
    if not db.session.scalar(select(ConsentTally.state).limit(1)):
        recount(db.session.connection())


def prepare_database() -> None:
    """Schema at head (with the derived recording columns filled in), plus the practice's
    settings row, default retention classes and the first version of every form template.

    Flushes, never commits: the command that calls it commits once.
    """
    upgrade_database()
    fill_derived()
    ensure_practice_settings(current_app.config["PRACTICE_NAME"])
    ensure_default_retention_classes()
    ensure_default_form_templates()
