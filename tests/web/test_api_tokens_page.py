"""The user's page of personal API tokens: a secret shown once and stored only as a hash."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.api.tokens import create_token
from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.users.models import ApiToken, User

SECRET_BOX = re.compile(r'id="new-token-secret" value="([^"]+)"')


@pytest.fixture
def therapist(client: FlaskClient, login_as: Callable[[str], User]) -> User:
    """The demo therapist, signed in, reading English (the assertions are in English)."""
    user = login_as("therapist")
    client.post("/account/language", data={"language": "en"})
    return user


def _tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def _count_tokens() -> int:
    return db.session.scalar(select(func.count(ApiToken.id))) or 0


def _make(client: FlaskClient, name: str = "Health record system", days: str = "90") -> str:
    response = client.post("/account/tokens", data={"name": name, "days": days})
    assert response.status_code == 201, response.get_data(as_text=True)
    match = SECRET_BOX.search(response.get_data(as_text=True))
    assert match is not None
    return match.group(1)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "role", ["therapist", "group_facilitator", "practice_manager", "administrator"]
)
def test_every_role_reaches_its_token_page_from_the_account_area(
    client: FlaskClient, login_as: Callable[[str], User], role: str
) -> None:
    login_as(role)
    client.post("/account/language", data={"language": "en"})
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/account/tokens"' in home
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert "shown only this once" not in page.get_data(as_text=True)  # no secret to show
    assert 'name="days"' in page.get_data(as_text=True)


def test_the_secret_is_shown_once_and_stored_only_as_its_hash(
    client: FlaskClient, therapist: User
) -> None:
    secret = _make(client, days="30")
    [token] = _tokens()
    assert token.user_id == therapist.id and token.name == "Health record system"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.hint is not None and secret.startswith(token.hint) and len(token.hint) < 12
    assert secret not in (token.token_hash, token.hint, token.name)
    days = (token.expires_at - token.created_at).days
    assert days == 30

    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again
    assert f"{token.hint}…" in again and "Health record system" in again and "active" in again
    # Not kept anywhere the browser could show it again.
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))


def test_a_token_made_on_the_page_works_until_it_is_revoked_there(
    client: FlaskClient, therapist: User
) -> None:
    secret = _make(client)
    [token] = _tokens()
    assert client.get("/api/v1/clients", headers=_bearer(secret)).status_code == 200

    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/tokens")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "was revoked" in page and "revoked" in page
    assert f'action="/account/tokens/{token.id}/revoke"' not in page  # no second Revoke button
    [token] = _tokens()
    assert token.revoked_at is not None

    refused = client.get("/api/v1/clients", headers=_bearer(secret))
    assert refused.status_code == 401


def test_revoking_twice_is_a_message_not_an_error(client: FlaskClient, therapist: User) -> None:
    _make(client)
    [token] = _tokens()
    client.post(f"/account/tokens/{token.id}/revoke")
    revoked_at = _tokens()[0].revoked_at

    response = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert response.status_code == 200
    assert "already revoked" in response.get_data(as_text=True)
    assert _tokens()[0].revoked_at == revoked_at


def test_another_users_token_cannot_be_revoked(
    client: FlaskClient, therapist: User, demo: DemoResult
) -> None:
    manager = db.session.scalars(select(User).where(User.role == "practice_manager")).one()
    theirs, secret = create_token(manager, name="Dashboard export", days=90)
    db.session.commit()

    response = client.post(f"/account/tokens/{theirs.id}/revoke")
    assert response.status_code == 404
    assert "Dashboard export" not in response.get_data(as_text=True)
    assert "Dashboard export" not in client.get("/account/tokens").get_data(as_text=True)
    assert client.post("/account/tokens/999999/revoke").status_code == 404
    [token] = _tokens()
    assert token.revoked_at is None
    assert client.get("/api/v1/clients", headers=_bearer(secret)).status_code == 200
    # The attempt is in the access log, in the therapist's name.
    denied = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "api_token.revoke")
    ).all()
    assert [(e.user_id, e.object_id, e.outcome) for e in denied] == [
        (therapist.id, theirs.id, "denied"),
        (therapist.id, 999999, "denied"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "days": "90"}, "This field is required."),
        ({"name": "   ", "days": "90"}, "This field is required."),
        ({"name": "x" * 101, "days": "90"}, "100"),
        ({"name": "EHR", "days": "45"}, "Not a valid choice"),
        ({"name": "EHR", "days": "forever"}, "Invalid Choice"),
    ],
)
def test_a_refused_token_shows_why_and_writes_nothing(
    client: FlaskClient, therapist: User, data: dict[str, str], message: str
) -> None:
    response = client.post("/account/tokens", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "Nothing was saved" in body
    assert 'id="new-token-secret"' not in body
    assert _count_tokens() == 0


def test_the_limit_of_active_tokens_is_shown_on_the_form(
    client: FlaskClient, therapist: User
) -> None:
    for n in range(10):
        create_token(therapist, name=f"token {n}", days=30)
    db.session.commit()

    response = client.post("/account/tokens", data={"name": "one too many", "days": "30"})
    assert response.status_code == 422
    assert "revoke one first" in response.get_data(as_text=True)
    assert _count_tokens() == 10


def test_the_page_with_the_secret_is_never_cached(client: FlaskClient, therapist: User) -> None:
    response = client.post("/account/tokens", data={"name": "EHR", "days": "90"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/account/tokens").headers["Cache-Control"] == "no-store"
    assert b"<script>" not in response.data and b" style=" not in response.data


def test_the_forms_need_their_csrf_token(app: Flask, client: FlaskClient, therapist: User) -> None:
    _make(client)
    [token] = _tokens()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/account/tokens", data={"name": "EHR", "days": "90"}).status_code == 400
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 400
    assert len(_tokens()) == 1 and _tokens()[0].revoked_at is None


def test_a_signed_out_visitor_is_sent_to_sign_in(client: FlaskClient, demo: DemoResult) -> None:
    for method in ("GET", "POST"):
        response = client.open("/account/tokens", method=method, data={"name": "EHR", "days": "90"})
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert _count_tokens() == 0
