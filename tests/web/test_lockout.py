"""Account lock-out: counted in the database, so across every worker and server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry
from clinic_consent.auth.lockout import MAX_FAILED_SIGN_INS
from clinic_consent.demo import DEMO_LOGINS, DemoResult
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User

THERAPIST = next(login for login in DEMO_LOGINS if login.role == "therapist")


def _attempt(client: FlaskClient, password: str) -> int:
    response = client.post(
        "/login",
        data={"email": THERAPIST.email, "password": password},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "is not correct" in response.get_data(as_text=True)
    return response.status_code


def _therapist() -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == THERAPIST.email)).one()


def _lock_entries(user: User) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "user.locked", AuditEntry.object_id == user.id
            )
        )
    )


def test_five_failures_lock_the_account_and_the_lock_is_audited(
    client: FlaskClient, demo: DemoResult
) -> None:
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "After 5 failed attempts in a row an account is locked for 15 minutes" in page
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        _attempt(client, "wrong password!")
    assert _therapist().locked_until is None
    _attempt(client, "wrong password!")
    user = _therapist()
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - now_utc() <= timedelta(minutes=15)
    [entry] = _lock_entries(user)
    assert entry.details == {"failures": MAX_FAILED_SIGN_INS, "minutes": 15}
    assert chain.verify().intact

    # The right password now gets the same answer as a wrong one, and no session.
    assert _attempt(client, THERAPIST.password) == 200
    assert client.get("/account/password").status_code == 302


def test_the_lock_ends_and_a_good_sign_in_resets_the_count(
    client: FlaskClient, demo: DemoResult
) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        _attempt(client, "wrong password!")
    user = _therapist()
    user.locked_until = now_utc() - timedelta(seconds=1)  # fifteen minutes later
    db.session.commit()
    _attempt(client, "wrong again!!")
    assert _therapist().failed_login_count == 1
    assert _attempt(client, THERAPIST.password) == 302
    user = _therapist()
    assert (user.failed_login_count, user.locked_until) == (0, None)


def test_failures_through_two_servers_add_up(
    app: Flask, another_app: Callable[..., Flask], demo: DemoResult
) -> None:
    """Two application instances (two workers, or two servers) on one database."""
    other = another_app()
    browsers = [app.test_client(), other.test_client()]
    for attempt in range(MAX_FAILED_SIGN_INS):
        _attempt(browsers[attempt % 2], "wrong password!")
    assert _therapist().locked_until is not None
    for browser in browsers:
        assert _attempt(browser, THERAPIST.password) == 200


def test_an_unknown_address_gets_the_same_answer(client: FlaskClient, demo: DemoResult) -> None:
    response = client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "whatever it is"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200 and b"is not correct" in response.data


def test_an_administrator_unlocks_an_account_and_it_is_audited(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    admin = login_as("administrator")
    other = client.application.test_client()
    for _ in range(MAX_FAILED_SIGN_INS):
        _attempt(other, "wrong password!")
    therapist = _therapist()
    page = client.get(f"/admin/users/{therapist.id}/edit")
    # In the administrator's own language.
    assert "Geblokkeerd na herhaalde mislukte aanmeldingen" in page.get_data(as_text=True)

    response = client.post(f"/admin/users/{therapist.id}/unlock")
    assert response.status_code == 302
    assert _therapist().locked_until is None
    [entry] = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "user.unlocked", AuditEntry.object_id == therapist.id
        )
    ).all()
    assert entry.actor_user_id == admin.id
    assert _attempt(other, THERAPIST.password) == 302
