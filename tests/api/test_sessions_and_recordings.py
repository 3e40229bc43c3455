"""Sessions and recordings through the API: what an EHR integrator creates and reads back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clinic_consent.clients.models import Client
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import participant_key, verdict_for_recording
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import GroupTreatment, SessionParticipant, TreatmentSession
from clinic_consent.timeutil import today_utc
from tests.api.conftest import ApiClient, user_of_role

Api = Callable[[str], ApiClient]


def _client_named(given_name: str) -> Client:
    return db.session.scalars(select(Client).where(Client.given_name == given_name)).one()


def _session_count() -> int:
    return db.session.scalar(select(func.count(TreatmentSession.id))) or 0


def _participant_count() -> int:
    return db.session.scalar(select(func.count(SessionParticipant.id))) or 0


def _group_session() -> TreatmentSession:
    return db.session.scalars(
        select(TreatmentSession).where(TreatmentSession.group_treatment_id.is_not(None))
    ).first()


def test_an_individual_session_is_created_and_read_back(api_as: Api) -> None:
    api = api_as("therapist")
    lotte = _client_named("Lotte")
    on = today_utc() + timedelta(days=10)
    response = api.post(
        "/api/v1/sessions",
        json={
            "kind": "individual",
            "date": on.isoformat(),
            "title": "Intake follow-up",
            "starts_at": f"{on.isoformat()}T09:30:00+01:00",
            "client_ids": [lotte.id],
        },
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["kind"] == "individual"
    assert created["date"] == on.isoformat()
    assert created["title"] == "Intake follow-up"
    assert created["starts_at"].startswith(f"{on.isoformat()}T08:30:00")  # stored as UTC
    assert created["recording_ids"] == []
    # As on the web page: the clinician who creates it takes part as staff.
    therapist = user_of_role("therapist")
    assert sorted((p["role"], p["client_id"], p["user_id"]) for p in created["participants"]) == [
        ("client", lotte.id, None),
        ("staff", None, therapist.id),
    ]
    client_row = next(p for p in created["participants"] if p["role"] == "client")
    assert client_row["key"] == f"p{client_row['id']}"
    assert client_row["name"] == "Lotte Mulder"

    read = api.get(f"/api/v1/sessions/{created['id']}")
    assert read.status_code == 200
    assert read.get_json() == created

    listed = api.get(f"/api/v1/sessions?client_id={lotte.id}&from={on.isoformat()}")
    assert [s["id"] for s in listed.get_json()] == [created["id"]]
    earlier = api.get(f"/api/v1/sessions?client_id={lotte.id}&until={today_utc().isoformat()}")
    assert created["id"] not in [s["id"] for s in earlier.get_json()]
    assert len(earlier.get_json()) >= 3  # Lotte's demo sessions


def test_the_session_list_is_newest_first_and_only_what_you_may_see(api_as: Api) -> None:
    sessions = api_as("therapist").get("/api/v1/sessions").get_json()
    dates = [s["date"] for s in sessions]
    assert dates == sorted(dates, reverse=True)
    assert _group_session().id not in {s["id"] for s in sessions}  # the facilitator's group
    everything = api_as("practice_manager").get("/api/v1/sessions")
    assert everything.status_code == 200
    assert len(everything.get_json()) == _session_count()


def test_a_group_session_starts_with_the_groups_members_and_facilitators(api_as: Api) -> None:
    group = db.session.scalars(select(GroupTreatment)).one()
    response = api_as("group_facilitator").post(
        "/api/v1/sessions",
        json={"kind": "group", "date": today_utc().isoformat(), "group_id": group.id},
    )
    assert response.status_code == 201, response.get_json()
    roles = [p["role"] for p in response.get_json()["participants"]]
    assert roles.count("client") == 6
    assert roles.count("staff") == 1
    assert response.get_json()["group_id"] == group.id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "team"}, "kind"),
        ({"date": "22-11-2026"}, "date"),
        ({"client_ids": []}, "client_ids"),
        ({"client_ids": ["one"]}, "client_ids.0"),
        ({"starts_at": "2026-11-22T09:30:00"}, "starts_at"),  # no time zone: ambiguous
        ({"date": "1990-01-01"}, "client_ids"),  # before the client was born
        ({"title": "bell\x07"}, "title"),
        ({"kind": "group"}, "group_id"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_session_input_is_refused_and_nothing_is_written(
    api_as: Api, change: dict[str, Any], field: str
) -> None:
    api = api_as("therapist")
    body = {"kind": "individual", "date": today_utc().isoformat()}
    body["client_ids"] = [_client_named("Lotte").id]
    before = (_session_count(), _participant_count())
    response = api.post("/api/v1/sessions", json=body | change)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == field
    assert (_session_count(), _participant_count()) == before


def test_a_client_you_may_not_see_is_not_found_and_nothing_is_written(api_as: Api) -> None:
    member = _client_named("Ahmed")  # a member of the facilitator's group only
    before = _session_count()
    response = api_as("therapist").post(
        "/api/v1/sessions",
        json={"kind": "individual", "date": today_utc().isoformat(), "client_ids": [member.id]},
    )
    assert response.status_code == 404
    assert _session_count() == before
    assert api_as("therapist").get(f"/api/v1/sessions?client_id={member.id}").status_code == 404


def test_the_practice_manager_reads_but_does_not_create(api_as: Api) -> None:
    api = api_as("practice_manager")
    before = _session_count()
    response = api.post(
        "/api/v1/sessions",
        json={
            "kind": "individual",
            "date": today_utc().isoformat(),
            "client_ids": [_client_named("Lotte").id],
        },
    )
    assert response.status_code == 403
    assert _session_count() == before
    assert api.get(f"/api/v1/sessions/{_group_session().id}").status_code == 200


def test_a_list_range_that_ends_before_it_starts_is_refused(api_as: Api) -> None:
    response = api_as("therapist").get("/api/v1/sessions?from=2026-05-01&until=2026-04-30")
    assert response.status_code == 422
    assert response.get_json()["field"] == "until"


def test_every_recordings_verdict_is_the_web_pages_verdict(api_as: Api) -> None:
    api = api_as("therapist")
    statuses = set()
    for session in api.get("/api/v1/sessions").get_json():
        answered = api.get(f"/api/v1/sessions/{session['id']}/recordings")
        assert answered.status_code == 200
        assert [r["id"] for r in answered.get_json()] == session["recording_ids"]
        for body in answered.get_json():
            recording = db.session.get(Recording, body["id"])
            assert body["verdict"] == verdict_for_recording(recording).to_json()
            assert body["recorder"] == participant_key(recording.recorder)
            assert "storage_location" not in body
            assert api.get(f"/api/v1/recordings/{recording.id}").get_json() == body
            statuses.add(body["verdict"]["status"])
    # The demo's individual sessions hold every kind of verdict the therapist meets.
    assert {"not_required", "consent_required", "cleared", "incomplete"} <= statuses


def test_a_recording_shows_its_active_access_list_sorted(api_as: Api) -> None:
    sanne = _client_named("Sanne")
    recording = db.session.scalars(
        select(Recording)
        .join(SessionParticipant, SessionParticipant.session_id == Recording.session_id)
        .where(SessionParticipant.client_id == sanne.id)
    ).one()
    body = api_as("therapist").get(f"/api/v1/recordings/{recording.id}").get_json()
    assert body["access_list"] == ["Dr. P. de Wit (supervisor)", "Tessa Bakker"]
    assert body["purpose"] == "supervision"
    assert body["medium"] == "video"


def test_another_clinicians_session_and_recording_are_not_found(api_as: Api) -> None:
    session = _group_session()
    api = api_as("therapist")
    assert api.get(f"/api/v1/sessions/{session.id}").status_code == 404
    assert api.get(f"/api/v1/sessions/{session.id}/recordings").status_code == 404
    assert api.get(f"/api/v1/recordings/{session.recordings[0].id}").status_code == 404
    assert api.get("/api/v1/sessions/999999").status_code == 404


def test_a_call_without_a_token_is_refused(api_as: Api) -> None:
    anonymous = ApiClient(api_as("therapist").client, None)
    assert anonymous.get("/api/v1/sessions").status_code == 401
    assert (
        anonymous.get(f"/api/v1/recordings/{_group_session().recordings[0].id}").status_code == 401
    )
