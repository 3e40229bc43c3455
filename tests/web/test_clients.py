"""The clients pages: the list, a client with representatives, capacity and consents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.models import CapacityJudgement, Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.conftest import sign_in_with

OTHER_PASSWORD = "another long password 2026"
THERAPISTS_CLIENTS = ("Sanne Jansen", "Lotte Mulder", "Daan de Vries", "Willem de Groot")
GROUP_MEMBER = "Ahmed El Amrani"


def client_named(given_name: str) -> Client:
    return db.session.scalars(select(Client).where(Client.given_name == given_name)).one()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def sign_in_other_therapist(client: FlaskClient) -> User:
    """A second therapist of the practice, who treats none of the demo's clients."""
    user = create_user(
        email="timo.smit@example.org",
        display_name="Timo Smit",
        role="therapist",
        password=OTHER_PASSWORD,
    )
    db.session.commit()
    client.post("/logout")
    response = sign_in_with(client, user.email, OTHER_PASSWORD)
    assert response.status_code == 302
    return user


def new_client_data(**changes: str) -> dict[str, str]:
    data = {
        "given_name": "Noa",
        "family_name": "Visser",
        "birth_date": "1990-04-01",
        "language": "en",
        "external_ref": "EHR-1234",
    }
    data.update(changes)
    return data


# --- the list --------------------------------------------------------------------------------


