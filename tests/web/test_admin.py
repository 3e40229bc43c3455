"""The administrator's pages: users and practice settings; nobody else reaches them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.demo import DEMO_LOGINS
from clinic_consent.extensions import db
from clinic_consent.practice.models import SETTINGS_ID, PracticeSettings
from clinic_consent.users.models import User
from clinic_consent.users.passwords import verify_password

THERAPIST = next(login for login in DEMO_LOGINS if login.role == "therapist")
NEW_USER = {
    "email": "New.Colleague@Demo.Clinic-Consent.test",
    "display_name": "Noor Kramer",
    "role": "therapist",
    "language": "en",
    "password": "a long initial password",
}
SETTINGS = {
    "name": "Praktijk De Linde",
    "address": "Lindelaan 1\n1234 AB Utrecht",
    "agb_code": "12345678",
    "default_language": "en",
}


@pytest.fixture
def admin(client: FlaskClient, login_as: Callable[[str], User]) -> User:
    """The demo administrator, signed in, reading English (the assertions are in English)."""
    user = login_as("administrator")
    client.post("/account/language", data={"language": "en"})
    return user


def _user(email: str) -> User:
    user = db.session.scalars(select(User).where(User.email == email.lower())).one()
    db.session.refresh(user)
    return user


def _count(model: type[User] | type[AuditEntry]) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _admin_urls(app: Flask) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.rule.replace("<int:user_id>", "1")
        urls += [(method, url) for method in ("GET", "POST") if method in (rule.methods or ())]
    return urls


@pytest.mark.parametrize("role", ["therapist", "group_facilitator", "practice_manager"])
def test_only_the_administrator_reaches_any_admin_page(
    client: FlaskClient, app: Flask, login_as: Callable[[str], User], role: str
) -> None:
    login_as(role)
    urls = _admin_urls(app)
    assert {url for _method, url in urls} >= {
        "/admin/users",
        "/admin/users/1/edit",
        "/admin/users/1/active",
        "/admin/settings",
    }
    users_before = _count(User)
    for method, url in urls:
        data = {**NEW_USER, "active": "0"} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, (role, method, url)
    assert _count(User) == users_before
    assert all(user.is_active for user in db.session.scalars(select(User)))


def test_the_administrator_sees_no_clinical_data(
    client: FlaskClient, app: Flask, admin: User
) -> None:
    assert client.get("/recordings/1").status_code == 404
    if "clients.index" in app.view_functions:
        assert client.get("/clients/").status_code == 404
    if "sessions.agenda" in app.view_functions:
        assert client.get("/sessions/1").status_code == 404


def test_the_administrator_starts_on_the_user_list(client: FlaskClient, admin: User) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"


def test_user_list_shows_every_user_with_role_and_sign_in_facts(
    client: FlaskClient, admin: User
) -> None:
    client.post("/login", data={"email": THERAPIST.email, "password": "wrong password"})
    client.post("/login", data={"email": admin.email, "password": "wrong password"})
    response = client.get("/admin/users")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for login in DEMO_LOGINS:
        assert login.email in page and login.name in page
    assert "Group facilitator" in page and "Practice manager" in page
    therapist_row = page[page.index(f'id="user-{_user(THERAPIST.email).id}"') :]
    assert "<td>1</td>" in therapist_row[: therapist_row.index("</tr>")]
    assert "never" in page  # the demo's other users have not signed in


def test_creating_a_user_lets_them_sign_in_and_is_audited_without_names(
    app: Flask, client: FlaskClient, admin: User
) -> None:
    response = client.post("/admin/users", data=NEW_USER)
    assert response.status_code == 302
    user = _user(NEW_USER["email"])
    assert (user.display_name, user.role, user.language, user.is_active) == (
        "Noor Kramer",
        "therapist",
        "en",
        True,
    )
    assert verify_password(user.password_hash, NEW_USER["password"])
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.object_id == user.id
        )
    ).one()
    assert entry.actor_user_id == admin.id and entry.details == {"role": "therapist"}
    newcomer = app.test_client()
    sign_in = {"email": NEW_USER["email"], "password": NEW_USER["password"]}
    assert newcomer.post("/login", data=sign_in).status_code == 302


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"password": "too short"}, "between 12"),
        ({"email": "not-an-address"}, "valid e-mail"),
        ({"email": THERAPIST.email.upper()}, "already in use"),
        ({"display_name": ""}, "This field is required"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"language": "de"}, "Not a valid choice"),
    ],
)
def test_a_bad_new_user_is_refused_and_nothing_changes(
    client: FlaskClient, admin: User, change: dict[str, str], field_message: str
) -> None:
    users, entries = _count(User), _count(AuditEntry)
    response = client.post("/admin/users", data={**NEW_USER, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_message in page and "Nothing was saved" in page
    assert (_count(User), _count(AuditEntry)) == (users, entries)


def test_editing_a_user_changes_name_role_and_language(client: FlaskClient, admin: User) -> None:
    therapist = _user(THERAPIST.email)
    page = client.get(f"/admin/users/{therapist.id}/edit")
    assert page.status_code == 200 and THERAPIST.name in page.get_data(as_text=True)
    data = {"display_name": "Tessa Bakker-de Boer", "role": "group_facilitator", "language": "en"}
    response = client.post(f"/admin/users/{therapist.id}/edit", data=data)
    assert response.status_code == 302
    therapist = _user(THERAPIST.email)
    assert (therapist.display_name, therapist.role, therapist.language) == tuple(data.values())
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
    assert entry.details == {
        "changed": ["display_name", "role", "language"],
        "role": "group_facilitator",
        "previous_role": "therapist",
    }


def test_a_bad_edit_changes_nothing(client: FlaskClient, admin: User) -> None:
    therapist = _user(THERAPIST.email)
    data = {"display_name": "", "role": "administrator", "language": "nl"}
    response = client.post(f"/admin/users/{therapist.id}/edit", data=data)
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)
    assert (_user(THERAPIST.email).display_name, _user(THERAPIST.email).role) == (
        THERAPIST.name,
        "therapist",
    )


def test_the_administrator_cannot_demote_themselves(client: FlaskClient, admin: User) -> None:
    data = {"display_name": admin.display_name, "role": "therapist", "language": "en"}
    response = client.post(f"/admin/users/{admin.id}/edit", data=data)
    assert response.status_code == 422
    assert "cannot change your own role" in response.get_data(as_text=True)
    assert _user(admin.email).role == "administrator"


def test_unknown_user_is_404(client: FlaskClient, admin: User) -> None:
    assert client.get("/admin/users/9999/edit").status_code == 404
    assert client.post("/admin/users/9999/active", data={"active": "0"}).status_code == 404


def test_a_deactivated_user_cannot_sign_in_and_their_session_stops(
    app: Flask, client: FlaskClient, admin: User
) -> None:
    therapist_browser = app.test_client()
    sign_in = {"email": THERAPIST.email, "password": THERAPIST.password}
    assert therapist_browser.post("/login", data=sign_in).status_code == 302
    assert therapist_browser.get("/account/password").status_code == 200

    therapist = _user(THERAPIST.email)
    response = client.post(f"/admin/users/{therapist.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert not _user(THERAPIST.email).is_active

    stale = therapist_browser.get("/account/password")
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/login")
    elsewhere = app.test_client()
    again = elsewhere.post("/login", data=sign_in, headers={"Accept-Language": "en"})
    assert again.status_code == 200 and b"is not correct" in again.data
    assert elsewhere.get("/account/password").status_code == 302
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "users")
    ).all()
    assert "user.deactivated" in actions

    response = client.post(f"/admin/users/{therapist.id}/active", data={"active": "1"})
    assert response.status_code == 302 and _user(THERAPIST.email).is_active
    assert app.test_client().post("/login", data=sign_in).status_code == 302


def test_the_administrator_cannot_deactivate_themselves(client: FlaskClient, admin: User) -> None:
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert "cannot deactivate yourself" in response.get_data(as_text=True)
    assert _user(admin.email).is_active
    assert client.get("/admin/users").status_code == 200


def test_a_bad_active_request_changes_nothing(client: FlaskClient, admin: User) -> None:
    therapist = _user(THERAPIST.email)
    response = client.post(f"/admin/users/{therapist.id}/active", data={"active": "maybe"})
    assert response.status_code == 422
    assert _user(THERAPIST.email).is_active


def _settings() -> PracticeSettings:
    practice = db.session.get(PracticeSettings, SETTINGS_ID)
    assert practice is not None
    db.session.refresh(practice)
    return practice


def test_settings_are_saved_and_the_notice_confirmation_is_stamped(
    client: FlaskClient, admin: User
) -> None:
    assert client.get("/admin/settings").status_code == 200
    response = client.post("/admin/settings", data={**SETTINGS, "waiting_room_notice_up": "y"})
    assert response.status_code == 302
    practice = _settings()
    assert (practice.name, practice.address, practice.agb_code, practice.default_language) == (
        SETTINGS["name"],
        SETTINGS["address"],
        SETTINGS["agb_code"],
        "en",
    )
    confirmed_at = practice.waiting_room_notice_confirmed_at
    assert confirmed_at is not None
    assert "Confirmed on" in client.get("/admin/settings").get_data(as_text=True)

    # Saving again keeps the date the notice went up; unticking takes it down.
    client.post("/admin/settings", data={**SETTINGS, "waiting_room_notice_up": "y"})
    assert _settings().waiting_room_notice_confirmed_at == confirmed_at
    client.post("/admin/settings", data={**SETTINGS, "agb_code": ""})
    practice = _settings()
    assert practice.waiting_room_notice_confirmed_at is None and practice.agb_code is None
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "practice.settings_updated")
    ).all()
    assert len(entries) == 2  # the unchanged save wrote nothing
    assert entries[-1].details == {"changed": ["agb_code", "waiting_room_notice_confirmed_at"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"agb_code": "1234567"}, "8 digits"),
        ({"agb_code": "1234567a"}, "8 digits"),
        ({"name": ""}, "This field is required"),
        ({"default_language": "fr"}, "Not a valid choice"),
    ],
)
def test_bad_settings_change_nothing(
    client: FlaskClient, admin: User, change: dict[str, str], message: str
) -> None:
    before = _settings()
    name, agb = before.name, before.agb_code
    response = client.post(
        "/admin/settings", data={**SETTINGS, **change, "waiting_room_notice_up": "y"}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    after = _settings()
    assert (after.name, after.agb_code, after.waiting_room_notice_confirmed_at) == (name, agb, None)
