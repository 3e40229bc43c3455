"""API fixtures: a personal token for a demo user of a role, and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from clinic_consent.api.tokens import create_token
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.users.models import User


def user_of_role(role: str) -> User:
    return db.session.scalars(select(User).where(User.role == role).order_by(User.id)).first()


def token_of(user: User, days: int = 30) -> str:
    _token, secret = create_token(user, name=f"test token of {user.role}", days=days)
    db.session.commit()
    return secret


class ApiClient:
    """The test client with a bearer token (or none) on every request."""

    def __init__(self, client: FlaskClient, secret: str | None) -> None:
        self.client = client
        self.secret = secret

    def open(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", path, **kwargs)


@pytest.fixture
def api_as(client: FlaskClient, demo: DemoResult) -> Callable[[str], ApiClient]:
    """An API client with a fresh token of the demo user of ``role``."""

    def make(role: str) -> ApiClient:
        return ApiClient(client, token_of(user_of_role(role)))

    return make
