"""The demo's users read Dutch: every main page, and what a refused form says, is in Dutch.

Each page is read twice: in Dutch, where none of its English giveaways may show, and then in
English, where each of them must show, so that a giveaway that no longer appears on the page
cannot make the Dutch check pass by itself.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.clients.models import Client
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import participant_key, representative_key
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import GroupTreatment
from clinic_consent.users.models import User

Login = Callable[[str], User]


def _visible_text(page: str) -> str:
    """What a reader sees or hears: the text, and the titles, labels and placeholders."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    spoken = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html_module.unescape(" ".join([text, *spoken]))


# --- the demo's objects ---------------------------------------------------------------------


def _client(given_name: str) -> Client:
    return db.session.scalars(select(Client).where(Client.given_name == given_name)).one()


def _recording(given_name: str, **where: object) -> Recording:
    """The recording of the demo client's session that has the attributes in ``where``."""
    for recording in db.session.scalars(select(Recording).order_by(Recording.id)):
        clients = {p.client.given_name for p in recording.session.participants if p.client}
        if given_name in clients and all(getattr(recording, k) == v for k, v in where.items()):
            return recording
    raise LookupError(given_name)


def _daans_treatment() -> Recording:
    """Daan (9) is represented by his mother, whose consent is pending (R4, R6)."""
    return _recording("Daan", purpose="treatment")


def _group_member_recording() -> Recording:
    return _recording("Ahmed", made_by="client")


def _group() -> GroupTreatment:
    return db.session.scalars(select(GroupTreatment)).one()


def _capture_url() -> str:
    recording = _daans_treatment()
    daan = next(p for p in recording.session.participants if p.client is not None)
    assert daan.client is not None
    mother = daan.client.representatives[0]
    return (
        f"/recordings/{recording.id}/consent/{representative_key(mother)}/{participant_key(daan)}"
    )


def _withdraw_url() -> str:
    training = _recording("Ahmed", purpose="training")
    consent = next(c for c in training.consents if c.withdrawn_at is None)
    return f"/consents/{consent.id}/withdraw"


def _consent_count() -> int:
    return len(db.session.scalars(select(Consent)).all())


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    role: str
    url: Callable[[], str]
    dutch: tuple[str, ...]  # words a Dutch reader sees on it
    english: tuple[str, ...]  # what the page says in English, never shown to a Dutch reader


