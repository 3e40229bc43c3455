"""R9: a recording published without consent; the removal request, its outcome, escalation
and closing, each audited without client names; who may see an incident."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.models import Client
from clinic_consent.extensions import db
from clinic_consent.recordings.incidents import open_incidents
from clinic_consent.recordings.models import PublicationIncident, Recording
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests.retention.conftest import Login, audit_actions, audit_count


def _daans_covert_video() -> Recording:
    """Made by Daan a week ago; the demo has an incident on it already, this is a second."""
    return db.session.scalars(
        select(Recording)
        .join(SessionParticipant, Recording.recorder_participant_id == SessionParticipant.id)
        .join(Client, SessionParticipant.client_id == Client.id)
        .where(Client.given_name == "Daan", Recording.made_by == "client")
    ).one()


def _demo_incident() -> PublicationIncident:
    return db.session.scalars(select(PublicationIncident)).one()


def _incident_id(location: str) -> int:
    match = re.fullmatch(r"/incidents/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_an_incident_from_discovery_to_closing(client: FlaskClient, login_as: Login) -> None:
    login_as("therapist")
    recording = _daans_covert_video()
    new_url = f"/recordings/{recording.id}/incidents/new"
    assert "Discovered on" in client.get(new_url).get_data(as_text=True)

    before = audit_count()
    tomorrow = (today_utc() + timedelta(days=1)).isoformat()
    refused = client.post(new_url, data={"discovered_on": tomorrow})
    assert refused.status_code == 422 and "cannot be after today" in refused.get_data(as_text=True)
    assert client.post(new_url, data={"discovered_on": ""}).status_code == 422
    assert audit_count() == before

    response = client.post(
        new_url,
        data={
            "discovered_on": (today_utc() - timedelta(days=5)).isoformat(),
            "description": "Daan de Vries put the whole session on a podcast site",
        },
    )
    assert response.status_code == 303
    incident_id = _incident_id(response.headers["Location"])
    incident = db.session.get(PublicationIncident, incident_id)
    assert incident is not None and incident.status == "open"
    before_session = (recording.session.date - timedelta(days=1)).isoformat()
    early = client.post(new_url, data={"discovered_on": before_session})
    assert early.status_code == 422 and "before the session date" in early.get_data(as_text=True)
    assert incident in open_incidents()
    steps_url = f"/incidents/{incident_id}/steps"

    missing_by = client.post(steps_url, data={"step": "removal_requested"})
    assert missing_by.status_code == 422 and "is required" in missing_by.get_data(as_text=True)
    out_of_order = client.post(steps_url, data={"step": "court"})
    assert out_of_order.status_code == 422
    too_early = client.post(
        steps_url,
        data={
            "step": "removal_requested",
            "by_whom": "Tessa Bakker",
            "on": (today_utc() - timedelta(days=6)).isoformat(),
        },
    )
    assert too_early.status_code == 422
    assert "before the incident was discovered" in too_early.get_data(as_text=True)

    for data in (
        {
            "step": "removal_requested",
            "by_whom": "Tessa Bakker (therapist)",
            "on": (today_utc() - timedelta(days=4)).isoformat(),
            "note": "By letter",
        },
        {"step": "removal_refused", "note": "She will not take it down"},
        {"step": "court", "note": "Lawyer consulted"},
        {"step": "closed"},
    ):
        assert client.post(steps_url, data=data).status_code == 303, data

    db.session.refresh(incident)
    assert incident.status == "closed" and incident not in open_incidents()
    assert [s.step for s in incident.steps] == [
        "removal_requested",
        "removal_refused",
        "court",
        "closed",
    ]
    assert incident.steps[0].note == "Tessa Bakker (therapist): By letter"
    page = client.get(f"/incidents/{incident_id}").get_data(as_text=True)
    assert "not a valid ground to end the treatment agreement" in page
    assert "Lawyer consulted" in page and 'id="step-form"' not in page
    assert client.post(steps_url, data={"step": "closed"}).status_code == 422

    assert audit_actions("publication_incidents", incident_id) == [
        "incident.registered",
        "incident.removal_requested",
        "incident.removal_refused",
        "incident.court",
        "incident.closed",
    ]
    details = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.object_type == "publication_incidents")
    ).all()
    assert all("Daan" not in repr(d) and "podcast" not in repr(d) for d in details)
    recording_page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert f'href="/incidents/{incident_id}"' in recording_page


def test_the_recording_page_offers_to_register_an_incident(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("therapist")
    incident = _demo_incident()
    html = client.get(f"/recordings/{incident.recording_id}").get_data(as_text=True)
    assert 'id="register-incident"' in html
    assert f'href="/incidents/{incident.id}"' in html and "Removal requested" in html


@pytest.mark.parametrize("role", ["practice_manager"])
def test_the_practice_manager_reads_an_incident_and_changes_nothing(
    client: FlaskClient, login_as: Login, role: str
) -> None:
    login_as(role)
    incident = _demo_incident()
    page = client.get(f"/incidents/{incident.id}")
    assert page.status_code == 200 and "Removal requested" in page.get_data(as_text=True)
    assert 'id="step-form"' not in page.get_data(as_text=True)
    before = audit_count()
    data = {"step": "removed"}
    assert client.post(f"/incidents/{incident.id}/steps", data=data).status_code == 403
    new_url = f"/recordings/{incident.recording_id}/incidents/new"
    assert client.post(new_url, data={"discovered_on": today_utc().isoformat()}).status_code == 403
    assert audit_count() == before


def test_another_therapist_and_the_administrator_get_404(
    client: FlaskClient, login_as: Login, other_therapist: User
) -> None:
    incident = _demo_incident()
    urls = [
        ("GET", f"/incidents/{incident.id}"),
        ("POST", f"/incidents/{incident.id}/steps"),
        ("GET", f"/recordings/{incident.recording_id}/incidents/new"),
        ("POST", f"/recordings/{incident.recording_id}/incidents/new"),
        ("GET", "/incidents/999999"),
    ]
    before = audit_count()
    for method, url in urls:
        response = client.open(url, method=method, data={"step": "closed"})
        assert response.status_code == 404, url
        assert "Daan" not in response.get_data(as_text=True)
    login_as("administrator")
    for method, url in urls:
        assert client.open(url, method=method, data={"step": "closed"}).status_code == 404, url
    db.session.refresh(incident)
    assert incident.status == "removal_requested" and audit_count() == before
