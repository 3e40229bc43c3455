"""Sign-in, sessions that really end, deny by default, and headers for health data."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from clinic_consent.api.paths import API_PREFIX, OPENAPI_ENDPOINT
from clinic_consent.auth import session_security
from clinic_consent.demo import DEMO_LOGINS, DemoResult
from clinic_consent.extensions import db
from clinic_consent.users.models import User
from clinic_consent.users.passwords import verify_password

THERAPIST = next(login for login in DEMO_LOGINS if login.role == "therapist")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _sign_in(client: FlaskClient, password: str = THERAPIST.password, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": THERAPIST.email, "password": password, **extra})


def test_every_page_but_login_and_health_needs_sign_in(client: FlaskClient, app: Flask) -> None:
    """Pages send a visitor to sign in; the API wants a token (its document is public)."""
    public = session_security.PUBLIC_ENDPOINTS | {OPENAPI_ENDPOINT}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public or "GET" not in (rule.methods or set()):
            continue
        url = rule.rule.replace("<int:", "<").replace("<", "").replace(">", "")
        url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
        response = client.get(url)
        if rule.rule.startswith(API_PREFIX + "/"):
            assert response.status_code == 401, (rule.rule, response.status_code)
            continue
        assert response.status_code in (302, 404), (rule.rule, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login")


def test_sign_in_goes_to_the_page_asked_for_but_only_on_this_site(
    client: FlaskClient, demo: DemoResult
) -> None:
    response = _sign_in(client, next="/account/password")
    assert response.headers["Location"] == "/account/password"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        client.post("/logout")
        response = _sign_in(client, next=evil)
        assert response.headers["Location"] == "/", evil


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(
    client: FlaskClient, demo: DemoResult
) -> None:
    _sign_in(client)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_wrong_password_is_refused_without_saying_which_part(
    client: FlaskClient, demo: DemoResult, app: Flask
) -> None:
    response = _sign_in(client, password="not the password")
    assert response.status_code == 200
    assert "klopt niet" in response.get_data(as_text=True)  # demo users read Dutch
    assert client.get("/account/password").status_code == 302
    user = db.session.scalars(db.select(User).where(User.email == THERAPIST.email)).one()
    db.session.refresh(user)
    assert user.failed_login_count == 1


def test_logout_kills_a_copied_cookie(client: FlaskClient, demo: DemoResult, app: Flask) -> None:
    _sign_in(client)
    assert client.get("/account/password").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/account/password").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(
    client: FlaskClient, demo: DemoResult, app: Flask
) -> None:
    other_device = app.test_client()
    _sign_in(other_device)
    _sign_in(client)
    new = "a brand new long password"
    response = client.post(
        "/account/password",
        data={"current_password": THERAPIST.password, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    assert other_device.get("/account/password").status_code == 302
    user = db.session.scalars(db.select(User).where(User.email == THERAPIST.email)).one()
    db.session.refresh(user)
    assert verify_password(user.password_hash, new)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current_password": "wrong one", "new_password": "x" * 12, "confirm": "x" * 12},
            "niet uw huidige",
        ),
        (
            {"current_password": THERAPIST.password, "new_password": "short", "confirm": "short"},
            "12",
        ),
        (
            {"current_password": THERAPIST.password, "new_password": "x" * 12, "confirm": "y" * 12},
            "verschillen",
        ),
    ],
)
def test_bad_password_change_changes_nothing(
    client: FlaskClient, demo: DemoResult, data: dict[str, str], message: str
) -> None:
    _sign_in(client)
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    user = db.session.scalars(db.select(User).where(User.email == THERAPIST.email)).one()
    db.session.refresh(user)
    assert verify_password(user.password_hash, THERAPIST.password)


@pytest.mark.parametrize(
    ("clock", "expired"),
    [("last_seen", 31 * 60), ("login_at", 12 * 3600 + 1)],
)
def test_idle_and_absolute_time_outs_end_the_session(
    client: FlaskClient, demo: DemoResult, clock: str, expired: int
) -> None:
    _sign_in(client)
    with client.session_transaction() as session:
        session[clock] = session[clock] - expired
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_pages_carry_no_store_and_a_strict_content_security_policy(
    client: FlaskClient, demo: DemoResult
) -> None:
    _sign_in(client)
    response = client.get("/account/password")
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert b"<script>" not in response.data and b" style=" not in response.data


def test_language_is_the_users_choice(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    assert "Wachtwoord" in client.get("/account/password").get_data(as_text=True)
    client.post("/account/language", data={"language": "en", "next": "/account/password"})
    assert "Change password" in client.get("/account/password").get_data(as_text=True)


def test_expired_form_token_gives_a_friendly_page(app: Flask, demo: DemoResult) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post(
        "/login", data={"email": THERAPIST.email, "password": THERAPIST.password}
    )
    assert response.status_code == 400
    assert b"Nothing was saved" in response.data or b"Er is niets opgeslagen" in response.data


def test_production_answers_carry_hsts_and_development_does_not(
    app: Flask, another_app: Callable[..., Flask]
) -> None:
    production = another_app(CLINIC_CONSENT_ENV="production", TESTING=False)
    assert production.config["SESSION_COOKIE_SECURE"]
    hsts = production.test_client().get("/login").headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


def test_every_page_loads_its_assets_from_this_site_only(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    """No CDN, no font service: nothing of a page is fetched from anywhere else."""
    for role, page in (("therapist", "/sessions/agenda"), ("practice_manager", "/dashboard")):
        login_as(role)
        html = client.get(page).get_data(as_text=True)
        for reference in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:)?//", reference), reference
        assert re.search(r'<link rel="stylesheet" href="/static/', html)
    for template in TEMPLATES.rglob("*.html"):
        assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", template.read_text()), template