MENU = ("Sign out", "Password")
PAGES = {
    "agenda": Page(
        "therapist",
        lambda: "/sessions/agenda",
        ("Mijn sessies", "Vandaag", "Volgende week", "Afmelden"),
        (*MENU, "My sessions", "Next week", "Go: no consent needed", "New session"),
    ),
    "clients": Page(
        "therapist",
        lambda: "/clients/",
        ("Cliënten", "Zoeken op naam", "Nieuwe cliënt", "Niet beoordeeld", "Wilsonbekwaam"),
        (*MENU, "Search by name", "New client", "Not judged", "Lacks capacity"),
    ),
    "client": Page(
        "therapist",
        lambda: f"/clients/{_client('Sanne').id}",
        ("Vertegenwoordigers", "Ouder", "Heeft gezag", "Toestemmingen", "Wilsbekwaamheid"),
        (*MENU, "Representatives", "Has authority", "Capacity judgements", "Given by"),
    ),
    "session": Page(
        "therapist",
        lambda: f"/sessions/{_daans_treatment().session_id}",
        ("Deelnemers", "Vertegenwoordigers:", "Een opname plannen", "Naaste of tolk"),
        (*MENU, "Participants", "Representatives:", "Plan a recording", "Add companion"),
    ),
    "recording": Page(
        "therapist",
        lambda: f"/recordings/{_daans_treatment().id}",
        ("Oordeel", "Wacht op toestemming", "Vereiste toestemmingen", "namens", "Bewaarklasse"),
        (
            *MENU,
            "Verdict",
            "Waiting for consent",
            "Required consents",
            "Who consents",
            "Not yet asked",
            "Retention class",
            "Part of the medical file",
            "Grant access",
        ),
    ),
    "private recording": Page(
        "therapist",
        lambda: f"/recordings/{_recording('Lotte', made_by='client').id}",
        ("Advies", "bespreek het motief", "geen toestemming nodig"),
        (*MENU, "Advice", "discuss the motive", "no consent needed"),
    ),
    "destroyed recording": Page(
        "therapist",
        lambda: f"/recordings/{_recording('Lotte', status='destroyed').id}",
        ("Vernietigd", "Getuige", "Geregistreerde toestemmingen"),
        (*MENU, "Destroyed", "Witness", "Registered consents", "Granted"),
    ),
    "plan a recording": Page(
        "therapist",
        lambda: f"/recordings/new?session_id={_daans_treatment().session_id}",
        ("Wie neemt op", "Bewaarklasse", "Plan opslaan", "Opslaglocatie"),
        (*MENU, "Plan a recording", "Who records", "Save the plan", "Storage location"),
    ),
    "change the terms": Page(
        "therapist",
        lambda: f"/recordings/{_daans_treatment().id}/edit",
        ("Voorwaarden opslaan", "Annuleren", "Omvang"),
        (*MENU, "Save the terms", "Cancel", "Scope"),
    ),
    "capture": Page(
        "therapist",
        _capture_url,
        ("Geeft u namens", "Ja, ik geef toestemming", "Hoe wordt de beslissing gegeven?"),
        # The consent itself is shown in the party's language (Dutch here) in both cases.
        (*MENU, "How is the decision given?", "Register the decision", "Not yet asked"),
    ),
    "waiting-room notice": Page(
        "therapist",
        lambda: "/recordings/waiting-room-notice",
        ("Wachtkamerbericht", "Hang dit bericht op", "Uw gesprek opnemen", "Afdrukken"),
        # The notice itself is in both languages; only the page around it is translated.
        (*MENU, "Hang this notice", "Print"),
    ),
    "password": Page(
        "therapist",
        lambda: "/account/password",
        ("Huidig wachtwoord", "Nieuw wachtwoord nogmaals"),
        ("Sign out", "Current password", "New password again"),
    ),
    "groups": Page(
        "group_facilitator",
        lambda: "/groups/",
        ("Groepen", "Periode", "Leden", "Begeleiders", "Nieuwe groep"),
        (*MENU, "Members", "Facilitators", "New group"),
    ),
    "group": Page(
        "group_facilitator",
        lambda: f"/groups/{_group().id}",
        ("Afspraken over opnemen en vertrouwelijkheid", "Afspraken aanvaard", "Lid toevoegen"),
        (
            *MENU,
            "Recording and confidentiality agreement",
            "Agreement accepted",
            "Add member",
            "New group session",
        ),
    ),
    "group session": Page(
        "group_facilitator",
        lambda: f"/sessions/{_group_member_recording().session_id}",
        ("Deelnemers", "Opnamen", "Geluidsopname door de cliënt", "Geweigerd"),
        (*MENU, "Participants", "Recordings", "Audio recording by the client", "Refused"),
    ),
    "roster": Page(
        "group_facilitator",
        lambda: f"/recordings/{_group_member_recording().id}/roster",
        ("Toestemmingsoverzicht", "Zelf", "Gegeven", "Nog niet gevraagd"),
        (*MENU, "Consent roster", "Themselves", "Granted", "Not yet asked", "withdraw"),
    ),
    "withdraw": Page(
        "group_facilitator",
        _withdraw_url,
        ("Toestemming intrekken", "hoeft geen reden te geven", "Gevolg van de intrekking"),
        (*MENU, "Withdraw consent", "Reason", "After the withdrawal", "Cancel"),
    ),
    "manager's recording": Page(
        "practice_manager",
        lambda: f"/recordings/{_daans_treatment().id}",
        ("Oordeel", "Vereiste toestemmingen"),
        (*MENU, "Verdict", "Required consents", "Waiting for consent"),
    ),
    "users": Page(
        "administrator",
        lambda: "/admin/users",
        ("Gebruikers", "Laatste aanmelding", "Deactiveren", "Gebruiker aanmaken", "Beheerder"),
        (*MENU, "Users", "Last sign-in", "Deactivate", "Create user", "Administrator"),
    ),
    "settings": Page(
        "administrator",
        lambda: "/admin/settings",
        ("Praktijkinstellingen", "Naam van de praktijk", "wachtkamerbericht", "Opslaan"),
        (*MENU, "Practice settings", "Practice name", "Default language", "Save"),
    ),
}


