"""Who may call the API: a usable personal token, and nothing else (no session cookie)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from clinic_consent.api.tokens import revoke_token
from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.clients.models import Client
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import ApiToken, User
from tests.api.conftest import ApiClient, token_of, user_of_role

CLIENTS = "/api/v1/clients"
NEW_CLIENT = {"given_name": "Noor", "family_name": "Visser", "birth_date": "1990-04-01"}


def _token(secret: str) -> ApiToken:
    token = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token is not None and token.hint is not None and secret.startswith(token.hint)
    db.session.refresh(token)
    return token


def _log(event: str) -> list[AccessLogEntry]:
    return list(
        db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.event == event).order_by(AccessLogEntry.id)
        )
    )


def _assert_unauthorised(response: TestResponse) -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer ")


def test_a_call_without_a_token_is_a_401_problem_with_a_challenge_and_is_logged(
    client: FlaskClient, demo: DemoResult
) -> None:
    response = client.get(CLIENTS)
    _assert_unauthorised(response)
    problem = response.get_json()
    assert problem["status"] == 401 and "Bearer" in problem["detail"]
    [denied] = _log("api.authenticate")
    assert (denied.outcome, denied.user_id, denied.api_token_id) == ("denied", None, None)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer cc_not-a-token-of-this-practice",
        "Bearer ",
        "Basic dGhlcmFwaXN0OnBhc3N3b3Jk",
        "cc_without-a-scheme",
    ],
)
def test_a_wrong_token_is_a_401(client: FlaskClient, demo: DemoResult, authorization: str) -> None:
    response = client.get(CLIENTS, headers={"Authorization": authorization})
    _assert_unauthorised(response)
    assert [e.outcome for e in _log("api.authenticate")] == ["denied"]


def test_a_real_token_in_another_place_than_the_header_is_a_401(
    client: FlaskClient, demo: DemoResult
) -> None:
    secret = token_of(user_of_role("therapist"))
    assert client.get(f"{CLIENTS}?access_token={secret}").status_code == 401
    assert client.get(CLIENTS, headers={"Authorization": f"Token {secret}"}).status_code == 401


def test_a_valid_token_answers_and_records_when_it_was_used(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("therapist")
    assert api.secret is not None
    assert _token(api.secret).last_used_at is None
    before = now_utc()

    response = api.get(CLIENTS)
    assert response.status_code == 200
    assert isinstance(response.get_json(), list)
    last_used = _token(api.secret).last_used_at
    assert last_used is not None and before <= last_used <= now_utc()


def test_the_last_use_is_written_once_a_minute_not_once_a_call(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("therapist")
    assert api.secret is not None
    assert api.get(CLIENTS).status_code == 200
    first = _token(api.secret).last_used_at
    assert api.get(CLIENTS).status_code == 200
    assert _token(api.secret).last_used_at == first  # seconds later: not written again

    a_minute_ago = now_utc() - timedelta(minutes=1)
    _token(api.secret).last_used_at = a_minute_ago
    db.session.commit()
    assert api.get(CLIENTS).status_code == 200
    last_used = _token(api.secret).last_used_at
    assert last_used is not None and last_used > a_minute_ago


def test_an_expired_token_is_a_401(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("therapist")
    assert api.secret is not None
    _token(api.secret).expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    response = api.get(CLIENTS)
    _assert_unauthorised(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_a_401(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("therapist")
    assert api.secret is not None
    token = _token(api.secret)
    revoke_token(token, actor=token.user)
    db.session.commit()
    assert api.get(CLIENTS).status_code == 401


def test_the_token_of_a_deactivated_user_is_a_401(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("therapist")
    assert api.secret is not None
    _token(api.secret).user.is_active = False
    db.session.commit()
    assert api.get(CLIENTS).status_code == 401


def test_the_session_cookie_does_not_sign_an_api_call_in(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    assert client.get("/account/tokens").status_code == 200  # the cookie does sign pages in
    response = client.get(CLIENTS)
    assert response.status_code == 401
    assert client.post(CLIENTS, json=NEW_CLIENT).status_code == 401
    assert db.session.scalar(select(func.count(Client.id)).where(Client.given_name == "Noor")) == 0


def test_with_a_cookie_and_a_token_the_call_is_the_tokens_users(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    manager = user_of_role("practice_manager")
    secret = token_of(manager)
    response = client.post(CLIENTS, json=NEW_CLIENT, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403  # the practice manager reads only


def test_an_api_call_is_in_the_access_log_with_its_token(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("group_facilitator")
    assert api.secret is not None
    token = _token(api.secret)

    assert api.get(CLIENTS).status_code == 200
    [entry] = _log("clients.list")
    assert entry.api_token_id == token.id
    assert entry.user_id == token.user_id == user_of_role("group_facilitator").id
    assert (entry.user_role, entry.outcome) == ("group_facilitator", "success")


def test_the_openapi_document_needs_no_token(client: FlaskClient, demo: DemoResult) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["info"]["title"]
    assert _log("api.authenticate") == []


def test_an_api_write_with_a_token_needs_no_csrf_token(
    app: Flask, client: FlaskClient, api_as: Callable[[str], ApiClient]
) -> None:
    api = api_as("therapist")
    app.config["WTF_CSRF_ENABLED"] = True
    # CSRF protection is on: a page's form without its token is refused...
    assert (
        client.post("/login", data={"email": "x@example.org", "password": "x"}).status_code == 400
    )
    # ...while the API, signed in by its bearer token, takes the same kind of request.
    response = api.post(CLIENTS, json=NEW_CLIENT)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["given_name"] == "Noor"
