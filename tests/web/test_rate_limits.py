"""Rate limits on sign-in, the API and PDFs; counted in Redis across processes when set."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from clinic_consent.config import ConfigError
from clinic_consent.demo import DEMO_LOGINS, DemoResult
from clinic_consent.extensions import limiter
from tests.api.conftest import token_of, user_of_role
from tests.conftest import TEST_SECRET_KEY, make_test_app, sign_in_with

REDIS_URL = "redis://127.0.0.1:6379/0"
MANAGER = next(login for login in DEMO_LOGINS if login.role == "practice_manager")
UNKNOWN = {"email": "nobody@example.org", "password": "not a real password"}
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def limited(another_app: Callable[..., Flask], demo: DemoResult) -> Callable[..., Flask]:
    """The application with its rate limits on, on the test's database (with the demo)."""

    def make(**settings: Any) -> Flask:
        # A prefix of its own: the SQLite and PostgreSQL runs may share one Redis server.
        # Flask-Limiter keeps the first prefix it was given (one app per process in
        # production); a test's new app must be able to set its own.
        limiter._key_prefix = ""
        prefix = f"cc-test-{uuid.uuid4().hex[:8]}"
        return another_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_KEY_PREFIX=prefix,
            **settings,
        )

    return make


@pytest.fixture
def redis_keys() -> Iterator[Callable[[str], list[bytes]]]:
    server = redis.Redis.from_url(REDIS_URL)
    server.ping()  # .ci/run starts Redis; a test that needs it says so plainly
    prefixes: list[str] = []

    def keys(prefix: str) -> list[bytes]:
        prefixes.append(prefix)
        return list(server.scan_iter(f"*{prefix}*"))

    yield keys
    for prefix in prefixes:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def test_the_eleventh_sign_in_in_a_minute_is_refused(limited: Callable[..., Flask]) -> None:
    browser = limited().test_client()
    for _ in range(10):
        assert browser.post("/login", data=UNKNOWN).status_code == 200
    refused = browser.post("/login", data=UNKNOWN, headers=ENGLISH)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in refused.get_data(as_text=True)
    assert browser.get("/login").status_code == 200  # reading the form is not counted
    # The code step counts in the same bucket: no fresh guesses there either.
    assert browser.post("/login/code", data={"code": "123456"}).status_code == 429


def test_the_limit_is_per_address_behind_a_trusted_proxy(limited: Callable[..., Flask]) -> None:
    browser = limited(TRUSTED_PROXIES=1).test_client()
    first = {"X-Forwarded-For": "203.0.113.1"}
    for _ in range(10):
        browser.post("/login", data=UNKNOWN, headers=first)
    assert browser.post("/login", data=UNKNOWN, headers=first).status_code == 429
    other = {"X-Forwarded-For": "203.0.113.2"}
    assert browser.post("/login", data=UNKNOWN, headers=other).status_code == 200


def test_pdf_requests_are_limited_per_user(limited: Callable[..., Flask]) -> None:
    manager = limited(RATELIMIT_PDF="3 per minute").test_client()
    assert sign_in_with(manager, MANAGER.email, MANAGER.password).status_code == 302
    report = "/dashboard/quarterly-report.pdf?year=2026&quarter=3"
    for _ in range(3):
        response = manager.get(report)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    refused = manager.get(report)
    # In the signed-in manager's own language (Dutch), whatever the browser asks.
    assert refused.status_code == 429 and "Te veel verzoeken" in refused.get_data(as_text=True)
    assert manager.get("/dashboard").status_code == 200  # only the PDFs wait


def test_api_calls_are_limited(limited: Callable[..., Flask]) -> None:
    application = limited(RATELIMIT_API="5 per minute")
    with application.app_context():
        secret = token_of(user_of_role("therapist"))
    api = application.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    for _ in range(5):
        assert api.get("/api/v1/clients", headers=bearer).status_code == 200
    refused = api.get("/api/v1/clients", headers=bearer)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["status"] == 429 and "Retry-After" in refused.headers


def test_redis_counts_across_processes(
    limited: Callable[..., Flask], redis_keys: Callable[[str], list[bytes]]
) -> None:
    """Another process (a second worker or server) spends the same address's attempts."""
    application = limited(RATELIMIT_STORAGE_URI=REDIS_URL)
    prefix = application.config["RATELIMIT_KEY_PREFIX"]
    other_worker = textwrap.dedent(
        f"""
        from clinic_consent import create_app
        app = create_app({{
            "CLINIC_CONSENT_ENV": "testing", "SECRET_KEY": {TEST_SECRET_KEY!r},
            "SQLALCHEMY_DATABASE_URI": {application.config["SQLALCHEMY_DATABASE_URI"]!r},
            "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": {REDIS_URL!r}, "RATELIMIT_KEY_PREFIX": {prefix!r},
        }})
        browser = app.test_client()
        codes = [browser.post("/login", data={UNKNOWN!r}).status_code for _ in range(7)]
        assert codes == [200] * 7, codes
        """
    )
    subprocess.run([sys.executable, "-c", other_worker], check=True, timeout=60)
    assert redis_keys(prefix), "the other process counted nowhere in Redis"

    browser: FlaskClient = application.test_client()
    for _ in range(3):
        assert browser.post("/login", data=UNKNOWN).status_code == 200
    assert browser.post("/login", data=UNKNOWN).status_code == 429


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("RATELIMIT_STORAGE_URI", "mysql://localhost/limits", "RATELIMIT_STORAGE_URI"),
        ("TRUSTED_PROXIES", "two", "CLINIC_CONSENT_TRUSTED_PROXIES"),
    ],
)
def test_a_bad_limit_setting_stops_the_start(
    app: Flask, setting: str, value: str, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], **{setting: value})
