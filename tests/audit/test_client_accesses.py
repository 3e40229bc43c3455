"""Per client, who accessed their recordings and consents, and when (Wabvpz; NEN 7513)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.clients.models import Client
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.users.models import User

LoginAs = Callable[[str], User]


def sanne() -> Client:
    """The demo therapist's client, with a recording and three consents."""
    return db.session.scalars(select(Client).where(Client.given_name == "Sanne")).one()


def a_consent_of(patient: Client) -> Consent:
    return db.session.scalars(
        select(Consent)
        .join(SessionParticipant, Consent.for_participant_id == SessionParticipant.id)
        .where(SessionParticipant.client_id == patient.id)
        .order_by(Consent.id)
    ).first() or pytest.fail("the demo client has no consent")


def rows(page: str) -> list[str]:
    """The table rows of the overview, newest first."""
    if 'id="accesses"' not in page:
        return []
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("</tr>") if "<td>" in row]


def english(user: User) -> User:
    """Pages in English whatever the demo user's language (the labels are what is checked)."""
    user.language = "en"
    db.session.commit()
    return user


def log_access(patient: Client, user: User, at: datetime, object_id: int = 1) -> None:
    db.session.add(
        AccessLogEntry(
            occurred_at=at,
            event="recordings.read",
            action="read",
            outcome="success",
            user_id=user.id,
            user_role=user.role,
            responsible_user_id=user.id,
            purpose_of_use="treatment",
            network_address="192.0.2.7",
            client_id=patient.id,
            object_type="recordings",
            object_id=object_id,
        )
    )


def test_the_manager_sees_who_looked_at_a_consent_and_when(
    client: FlaskClient, login_as: LoginAs
) -> None:
    patient = sanne()
    consent = a_consent_of(patient)
    english(login_as("therapist"))
    assert client.get(f"/consents/{consent.id}/withdraw").status_code == 200
    assert client.get(f"/recordings/{consent.recording_id}").status_code == 200
    english(login_as("practice_manager"))
    response = client.get(f"/clients/{patient.id}/accesses")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sanne Jansen" in page
    consent_rows = [row for row in rows(page) if f"consent #{consent.id}" in row]
    assert len(consent_rows) == 1
    recording_rows = [row for row in rows(page) if f"recording #{consent.recording_id}" in row]
    assert len(recording_rows) == 1  # the therapist made it: it is the client's all the same
    for row in (consent_rows[0], recording_rows[0]):
        for shown in ("Tessa Bakker", "Therapist", "treatment", "view", "allowed", "127.0.0.1"):
            assert shown in row
    assert rows(page)[0] == recording_rows[0]  # newest first
    # The manager's own look is logged as well, at the end of her request: it tops the list now.
    again = rows(client.get(f"/clients/{patient.id}/accesses").get_data(as_text=True))
    assert "Mark Dekker" in again[0] and "audit" in again[0] and "client file" in again[0]


@pytest.mark.parametrize(
    ("role", "status"),
    [("therapist", 200), ("practice_manager", 200), ("administrator", 404)],
)
def test_who_may_see_the_overview(
    client: FlaskClient, login_as: LoginAs, role: str, status: int
) -> None:
    patient = sanne()
    login_as(role)
    assert client.get(f"/clients/{patient.id}/accesses").status_code == status
    assert client.get(f"/clients/{patient.id}/accesses?format=csv").status_code == status


def test_a_clinician_who_does_not_treat_the_client_gets_a_404_and_it_is_logged(
    client: FlaskClient, login_as: LoginAs
) -> None:
    patient = sanne()
    login_as("group_facilitator")
    assert client.get(f"/clients/{patient.id}/accesses").status_code == 404
    denied = db.session.scalars(
        select(AccessLogEntry).where(
            AccessLogEntry.outcome == "denied", AccessLogEntry.object_id == patient.id
        )
    ).all()
    assert [entry.event for entry in denied] == ["clients.read"]


def test_an_unknown_client_is_a_404(client: FlaskClient, login_as: LoginAs) -> None:
    login_as("practice_manager")
    assert client.get("/clients/999999/accesses").status_code == 404


