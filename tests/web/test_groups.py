"""The groups pages: the groups, a roster with the R10 agreement, members and group sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.extensions import db
from clinic_consent.sessions.models import (
    GroupMembership,
    GroupStaff,
    GroupTreatment,
    TreatmentSession,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests.web.test_clients import client_named, count, sign_in_other_therapist
from tests.web.test_sessions import user_named

MEMBERS = (
    "Ahmed El Amrani",
    "Bram Hendriks",
    "Chantal Verbeek",
    "Dewi Kartosen",
    "Eva Mol",
    "Fleur Brouwer",
)


def the_group() -> GroupTreatment:
    return db.session.scalars(select(GroupTreatment)).one()


def register_client(client: FlaskClient, given_name: str) -> int:
    data = {"given_name": given_name, "family_name": "Nieuw", "birth_date": "1980-05-05"}
    assert client.post("/clients/new", data=data).status_code == 303
    return client_named(given_name).id


def membership_of(group: GroupTreatment, client_id: int) -> GroupMembership:
    return db.session.scalars(
        select(GroupMembership).where(
            GroupMembership.group_treatment_id == group.id, GroupMembership.client_id == client_id
        )
    ).one()


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["group_facilitator", "practice_manager"])
def test_the_groups_list_and_the_group_with_its_six_members(
    client: FlaskClient, login_as: Callable[[str], User], role: str
) -> None:
    login_as(role)
    group = the_group()
    page = client.get("/groups/").get_data(as_text=True)
    assert "Emotieregulatie groep" in page and "Floor Visser" in page
    assert ">6<" in page
    response = client.get(f"/groups/{group.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in MEMBERS:
        assert name in page
    assert "What is said in the group stays in the group." in page  # the R10 agreement
    assert f'href="/sessions/{group.sessions[0].id}"' in page
    can_edit = role == "group_facilitator"
    assert ('id="new-group"' in client.get("/groups/").get_data(as_text=True)) == can_edit
    assert (f"/groups/{group.id}/sessions" in page) == can_edit


def test_a_therapist_who_does_not_facilitate_does_not_see_the_group(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    group = the_group()
    assert "Emotieregulatie groep" not in client.get("/groups/").get_data(as_text=True)
    assert client.get(f"/groups/{group.id}").status_code == 404
    assert (
        client.post(f"/groups/{group.id}/sessions", data={"date": "2026-01-01"}).status_code == 404
    )


# --- a new group -----------------------------------------------------------------------------


def test_create_a_group_with_a_co_facilitator(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    floor = login_as("group_facilitator")
    tessa = user_named("Tessa Bakker")
    start = today_utc()
    response = client.post(
        "/groups/new",
        data={
            "name": "Mindfulness",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=60)).isoformat(),
            "facilitators": [str(tessa.id)],
            "agreement_text": "No recordings without everyone's consent.",
            "agreement_made_on": start.isoformat(),
        },
    )
    assert response.status_code == 303
    group = db.session.scalars(
        select(GroupTreatment).where(GroupTreatment.name == "Mindfulness")
    ).one()
    assert response.headers["Location"] == f"/groups/{group.id}"
    assert {s.user_id for s in group.staff} == {floor.id, tessa.id}
    assert group.agreement_made_on == start


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "n" * 201},
        {"start_date": "2026-02-30"},
        {"end_date": "2020-01-01"},  # before the start
        {"facilitators": ["999999"]},
        {"facilitators": ["MANAGER"]},  # not a clinician
        {"agreement_text": "a" * 10_001},
        {"agreement_made_on": "tomorrow"},
    ],
)
def test_a_bad_new_group_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], change: dict[str, object]
) -> None:
    login_as("group_facilitator")
    data: dict[str, object] = {"name": "Mindfulness", "start_date": today_utc().isoformat()}
    data.update(change)
    if data.get("facilitators") == ["MANAGER"]:
        data["facilitators"] = [str(user_named("Mark Dekker").id)]
    groups, staff = count(GroupTreatment), count(GroupStaff)
    response = client.post("/groups/new", data=data)
    assert response.status_code == 422
    assert (count(GroupTreatment), count(GroupStaff)) == (groups, staff)


# --- the roster and the R10 agreement --------------------------------------------------------


def test_add_a_member_and_register_their_agreement(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    group = the_group()
    gijs_id = register_client(client, "Gijs")
    response = client.post(
        f"/groups/{group.id}/members",
        data={"client": gijs_id, "joined_on": today_utc().isoformat()},
    )
    assert response.status_code == 303
    membership = membership_of(group, gijs_id)
    assert membership.agreement_accepted_at is None
    agreement_url = f"/groups/{group.id}/members/{membership.id}/agreement"
    assert agreement_url in client.get(f"/groups/{group.id}").get_data(as_text=True)

    assert client.post(agreement_url).status_code == 303
    db.session.refresh(membership)
    accepted = membership.agreement_accepted_at
    assert accepted is not None
    assert agreement_url not in client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "group.agreement_accepted", AuditEntry.object_id == membership.id
        )
    ).one()
    # Registering it again is refused and keeps the first registration.
    assert client.post(agreement_url).status_code == 422
    db.session.refresh(membership)
    assert membership.agreement_accepted_at == accepted


@pytest.mark.parametrize(
    "change",
    [
        {"client": "999999"},
        {"client": "THERAPISTS_CLIENT"},  # not visible to the facilitator
        {"client": "MEMBER"},  # already a member
        {"joined_on": "2001-01-01"},  # before the group started
        {"joined_on": "2026-04-31"},
        {"joined_on": ""},
    ],
)
def test_a_bad_new_member_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], change: dict[str, str]
) -> None:
    login_as("group_facilitator")
    group = the_group()
    data = {"client": str(register_client(client, "Gijs")), "joined_on": today_utc().isoformat()}
    data.update(change)
    if data["client"] == "THERAPISTS_CLIENT":
        data["client"] = str(client_named("Sanne").id)
    elif data["client"] == "MEMBER":
        data["client"] = str(client_named("Ahmed").id)
    before = count(GroupMembership)
    response = client.post(f"/groups/{group.id}/members", data=data)
    assert response.status_code == 422
    assert count(GroupMembership) == before


def test_a_member_leaves_the_group(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("group_facilitator")
    group = the_group()
    eva = membership_of(group, client_named("Eva").id)
    url = f"/groups/{group.id}/members/{eva.id}/leave"
    field = f"member{eva.id}-left_on"
    bad = client.post(url, data={field: (group.start_date - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422
    assert client.post(url, data={field: "2026-02-30"}).status_code == 422
    db.session.refresh(eva)
    assert eva.left_on is None

    assert client.post(url, data={field: today_utc().isoformat()}).status_code == 303
    db.session.refresh(eva)
    assert eva.left_on == today_utc()
    assert client.post(url, data={field: today_utc().isoformat()}).status_code == 422
    # A new session of the group no longer includes her.
    tomorrow = (today_utc() + timedelta(days=1)).isoformat()
    assert client.post(f"/groups/{group.id}/sessions", data={"date": tomorrow}).status_code == 303
    session = db.session.scalars(
        select(TreatmentSession).where(
            TreatmentSession.date == today_utc() + timedelta(days=1),
            TreatmentSession.kind == "group",
        )
    ).one()
    assert eva.client_id not in {p.client_id for p in session.participants}


def test_a_membership_of_another_group_is_not_found(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    group = the_group()
    response = client.post(
        "/groups/new", data={"name": "Second", "start_date": today_utc().isoformat()}
    )
    assert response.status_code == 303
    second = db.session.scalars(select(GroupTreatment).where(GroupTreatment.name == "Second")).one()
    ahmed = membership_of(group, client_named("Ahmed").id)
    assert client.post(f"/groups/{second.id}/members/{ahmed.id}/agreement").status_code == 404
    leave = client.post(
        f"/groups/{second.id}/members/{ahmed.id}/leave",
        data={f"member{ahmed.id}-left_on": today_utc().isoformat()},
    )
    assert leave.status_code == 404
    db.session.refresh(ahmed)
    assert ahmed.left_on is None


# --- group sessions --------------------------------------------------------------------------


def test_create_a_group_session_with_the_members_and_facilitators(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    floor = login_as("group_facilitator")
    group = the_group()
    on = today_utc() + timedelta(days=7)
    response = client.post(
        f"/groups/{group.id}/sessions", data={"date": on.isoformat(), "starts_at": "10:00"}
    )
    assert response.status_code == 303
    session = db.session.scalars(
        select(TreatmentSession).where(
            TreatmentSession.date == on, TreatmentSession.kind == "group"
        )
    ).one()
    assert response.headers["Location"] == f"/sessions/{session.id}"
    assert (session.kind, session.group_treatment_id) == ("group", group.id)
    assert sum(p.role == "client" for p in session.participants) == 6
    assert {p.user_id for p in session.participants if p.role == "staff"} == {floor.id}
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    for name in MEMBERS:
        assert name in page


@pytest.mark.parametrize("day", ["2001-01-01", "2099-01-01", "2026-02-29", ""])
def test_a_group_session_outside_the_period_or_on_no_date_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], day: str
) -> None:
    login_as("group_facilitator")
    group = the_group()
    before = count(TreatmentSession)
    response = client.post(f"/groups/{group.id}/sessions", data={"date": day})
    assert response.status_code == 422
    assert count(TreatmentSession) == before


# --- who may do what -------------------------------------------------------------------------


def _group_posts(group: GroupTreatment) -> list[tuple[str, dict[str, object]]]:
    member = group.members[0]
    return [
        ("/groups/new", {"name": "X", "start_date": today_utc().isoformat()}),
        (
            f"/groups/{group.id}/members",
            {"client": str(member.client_id), "joined_on": today_utc().isoformat()},
        ),
        (f"/groups/{group.id}/members/{member.id}/agreement", {}),
        (
            f"/groups/{group.id}/members/{member.id}/leave",
            {f"member{member.id}-left_on": today_utc().isoformat()},
        ),
        (f"/groups/{group.id}/sessions", {"date": today_utc().isoformat()}),
    ]


def test_the_managers_changes_are_refused(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    group = the_group()
    audit = count(AuditEntry)
    for url, data in _group_posts(group):
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/groups/new").status_code == 403
    assert count(AuditEntry) == audit
    assert all(m.left_on is None for m in group.members)


def test_the_administrator_sees_no_groups(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("administrator")
    group = the_group()
    for url in ("/groups/", "/groups/new", f"/groups/{group.id}"):
        assert client.get(url).status_code == 404, url
    for url, data in _group_posts(group):
        assert client.post(url, data=data).status_code == 404, url


def test_another_therapist_does_not_see_the_group(client: FlaskClient, demo: object) -> None:
    group = the_group()
    sign_in_other_therapist(client)
    assert "Emotieregulatie groep" not in client.get("/groups/").get_data(as_text=True)
    assert client.get(f"/groups/{group.id}").status_code == 404
    for url, data in _group_posts(group)[1:]:
        assert client.post(url, data=data).status_code == 404, url