def test_the_therapist_sees_her_clients_with_their_facts(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    response = client.get("/clients/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in THERAPISTS_CLIENTS:
        assert name in page
    assert GROUP_MEMBER not in page
    assert 'id="new-client"' in page
    sanne = client_named("Sanne")
    assert f'href="/clients/{sanne.id}"' in page


def test_search_by_name(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    page = client.get("/clients/?q=jans").get_data(as_text=True)
    assert "Sanne Jansen" in page
    assert "Lotte Mulder" not in page
    page = client.get("/clients/?q=Lotte%20Mul").get_data(as_text=True)
    assert "Lotte Mulder" in page
    assert "Sanne Jansen" not in page
    page = client.get("/clients/?q=%25").get_data(as_text=True)  # a wildcard is just a character
    assert "Sanne Jansen" not in page


def test_the_manager_sees_every_client_read_only(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    page = client.get("/clients/").get_data(as_text=True)
    for name in (*THERAPISTS_CLIENTS, GROUP_MEMBER):
        assert name in page
    assert 'id="new-client"' not in page
    sanne = client_named("Sanne")
    page = client.get(f"/clients/{sanne.id}").get_data(as_text=True)
    assert "Ella Jansen" in page
    assert "<form" not in page.split("</header>", 1)[1]
    assert 'class="withdraw"' not in page


# --- one client ------------------------------------------------------------------------------


def test_client_page_shows_both_parents_the_recording_and_the_consents(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    sanne = client_named("Sanne")
    response = client.get(f"/clients/{sanne.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ella Jansen" in page and "ella.jansen@example.org" in page
    assert "Joost Jansen" in page and "+31 6 1234 5678" in page
    assert ">14<" in page  # her age
    consents = _consents(sanne)
    assert len(consents) == 3  # Sanne herself and both parents
    for consent in consents:
        assert f'class="withdraw" href="/consents/{consent.id}/withdraw"' in page
        assert f'href="/recordings/{consent.recording_id}"' in page
    assert "status-cleared" in page
    session_id = consents[0].recording.session_id
    assert f'href="/sessions/{session_id}"' in page


def _consents(sanne: Client) -> list[Consent]:
    from clinic_consent.sessions.models import SessionParticipant

    return list(
        db.session.scalars(
            select(Consent)
            .join(SessionParticipant, Consent.for_participant_id == SessionParticipant.id)
            .where(SessionParticipant.client_id == sanne.id)
        )
    )


def test_a_withdrawn_consent_has_no_withdraw_link(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    chantal = client_named("Chantal")  # granted the member's recording, withdrew the training one
    page = client.get(f"/clients/{chantal.id}").get_data(as_text=True)
    assert "status-withdrawn" in page
    assert page.count('class="withdraw"') == 1


def test_create_a_client(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    therapist = login_as("therapist")
    response = client.post("/clients/new", data=new_client_data())
    assert response.status_code == 303
    noa = client_named("Noa")
    assert response.headers["Location"] == f"/clients/{noa.id}"
    assert (noa.birth_date, noa.language, noa.external_ref) == (date(1990, 4, 1), "en", "EHR-1234")
    assert noa.created_by_id == therapist.id
    assert "Noa Visser" in client.get("/clients/").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": "1990-02-30"},
        {"birth_date": ""},
        {"birth_date": (today_utc() + timedelta(days=1)).isoformat()},
        {"birth_date": "1800-01-01"},
        {"given_name": ""},
        {"given_name": "x" * 201},
        {"family_name": "Visser\x07"},
        {"language": "de"},
        {"external_ref": "r" * 101},
    ],
)
def test_a_bad_new_client_is_refused_and_nothing_is_saved(
    client: FlaskClient, login_as: Callable[[str], User], changes: dict[str, str]
) -> None:
    login_as("therapist")
    before = count(Client)
    response = client.post("/clients/new", data=new_client_data(**changes))
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(Client) == before


def test_a_patient_number_belongs_to_one_client(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    client.post("/account/language", data={"language": "en"})  # checks the English text
    assert client.post("/clients/new", data=new_client_data()).status_code == 303
    before = count(Client)
    response = client.post("/clients/new", data=new_client_data(given_name="Other"))
    assert response.status_code == 422
    assert "belongs to another client" in response.get_data(as_text=True)
    assert count(Client) == before


def test_edit_a_client_is_saved_and_audited(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    lotte = client_named("Lotte")
    form = client.get(f"/clients/{lotte.id}/edit")
    assert form.status_code == 200 and 'value="Mulder"' in form.get_data(as_text=True)
    data = new_client_data(given_name="Lotte", family_name="Mulder-de Boer")
    response = client.post(f"/clients/{lotte.id}/edit", data=data)
    assert response.status_code == 303
    db.session.refresh(lotte)
    assert lotte.family_name == "Mulder-de Boer"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "client.updated")
    ).one()
    assert entry.client_id == lotte.id
    assert "family_name" in entry.details["fields"]


def test_a_bad_edit_changes_nothing(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    lotte = client_named("Lotte")
    data = new_client_data(given_name="Lotte", family_name="y" * 300)
    response = client.post(f"/clients/{lotte.id}/edit", data=data)
    assert response.status_code == 422
    db.session.refresh(lotte)
    assert lotte.family_name == "Mulder"


def test_add_and_end_a_representative(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    daan = client_named("Daan")
    response = client.post(
        f"/clients/{daan.id}/representatives",
        data={"name": "Kees de Vries", "relation": "parent", "contact": "kees@example.org"},
    )
    assert response.status_code == 303
    kees = db.session.scalars(
        select(Representative).where(Representative.name == "Kees de Vries")
    ).one()
    assert (kees.client_id, kees.relation, kees.has_authority) == (daan.id, "parent", False)
    assert "Kees de Vries" in client.get(f"/clients/{daan.id}").get_data(as_text=True)

    url = f"/clients/{daan.id}/representatives/{kees.id}/end"
    assert client.post(url).status_code == 303
    db.session.refresh(kees)
    ended = kees.ended_at
    assert ended is not None
    again = client.post(url)
    assert again.status_code == 422
    db.session.refresh(kees)
    assert kees.ended_at == ended


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "relation": "parent"},
        {"name": "Kees", "relation": "uncle"},
        {"name": "K" * 201, "relation": "parent"},
        {"name": "Kees", "relation": "parent", "contact": "c" * 301},
    ],
)
def test_a_bad_representative_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], data: dict[str, str]
) -> None:
    login_as("therapist")
    daan = client_named("Daan")
    before = count(Representative)
    response = client.post(f"/clients/{daan.id}/representatives", data=data)
    assert response.status_code == 422
    assert count(Representative) == before


def test_a_representative_is_ended_only_through_their_own_client(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    daan, sanne = client_named("Daan"), client_named("Sanne")
    ella = sanne.representatives[0]
    assert client.post(f"/clients/{daan.id}/representatives/{ella.id}/end").status_code == 404
    db.session.refresh(ella)
    assert ella.ended_at is None


def test_record_a_capacity_judgement(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    therapist = login_as("therapist")
    lotte = client_named("Lotte")
    response = client.post(
        f"/clients/{lotte.id}/capacity",
        data={"has_capacity": "no", "decision": "Consent to video recording", "note": "Psychosis"},
    )
    assert response.status_code == 303
    judgement = db.session.scalars(
        select(CapacityJudgement).where(CapacityJudgement.client_id == lotte.id)
    ).one()
    assert not judgement.has_capacity
    assert (judgement.decision_scope, judgement.judged_by_id) == ("recording", therapist.id)
    assert "Consent to video recording" in client.get(f"/clients/{lotte.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "Recording"},  # judgement missing
        {"has_capacity": "maybe", "decision": "Recording"},
        {"has_capacity": "yes", "decision": ""},
        {"has_capacity": "yes", "decision": "Recording", "decision_scope": "everything"},
    ],
)
def test_a_bad_capacity_judgement_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], data: dict[str, str]
) -> None:
    login_as("therapist")
    lotte = client_named("Lotte")
    response = client.post(f"/clients/{lotte.id}/capacity", data=data)
    assert response.status_code == 422
    assert count(CapacityJudgement) == 1  # the demo's judgement of Willem


# --- who may do what -------------------------------------------------------------------------


def _client_posts(sanne: Client) -> list[tuple[str, dict[str, str]]]:
    rep = sanne.representatives[0]
    return [
        ("/clients/new", new_client_data()),
        (f"/clients/{sanne.id}/edit", new_client_data()),
        (f"/clients/{sanne.id}/representatives", {"name": "X", "relation": "parent"}),
        (f"/clients/{sanne.id}/representatives/{rep.id}/end", {}),
        (f"/clients/{sanne.id}/capacity", {"has_capacity": "no", "decision": "Recording"}),
    ]


def test_the_managers_changes_are_refused(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    sanne = client_named("Sanne")
    audit_before = count(AuditEntry)
    for url, data in _client_posts(sanne):
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/clients/new").status_code == 403
    assert count(AuditEntry) == audit_before
    db.session.refresh(sanne)
    assert sanne.given_name == "Sanne"
    assert all(r.ended_at is None for r in sanne.representatives)


def test_the_administrator_sees_no_clients(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("administrator")
    sanne = client_named("Sanne")
    for url in ("/clients/", "/clients/new", f"/clients/{sanne.id}", f"/clients/{sanne.id}/edit"):
        assert client.get(url).status_code == 404, url
    for url, data in _client_posts(sanne):
        assert client.post(url, data=data).status_code == 404, url


def test_another_therapist_does_not_see_the_demo_therapists_clients(
    client: FlaskClient, demo: object
) -> None:
    sanne = client_named("Sanne")
    sign_in_other_therapist(client)
    page = client.get("/clients/").get_data(as_text=True)
    for name in THERAPISTS_CLIENTS:
        assert name not in page
    assert client.get(f"/clients/{sanne.id}").status_code == 404
    assert client.get(f"/clients/{sanne.id}/edit").status_code == 404
    for url, data in _client_posts(sanne)[1:]:
        assert client.post(url, data=data).status_code == 404, url
    # A client she registers herself is hers to see.
    assert client.post("/clients/new", data=new_client_data()).status_code == 303
    assert "Noa Visser" in client.get("/clients/").get_data(as_text=True)
