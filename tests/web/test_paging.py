"""Long lists a page at a time: numbered pages (clients, a week's sessions, groups), and keyset
pages (the manager's lists, the audit log) that walk every row once."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit import log_views
from clinic_consent.audit.models import AccessLogEntry, AuditEntry
from clinic_consent.clients import views as client_views
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.oversight import queries
from clinic_consent.sessions import views as session_views
from clinic_consent.users.models import User


def _links(html: str, rel: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(rf'rel="{rel}" href="([^"]+)"', html)]


def _walk(client: FlaskClient, path: str, pattern: str) -> list[str]:
    """What ``pattern`` finds on every page, following rel="next"."""
    found: list[str] = []
    while path:
        response = client.get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        found += re.findall(pattern, html)
        following = _links(html, "next")
        path = following[0] if following else ""
    return found


CLIENT_LINK = r'href="/clients/(\d+)"'


def test_the_clients_list_a_page_at_a_time(
    client: FlaskClient,
    login_as: Callable[[str], User],
    monkeypatch: pytest.MonkeyPatch,
    demo: DemoResult,
) -> None:
    login_as("practice_manager")
    everyone = re.findall(CLIENT_LINK, client.get("/clients/").get_data(as_text=True))
    monkeypatch.setattr(client_views, "CLIENTS_PER_PAGE", 2)
    first = client.get("/clients/").get_data(as_text=True)
    assert len(re.findall(CLIENT_LINK, first)) == 2
    assert _links(first, "next") == ["/clients/?page=2"]
    assert _walk(client, "/clients/", CLIENT_LINK) == everyone
    last = client.get("/clients/?page=999").get_data(as_text=True)
    assert re.findall(CLIENT_LINK, last) == everyone[-(len(everyone) % 2 or 2) :]
    assert client.get("/clients/?page=nonsense").status_code == 200


def test_the_managers_week_a_page_at_a_time(
    client: FlaskClient,
    login_as: Callable[[str], User],
    monkeypatch: pytest.MonkeyPatch,
    demo: DemoResult,
) -> None:
    session_link = r'href="/sessions/(\d+)"'
    login_as("practice_manager")
    week = re.findall(session_link, client.get("/sessions/agenda").get_data(as_text=True))
    assert len(week) > 1
    monkeypatch.setattr(session_views, "AGENDA_ROWS", 1)
    assert _walk(client, "/sessions/agenda", session_link) == week


def test_a_managers_list_walks_every_row_once(
    client: FlaskClient,
    login_as: Callable[[str], User],
    monkeypatch: pytest.MonkeyPatch,
    demo: DemoResult,
) -> None:
    login_as("practice_manager")
    recording_link = r'<td><a href="/recordings/(\d+)">'
    everything = _walk(client, "/dashboard/lists/missing-consents", recording_link)
    assert len(everything) > 1
    monkeypatch.setattr(queries, "PAGE_ROWS", 1)
    assert _walk(client, "/dashboard/lists/missing-consents", recording_link) == everything
    garbled = client.get("/dashboard/lists/missing-consents?after=x_y")
    assert garbled.status_code == 200  # a link cut short starts at the top
    assert client.get("/dashboard/lists/nonsense").status_code == 404


def test_the_audit_log_walks_every_change_newest_first(
    client: FlaskClient,
    login_as: Callable[[str], User],
    monkeypatch: pytest.MonkeyPatch,
    demo: DemoResult,
) -> None:
    login_as("practice_manager")
    monkeypatch.setattr(log_views, "ENTRIES_PER_PAGE", 7)
    shown = [int(i) for i in _walk(client, "/audit-log", r'<tr id="entry-(\d+)"')]
    stored = list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc())))
    assert shown == stored


def test_the_access_log_filters_by_outcome_and_client(
    client: FlaskClient, login_as: Callable[[str], User], demo: DemoResult
) -> None:
    login_as("therapist")
    client.get("/clients/999999")  # a denied look, logged
    login_as("practice_manager")
    denied = client.get("/audit-log/accesses?outcome=denied").get_data(as_text=True)
    rows = re.findall(r'<tr id="entry-(\d+)"', denied)
    outcomes = {
        db.session.get(AccessLogEntry, int(i)).outcome  # type: ignore[union-attr]
        for i in rows
    }
    assert rows and outcomes == {"denied"}
    client_id = db.session.scalar(select(func.min(AccessLogEntry.client_id)))
    of_client = client.get(f"/audit-log/accesses?client={client_id}").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', of_client)]
    assert ids and all(db.session.get(AccessLogEntry, i).client_id == client_id for i in ids)  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["therapist", "group_facilitator", "administrator"])
def test_only_the_practice_manager_reads_the_audit_log(
    client: FlaskClient, login_as: Callable[[str], User], role: str
) -> None:
    login_as(role)
    assert client.get("/audit-log").status_code == 404
    assert client.get("/audit-log/accesses").status_code == 404


def test_reading_the_audit_log_is_itself_logged(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    manager = login_as("practice_manager")
    client.get("/audit-log")
    logged = db.session.scalars(
        select(AccessLogEntry).where(
            AccessLogEntry.event == "audit_entries.list", AccessLogEntry.user_id == manager.id
        )
    ).all()
    assert len(logged) == 1