def _read(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return _visible_text(response.get_data(as_text=True))


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_in_dutch_for_a_dutch_reader(
    client: FlaskClient, login_as: Login, name: str
) -> None:
    page = PAGES[name]
    user = login_as(page.role)
    assert user.language == "nl"
    url = page.url()

    dutch = _read(client, url)
    assert [word for word in page.dutch if word not in dutch] == []
    assert [phrase for phrase in page.english if phrase in dutch] == []

    client.post("/account/language", data={"language": "en"})
    english = _read(client, url)
    assert [phrase for phrase in page.english if phrase not in english] == []


def test_a_refused_form_says_why_in_dutch(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    clients_before = len(db.session.scalars(select(Client)).all())

    empty = client.post("/clients/new", data={"given_name": "", "family_name": "Smit"})
    future = client.post(
        "/clients/new",
        data={"given_name": "Noa", "family_name": "Smit", "birth_date": "2990-01-01"},
    )

    assert (empty.status_code, future.status_code) == (422, 422)
    empty_text, future_text = (_visible_text(r.get_data(as_text=True)) for r in (empty, future))
    assert "Dit veld is vereist." in empty_text  # WTForms' own message, in Dutch
    assert "This field is required" not in empty_text
    assert "Er is niets opgeslagen" in empty_text
    assert "Nothing was saved" not in empty_text
    assert "mag niet na vandaag liggen" in future_text  # the operation's refusal
    assert "cannot be after" not in future_text
    assert len(db.session.scalars(select(Client)).all()) == clients_before


def test_an_operations_refusal_is_in_dutch(client: FlaskClient, login_as: Login) -> None:
    admin = login_as("administrator")
    taken = {
        "email": admin.email,
        "display_name": "Nog een beheerder",
        "role": "administrator",
        "language": "nl",
        "password": "een lang genoeg wachtwoord",
    }

    duplicate = client.post("/admin/users", data=taken)
    itself = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})

    assert (duplicate.status_code, itself.status_code) == (422, 422)
    duplicate_text, itself_text = (
        _visible_text(r.get_data(as_text=True)) for r in (duplicate, itself)
    )
    assert "is al in gebruik" in duplicate_text  # under the e-mail field
    assert "is already in use" not in duplicate_text
    assert "u kunt uzelf niet deactiveren" in itself_text  # above the page
    assert "you cannot deactivate yourself" not in itself_text
    assert db.session.get(User, admin.id).is_active  # type: ignore[union-attr]


def test_a_withdrawal_refusal_is_in_dutch(client: FlaskClient, login_as: Login) -> None:
    login_as("group_facilitator")
    training = _recording("Ahmed", purpose="training")
    withdrawn = next(c for c in training.consents if c.withdrawn_at is not None)
    consents_before = _consent_count()

    response = client.post(f"/consents/{withdrawn.id}/withdraw", data={"reason": ""})

    text = _visible_text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "deze toestemming is al ingetrokken" in text.lower()
    assert "already withdrawn" not in text
    assert _consent_count() == consents_before


def test_a_refused_consent_says_why_in_the_partys_dutch(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    consents_before = _consent_count()

    no_decision = client.post(_capture_url(), data={"method": "paper_form"})
    no_drawing = client.post(
        _capture_url(), data={"decision": "granted", "method": "drawn_signature"}
    )

    assert (no_decision.status_code, no_drawing.status_code) == (422, 422)
    texts = [_visible_text(r.get_data(as_text=True)) for r in (no_decision, no_drawing)]
    assert "Kies: wel of geen toestemming." in texts[0]
    assert "teken de handtekening" in texts[1]
    assert not [t for t in texts if "Choose" in t or "draw the signature" in t]
    assert _consent_count() == consents_before
