"""Two-factor sign-in for practice managers and administrators: enrolment, codes, refusals."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.demo import DEMO_LOGINS, DemoResult
from clinic_consent.extensions import db
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user

MANAGER = next(login for login in DEMO_LOGINS if login.role == "practice_manager")
THERAPIST = next(login for login in DEMO_LOGINS if login.role == "therapist")
NEWCOMER_PASSWORD = "a long enough password"
DASHBOARD = "/dashboard"


def _password_step(client: FlaskClient, email: str, password: str) -> str:
    response = client.post(
        "/login", data={"email": email, "password": password}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 302
    return str(response.headers["Location"])


def _code(client: FlaskClient, code: str) -> tuple[int, str]:
    response = client.post("/login/code", data={"code": code}, headers={"Accept-Language": "en"})
    return response.status_code, response.get_data(as_text=True)


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.email == email)).one()


def _signed_in_as_manager(client: FlaskClient) -> bool:
    return client.get(DASHBOARD).status_code == 200


@pytest.fixture
def newcomer(app: Flask, demo: DemoResult) -> User:
    """A practice manager the administrator just created: no authenticator key yet."""
    user = create_user(
        email="noor@example.org",
        display_name="Noor Kramer",
        role="practice_manager",
        password=NEWCOMER_PASSWORD,
    )
    db.session.commit()
    return user


def test_a_manager_password_alone_signs_nobody_in(client: FlaskClient, demo: DemoResult) -> None:
    assert _password_step(client, MANAGER.email, MANAGER.password).endswith("/login/code")
    assert not _signed_in_as_manager(client)
    page = client.get("/login/code", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "six-digit code" in page and "data:image/svg+xml" not in page  # enrolled already


def test_a_manager_signs_in_with_the_current_code(client: FlaskClient, demo: DemoResult) -> None:
    _password_step(client, MANAGER.email, MANAGER.password)
    assert MANAGER.totp_secret
    status, _page = _code(client, pyotp.TOTP(MANAGER.totp_secret).now())
    assert status == 302
    assert _signed_in_as_manager(client)
    assert _user(MANAGER.email).failed_login_count == 0


def test_a_code_works_once(app: Flask, client: FlaskClient, demo: DemoResult) -> None:
    assert MANAGER.totp_secret
    code = pyotp.TOTP(MANAGER.totp_secret).now()
    _password_step(client, MANAGER.email, MANAGER.password)
    assert _code(client, code)[0] == 302

    other = app.test_client()  # someone who saw the code over the manager's shoulder
    _password_step(other, MANAGER.email, MANAGER.password)
    status, page = _code(other, code)
    assert status == 200 and "was used already" in page
    assert not _signed_in_as_manager(other)


def test_a_wrong_code_is_refused_and_counted(client: FlaskClient, demo: DemoResult) -> None:
    _password_step(client, MANAGER.email, MANAGER.password)
    assert MANAGER.totp_secret
    right = pyotp.TOTP(MANAGER.totp_secret).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in (wrong, "abcdef", "1234567"):
        status, page = _code(client, attempt)
        assert status == 200 and "not correct" in page
    assert not _signed_in_as_manager(client)
    assert _user(MANAGER.email).failed_login_count == 3


def test_five_wrong_codes_lock_the_account(client: FlaskClient, demo: DemoResult) -> None:
    _password_step(client, MANAGER.email, MANAGER.password)
    for _ in range(4):
        assert _code(client, "000000")[0] == 200
    status, _page = _code(client, "000000")
    assert status == 302  # back to the start: the pending sign-in is forgotten
    assert _user(MANAGER.email).locked_until is not None
    # Even the right password and code do not sign in now.
    assert MANAGER.totp_secret
    response = client.post("/login", data={"email": MANAGER.email, "password": MANAGER.password})
    assert response.status_code == 200
    assert not _signed_in_as_manager(client)


def test_the_code_page_needs_the_password_first(client: FlaskClient, demo: DemoResult) -> None:
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert MANAGER.totp_secret
    assert _code(client, pyotp.TOTP(MANAGER.totp_secret).now())[0] == 302
    assert not _signed_in_as_manager(client)


def test_a_password_step_older_than_five_minutes_is_void(
    client: FlaskClient, demo: DemoResult
) -> None:
    _password_step(client, MANAGER.email, MANAGER.password)
    with client.session_transaction() as state:
        state["password_verified"] = {**state["password_verified"], "since": time.time() - 301}
    assert MANAGER.totp_secret
    assert _code(client, pyotp.TOTP(MANAGER.totp_secret).now())[0] == 302
    assert not _signed_in_as_manager(client)


def test_a_therapist_needs_no_code(client: FlaskClient, demo: DemoResult) -> None:
    assert _password_step(client, THERAPIST.email, THERAPIST.password) == "/"


def test_a_manager_session_without_its_code_is_ended(client: FlaskClient, demo: DemoResult) -> None:
    """A session from before the role needed a code (a promotion, an upgrade) stops working."""
    user = _user(MANAGER.email)
    with client.session_transaction() as state:
        now = time.time()
        state.update({"_user_id": user.get_id(), "login_at": now, "last_seen": now})
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_first_sign_in_enrols_an_authenticator_and_is_audited(
    client: FlaskClient, newcomer: User
) -> None:
    _password_step(client, newcomer.email, NEWCOMER_PASSWORD)
    page = client.get("/login/code", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, an image the CSP allows
    shown = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert shown is not None
    secret = shown.group(1).replace(" ", "")
    assert _user(newcomer.email).totp_secret is None  # nothing stored before a code works

    assert _code(client, "000000")[0] == 200
    assert _code(client, pyotp.TOTP(secret).now())[0] == 302
    assert _signed_in_as_manager(client)
    stored = _user(newcomer.email)
    assert stored.totp_secret == secret
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == stored.id)
    ).all()
    assert "user.two_factor_enrolled" in actions


def test_login_as_signs_a_manager_in_twice_in_one_step(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    """The suite's own helper, which forgets the used step between sign-ins."""
    login_as("practice_manager")
    login_as("practice_manager")
    assert _signed_in_as_manager(client)


def test_an_administrator_resets_a_lost_authenticator(
    app: Flask, client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    manager_browser = app.test_client()
    assert MANAGER.totp_secret
    _password_step(manager_browser, MANAGER.email, MANAGER.password)
    assert _code(manager_browser, pyotp.TOTP(MANAGER.totp_secret).now())[0] == 302

    login_as("administrator")
    manager = _user(MANAGER.email)
    page = client.get(f"/admin/users/{manager.id}/edit")
    assert "Aanmeldcode opnieuw instellen" in page.get_data(as_text=True)  # the admin's Dutch
    assert client.post(f"/admin/users/{manager.id}/reset-code").status_code == 302

    assert _user(MANAGER.email).totp_secret is None
    assert not _signed_in_as_manager(manager_browser)  # the old session ended with it
    _password_step(manager_browser, MANAGER.email, MANAGER.password)
    enrol = manager_browser.get("/login/code").get_data(as_text=True)
    assert 'class="totp-secret"' in enrol  # a new authenticator to set up
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == manager.id)
    ).all()
    assert "user.two_factor_reset" in actions
