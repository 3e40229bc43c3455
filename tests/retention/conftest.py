"""Fixtures for the retention, destruction and incident tests (R8, R9)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.extensions import db
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user

Login = Callable[[str], User]


@pytest.fixture
def login_as(login_as: Login) -> Login:
    """Sign in as the demo user of a role, reading English (the assertions are in English)."""

    def sign_in(role: str) -> User:
        user = login_as(role)
        user.language = "en"
        db.session.commit()
        return user

    return sign_in


@pytest.fixture
def other_therapist(client: FlaskClient, login_as: Login) -> User:
    """A second therapist, signed in, who treats none of the demo's clients."""
    login_as("therapist")  # the demo exists
    client.post("/logout")
    user = create_user(
        email="other@example.org",
        display_name="Timo Smit",
        role="therapist",
        password="another long password",
        language="en",
    )
    db.session.commit()
    response = client.post(
        "/login", data={"email": "other@example.org", "password": "another long password"}
    )
    assert response.status_code == 302
    return user


def audit_actions(object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
            .order_by(AuditEntry.id)
        )
    )


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
