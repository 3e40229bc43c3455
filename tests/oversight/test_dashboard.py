"""The practice manager's dashboard: counts, lists, CSV, filters and charts against a data set
whose counts are known by construction (tests/oversight/dataset.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.extensions import db
from clinic_consent.oversight.queries import LIST_NAMES
from clinic_consent.users.models import User
from tests import builders
from tests.conftest import sign_in_with
from tests.oversight import dataset


@pytest.fixture
def practice(app: Flask) -> dataset.Practice:
    return dataset.build()


def sign_in(client: FlaskClient, user_email: str) -> None:
    response = sign_in_with(client, user_email, builders.PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def manager(client: FlaskClient, practice: dataset.Practice) -> FlaskClient:
    sign_in(client, practice.staff.manager.email)
    return client


def shown_counts(html: str) -> dict[str, int]:
    found = re.findall(
        r'<tr id="count-([a-z0-9-]+)">.*?<td class="count">(\d+)</td>', html, flags=re.S
    )
    return {name: int(count) for name, count in found}


RECORDING, LINK = 0, -1  # columns of every list's CSV (the headers are translated)


def csv_rows(client: FlaskClient, name: str, query: str = "") -> list[list[str]]:
    """The data rows of a list's CSV, after its header row."""
    response = client.get(f"/dashboard/{name}.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    header, *rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
    assert len(header) == 11
    return rows


def test_every_list_is_counted(manager: FlaskClient) -> None:
    assert set(dataset.EXPECTED) == set(LIST_NAMES)


def test_dashboard_shows_the_known_counts(manager: FlaskClient) -> None:
    response = manager.get("/dashboard")
    assert response.status_code == 200
    assert shown_counts(response.get_data(as_text=True)) == dataset.EXPECTED


@pytest.mark.parametrize("name", sorted(dataset.EXPECTED))
def test_each_csv_has_the_rows_the_page_counts(manager: FlaskClient, name: str) -> None:
    rows = csv_rows(manager, name)
    assert len(rows) == dataset.EXPECTED[name]


def test_csv_rows_name_and_link_the_recordings(
    manager: FlaskClient, practice: dataset.Practice
) -> None:
    rows = csv_rows(manager, "overdue")
    expected = {practice.recordings[letter].id for letter in "ABH"}
    assert {int(row[RECORDING]) for row in rows} == expected
    for row in rows:
        assert row[LINK].endswith(f"/recordings/{row[RECORDING]}")


def test_list_rows_link_to_the_recording_page(
    manager: FlaskClient, practice: dataset.Practice
) -> None:
    html = manager.get("/dashboard").get_data(as_text=True)
    for letter in "ABH":
        assert f'href="/recordings/{practice.recordings[letter].id}"' in html


def test_the_clinician_filter(manager: FlaskClient, practice: dataset.Practice) -> None:
    other = practice.staff.other_therapist.id
    response = manager.get(f"/dashboard?clinician={other}")
    assert response.status_code == 200
    assert shown_counts(response.get_data(as_text=True)) == dataset.EXPECTED_OTHER_THERAPIST
    for name, count in dataset.EXPECTED_OTHER_THERAPIST.items():
        assert len(csv_rows(manager, name, f"?clinician={other}")) == count


def test_the_clinician_filter_offers_clinicians_only(
    manager: FlaskClient, practice: dataset.Practice
) -> None:
    html = manager.get("/dashboard").get_data(as_text=True)
    assert practice.staff.other_therapist.display_name in html
    response = manager.get(f"/dashboard?clinician={practice.staff.manager.id}")
    assert response.status_code == 422


def test_the_period_filter(manager: FlaskClient) -> None:
    start, end = (dataset.days(n).isoformat() for n in dataset.LONG_AGO)
    query = f"?date_from={start}&date_to={end}"
    response = manager.get(f"/dashboard{query}")
    assert response.status_code == 200
    assert shown_counts(response.get_data(as_text=True)) == dataset.EXPECTED_LONG_AGO
    for name, count in dataset.EXPECTED_LONG_AGO.items():
        assert len(csv_rows(manager, name, query)) == count


@pytest.mark.parametrize(
    "query",
    ["?date_from=yesterday", "?date_from=2026-05-01&date_to=2026-04-01", "?clinician=999999"],
)
def test_bad_filters_are_refused_with_a_message(manager: FlaskClient, query: str) -> None:
    response = manager.get(f"/dashboard{query}")
    assert response.status_code == 422
    assert "The filters were not understood" in response.get_data(as_text=True)
    csv_response = manager.get(f"/dashboard/overdue.csv{query}")
    assert csv_response.status_code == 422
    assert "The filters were not understood" in csv_response.get_data(as_text=True)


def test_an_unknown_list_is_not_found(manager: FlaskClient) -> None:
    assert manager.get("/dashboard/everything.csv").status_code == 404


def test_charts_are_svg_with_one_bar_per_month_and_per_consent_status(
    manager: FlaskClient,
) -> None:
    html = manager.get("/dashboard").get_data(as_text=True)
    due = re.search(r'<svg[^>]*id="chart-due-per-month".*?</svg>', html, flags=re.S)
    consents = re.search(r'<svg[^>]*id="chart-consents-by-status".*?</svg>', html, flags=re.S)
    assert due is not None and consents is not None
    assert due.group(0).count('<rect class="bar"') == 1 + 12  # overdue, then 12 months
    values = [int(v) for v in re.findall(r'data-value="(\d+)"', consents.group(0))]
    assert values == list(dataset.CONSENTS.values())
    # Overdue: A B H; from today on, by month: C-G and I (all within the next twelve months).
    overdue, *by_month = [int(v) for v in re.findall(r'data-value="(\d+)"', due.group(0))]
    assert overdue == 3
    assert sum(by_month) == 6
    assert "style=" not in due.group(0) + consents.group(0)
    assert "<script" not in html


def test_the_last_audit_verification_is_shown(manager: FlaskClient) -> None:
    from clinic_consent.audit.models import AuditVerification

    html = manager.get("/dashboard").get_data(as_text=True)
    assert "The audit trail has never been verified." in html
    db.session.add(AuditVerification(entries_checked=42, first_broken_id=None, reason=None))
    db.session.commit()
    html = manager.get("/dashboard").get_data(as_text=True)
    assert "42 entries, chain intact" in html


def test_reading_the_dashboard_is_logged_once(manager: FlaskClient) -> None:
    manager.get("/dashboard")
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "dashboard.read")
    ).all()
    assert len(entries) == 1
    assert (entries[0].object_type, entries[0].object_id) == ("recordings", None)
    assert entries[0].purpose_of_use == "audit"


@pytest.mark.parametrize("who", ["therapist", "facilitator"])
@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/overdue.csv"])
def test_only_the_practice_manager_sees_the_dashboard(
    client: FlaskClient, practice: dataset.Practice, who: str, path: str
) -> None:
    sign_in(client, getattr(practice.staff, who).email)
    assert client.get(path).status_code == 404


def test_an_administrator_does_not_see_the_dashboard(
    client: FlaskClient, practice: dataset.Practice
) -> None:
    from clinic_consent.users.operations import create_user

    create_user(
        email="a@example.org",
        display_name="Admin",
        role="administrator",
        password=builders.PASSWORD,
    )
    db.session.commit()
    sign_in(client, "a@example.org")
    assert client.get("/dashboard").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/dashboard/overdue.csv")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_demo_practice_dashboard_renders(
    login_as: Callable[[str], User], client: FlaskClient
) -> None:
    """Every verdict and state the demo has: the page, every CSV and the charts work."""
    login_as("practice_manager")
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert set(shown_counts(response.get_data(as_text=True))) == set(LIST_NAMES)
    for name in LIST_NAMES:
        assert client.get(f"/dashboard/{name}.csv").status_code == 200
