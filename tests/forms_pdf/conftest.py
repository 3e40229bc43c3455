"""Fixtures for the sealed forms: an app whose seal settings a test class can choose, a sealed
form of the demo, poppler's tools, and the servers a form must not reach (or, for a
timestamp, may)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from clinic_consent import create_app
from clinic_consent.consents.models import Consent
from clinic_consent.demo import DEMO_LOGINS, DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.users.models import User
from tests.conftest import (
    ON_POSTGRES,
    TEST_SECRET_KEY,
    FreshRequestClient,
    _empty_all_tables,
    _schemas_created,
)
from tests.forms_pdf.tools import (
    Pkcs12Seal,
    TcpListener,
    TimestampAuthority,
    make_pkcs12,
    poppler_missing,
)

PKCS12_PASSPHRASE = "correct horse seal staple"


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings added to the test app's; a test class overrides this to configure the seal."""
    return {}


@pytest.fixture
def app(
    instance_path: Path,
    shared_postgres_url: str | None,
    tmp_path: Path,
    app_config: dict[str, Any],
) -> Iterator[Flask]:
    """tests/conftest.py's app, with ``app_config`` among its settings."""
    url = shared_postgres_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    application = create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            **app_config,
        }
    )
    application.test_client_class = FreshRequestClient
    with application.app_context():
        if url not in _schemas_created:
            db.create_all()
            if ON_POSTGRES:
                _schemas_created.add(url)
        yield application
        db.session.remove()
        if ON_POSTGRES:
            _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def poppler() -> None:
    missing = poppler_missing()
    # A failure, not a skip: the README's test command installs them (scripts/ensure-test-tools).
    assert not missing, (
        f"poppler-utils not installed ({', '.join(missing)}): run scripts/ensure-test-tools"
    )


@pytest.fixture
def signed_consent(demo: DemoResult) -> Consent:
    """The demo's one consent with a drawn signature: Sanne Jansen (14) agreeing to a
    supervision video with a destroy-by date."""
    return db.session.scalars(select(Consent).where(Consent.method == "drawn_signature")).one()


@pytest.fixture
def withdrawn_consent(demo: DemoResult) -> Consent:
    return db.session.scalars(select(Consent).where(Consent.withdrawn_at.is_not(None))).one()


@pytest.fixture
def administrator(demo: DemoResult) -> User:
    email = next(login.email for login in DEMO_LOGINS if login.role == "administrator")
    return db.session.scalars(select(User).where(User.email == email)).one()


@pytest.fixture
def sealed_form(signed_consent: Consent) -> StoredDocument:
    """The sealed, stored and committed form of ``signed_consent``."""
    document = seal_consent_form(signed_consent, actor=None)
    db.session.commit()
    return document


@pytest.fixture
def pkcs12_seal(tmp_path: Path) -> Pkcs12Seal:
    return make_pkcs12(tmp_path, PKCS12_PASSPHRASE)


@pytest.fixture
def tcp_listener() -> Iterator[TcpListener]:
    listener = TcpListener().start()
    yield listener
    listener.stop()


@pytest.fixture
def timestamp_authority() -> Iterator[TimestampAuthority]:
    authority = TimestampAuthority.start()
    yield authority
    authority.stop()