def test_the_period_limits_the_list(client: FlaskClient, login_as: LoginAs) -> None:
    patient = sanne()
    manager = english(login_as("practice_manager"))
    log_access(patient, manager, datetime(2024, 3, 1, 12, tzinfo=UTC), object_id=901)
    log_access(patient, manager, datetime(2024, 4, 15, 12, tzinfo=UTC), object_id=902)
    log_access(patient, manager, datetime(2024, 6, 1, 12, tzinfo=UTC), object_id=903)
    db.session.commit()
    page = client.get(f"/clients/{patient.id}/accesses?from=2024-04-01&to=2024-04-30").get_data(
        as_text=True
    )
    shown = rows(page)
    assert len(shown) == 1 and "recording #902" in shown[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "Enter dates as YYYY-MM-DD."),
        ("to=2024-02-30", "Enter dates as YYYY-MM-DD."),
        ("from=2024-05-01&to=2024-04-01", "The period ends before it starts."),
    ],
)
def test_a_bad_period_is_refused_with_a_message(
    client: FlaskClient, login_as: LoginAs, query: str, message: str
) -> None:
    patient = sanne()
    english(login_as("practice_manager"))
    response = client.get(f"/clients/{patient.id}/accesses?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_fifty_to_a_page_newest_first(client: FlaskClient, login_as: LoginAs) -> None:
    patient = sanne()
    manager = english(login_as("practice_manager"))
    start = datetime(2020, 1, 1, 9, tzinfo=UTC)
    for number in range(60):
        log_access(patient, manager, start + timedelta(minutes=number), object_id=1000 + number)
    db.session.commit()
    url = f"/clients/{patient.id}/accesses?from=2020-01-01&to=2020-01-01"
    first = client.get(url).get_data(as_text=True)
    assert len(rows(first)) == 50
    assert "recording #1059" in rows(first)[0]
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert len(rows(second)) == 10
    assert "recording #1000" in rows(second)[-1]
    assert len(rows(client.get(url + "&page=99").get_data(as_text=True))) == 10


def test_the_csv_is_a_copy_for_the_client_and_its_download_is_logged(
    client: FlaskClient, login_as: LoginAs
) -> None:
    patient = sanne()
    manager = english(login_as("practice_manager"))
    log_access(patient, manager, datetime(2024, 3, 1, 12, tzinfo=UTC), object_id=901)
    db.session.commit()
    url = f"/clients/{patient.id}/accesses?format=csv&from=2024-03-01&to=2024-03-01"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:5] == ["Date and time (UTC)", "Event", "Action", "Outcome", "User"]
    assert table[1:] == [
        [
            "2024-03-01T12:00:00+00:00",
            "recordings.read",
            "view",
            "allowed",
            "Mark Dekker",
            "Practice manager",
            "Mark Dekker",
            "treatment",
            "192.0.2.7",
            str(patient.id),
            "recording",
            "901",
        ]
    ]
    exported = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "access_log_entries.export")
    ).one()
    assert (exported.client_id, exported.user_id, exported.purpose_of_use) == (
        patient.id,
        manager.id,
        "audit",
    )


def test_a_formula_in_a_name_is_not_run_by_a_spreadsheet(
    client: FlaskClient, login_as: LoginAs
) -> None:
    patient = sanne()
    manager = english(login_as("practice_manager"))
    manager.display_name = "=HYPERLINK(1)"
    log_access(patient, manager, datetime(2024, 3, 1, 12, tzinfo=UTC))
    db.session.commit()
    text = client.get(
        f"/clients/{patient.id}/accesses?format=csv&from=2024-03-01&to=2024-03-01"
    ).get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def test_the_client_page_links_to_the_overview(client: FlaskClient, login_as: LoginAs) -> None:
    patient = sanne()
    login_as("therapist")
    page = client.get(f"/clients/{patient.id}").get_data(as_text=True)
    assert f'href="/clients/{patient.id}/accesses"' in page
