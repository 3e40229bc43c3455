"""The sessions pages: the agenda, a session with its participants, new and edit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.audit.models import AuditEntry
from clinic_consent.clients.models import Client, Representative
from clinic_consent.extensions import db
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from tests.web.test_clients import client_named, count, sign_in_other_therapist


def session_of(client: Client, kind: str = "individual") -> TreatmentSession:
    """The client's session today (the demo has one of each kind for them)."""
    return db.session.scalars(
        select(TreatmentSession)
        .join(SessionParticipant)
        .where(
            SessionParticipant.client_id == client.id,
            TreatmentSession.date == today_utc(),
            TreatmentSession.kind == kind,
        )
    ).one()


def participant_count(session: TreatmentSession) -> int:
    return (
        db.session.scalar(select(func.count()).where(SessionParticipant.session_id == session.id))
        or 0
    )


def user_named(name: str) -> User:
    return db.session.scalars(select(User).where(User.display_name == name)).one()


# --- the agenda ------------------------------------------------------------------------------


def test_agenda_shows_todays_sessions_with_their_verdicts(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    response = client.get("/sessions/agenda")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    sanne_session = session_of(client_named("Sanne"))
    assert f'href="/sessions/{sanne_session.id}"' in page
    assert "Sanne Jansen" in page and "Lotte Mulder" in page
    assert 'class="today"' in page
    assert "status-cleared" in page  # Sanne's supervision video
    assert "status-not_required" in page  # Lotte's private audio (R1)
    assert "Ahmed El Amrani" not in page  # the group is Floor's
    assert 'id="new-session"' in page


def test_agenda_of_the_facilitator_shows_the_group_session(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    page = client.get("/sessions/agenda").get_data(as_text=True)
    assert "Emotieregulatie groep" in page
    assert "Ahmed El Amrani" in page and "Fleur Brouwer" in page
    assert "status-consent_required" in page and "status-refused" in page
    assert "Sanne Jansen" not in page


def test_the_manager_sees_every_session_of_the_week_read_only(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    page = client.get("/sessions/agenda").get_data(as_text=True)
    assert "Sanne Jansen" in page and "Emotieregulatie groep" in page
    assert 'id="new-session"' not in page


def test_agenda_of_another_week(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    last_week = (today_utc() - timedelta(days=7)).isoformat()
    page = client.get(f"/sessions/agenda?week={last_week}").get_data(as_text=True)
    assert "Daan de Vries" in page  # his covert video, a week ago
    assert "Sanne Jansen" not in page
    assert client.get("/sessions/agenda?week=not-a-date").status_code == 200


# --- one session -----------------------------------------------------------------------------


def test_session_page_shows_participants_recordings_and_the_plan_link(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    session = session_of(client_named("Sanne"))
    response = client.get(f"/sessions/{session.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tessa Bakker" in page and "Sanne Jansen" in page
    assert "Ella Jansen" in page  # her representatives, named with the client
    recording = session.recordings[0]
    assert f'href="/recordings/{recording.id}"' in page
    assert "status-cleared" in page
    assert 'id="plan-recording"' in page
    assert f"/recordings/new?session_id={session.id}" in page


def test_the_manager_reads_a_session_without_forms(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    session = session_of(client_named("Ahmed"), "group")
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Emotieregulatie groep" in page
    assert 'id="plan-recording"' not in page
    assert "<form" not in page.split("</header>", 1)[1]


def test_create_an_individual_session(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    therapist = login_as("therapist")
    lotte = client_named("Lotte")
    on = today_utc() + timedelta(days=3)
    response = client.post(
        "/sessions/new",
        data={"client": lotte.id, "date": on.isoformat(), "starts_at": "14:30", "title": "Intake"},
    )
    assert response.status_code == 303
    session = db.session.scalars(
        select(TreatmentSession).where(TreatmentSession.title == "Intake")
    ).one()
    assert response.headers["Location"] == f"/sessions/{session.id}"
    assert (session.kind, session.date) == ("individual", on)
    assert {(p.role, p.client_id, p.user_id) for p in session.participants} == {
        ("staff", None, therapist.id),
        ("client", lotte.id, None),
    }
    # The time is typed in the practice's time zone and stored in UTC.
    local = datetime(on.year, on.month, on.day, 14, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert session.starts_at == local.astimezone(UTC)
    assert "14:30" in client.get(f"/sessions/{session.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "change",
    [
        {"date": "2026-02-30"},
        {"date": ""},
        {"starts_at": "25:61"},
        {"title": "t" * 201},
        {"client": "999999"},
        {"client": "abc"},
        {"client": "GROUP_MEMBER"},  # a client of another clinician
        {"date": "2001-01-01"},  # before the client was born
    ],
)
def test_a_bad_new_session_is_refused_and_nothing_is_saved(
    client: FlaskClient, login_as: Callable[[str], User], change: dict[str, str]
) -> None:
    login_as("therapist")
    data = {"client": str(client_named("Daan").id), "date": today_utc().isoformat()}
    data.update(change)
    if data["client"] == "GROUP_MEMBER":
        data["client"] = str(client_named("Ahmed").id)
    sessions, participants = count(TreatmentSession), count(SessionParticipant)
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert (count(TreatmentSession), count(SessionParticipant)) == (sessions, participants)


def test_an_individual_session_has_one_client(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    client.post("/account/language", data={"language": "en"})  # checks the English text
    session = session_of(client_named("Sanne"))
    before = participant_count(session)
    response = client.post(
        f"/sessions/{session.id}/participants/client", data={"client": client_named("Lotte").id}
    )
    assert response.status_code == 422
    assert "an individual session has one client" in response.get_data(as_text=True)
    assert participant_count(session) == before


def test_a_late_joiner_appears_as_a_participant(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    assert (
        client.post(
            "/clients/new",
            data={"given_name": "Gijs", "family_name": "Laat", "birth_date": "1988-06-01"},
        ).status_code
        == 303
    )
    gijs = client_named("Gijs")
    session = session_of(client_named("Ahmed"), "group")
    response = client.post(f"/sessions/{session.id}/participants/client", data={"client": gijs.id})
    assert response.status_code == 303
    assert db.session.scalars(
        select(SessionParticipant).where(
            SessionParticipant.session_id == session.id, SessionParticipant.client_id == gijs.id
        )
    ).one()
    assert "Gijs Laat" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    # Adding him twice is refused, and changes nothing.
    before = participant_count(session)
    again = client.post(f"/sessions/{session.id}/participants/client", data={"client": gijs.id})
    assert again.status_code == 422
    assert participant_count(session) == before


def test_add_a_staff_member(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    session = session_of(client_named("Sanne"))
    floor = user_named("Floor Visser")
    url = f"/sessions/{session.id}/participants/staff"
    assert client.post(url, data={"user": floor.id}).status_code == 303
    assert floor.id in {p.user_id for p in session.participants}
    before = participant_count(session)
    manager = user_named("Mark Dekker")  # not a clinician: not on the list
    for bad in (floor.id, manager.id, 999999):
        assert client.post(url, data={"user": bad}).status_code == 422
    assert participant_count(session) == before


def test_add_a_companion_and_their_representative(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("therapist")
    session = session_of(client_named("Sanne"))
    born = today_utc().replace(year=today_utc().year - 8) - timedelta(days=10)
    response = client.post(
        f"/sessions/{session.id}/participants/other",
        data={"name": "Noor Jansen", "relation": "sister", "birth_date": born.isoformat()},
    )
    assert response.status_code == 303
    noor = db.session.scalars(
        select(SessionParticipant).where(SessionParticipant.name == "Noor Jansen")
    ).one()
    assert (noor.role, noor.relation, noor.birth_date, noor.has_capacity) == (
        "other",
        "sister",
        born,
        False,  # the box was not ticked
    )
    url = f"/sessions/{session.id}/participants/{noor.id}/representatives"
    prefix = f"rep{noor.id}-"
    response = client.post(
        url,
        data={
            f"{prefix}name": "Ella Jansen",
            f"{prefix}relation": "parent",
            f"{prefix}has_authority": "y",
        },
    )
    assert response.status_code == 303
    rep = db.session.scalars(
        select(Representative).where(Representative.participant_id == noor.id)
    ).one()
    assert (rep.name, rep.relation, rep.has_authority) == ("Ella Jansen", "parent", True)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Noor Jansen" in page and "sister" in page

    before = count(Representative)
    bad = client.post(url, data={f"{prefix}name": "X", f"{prefix}relation": "uncle"})
    assert bad.status_code == 422
    # A client's representatives belong to the client, not to the session.
    sanne_p = next(p for p in session.participants if p.role == "client")
    prefix = f"rep{sanne_p.id}-"
    refused = client.post(
        f"/sessions/{session.id}/participants/{sanne_p.id}/representatives",
        data={f"{prefix}name": "Y", f"{prefix}relation": "parent"},
    )
    assert refused.status_code == 422
    assert count(Representative) == before


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "relation": "sister"},
        {"name": "N" * 201, "relation": "sister"},
        {"name": "Noor", "relation": "r" * 101},
        {"name": "Noor", "relation": "sister", "birth_date": "2020-13-01"},
        {"name": "Noor", "relation": "sister", "birth_date": "2999-01-01"},  # after the session
    ],
)
def test_a_bad_companion_is_refused(
    client: FlaskClient, login_as: Callable[[str], User], data: dict[str, str]
) -> None:
    login_as("therapist")
    session = session_of(client_named("Sanne"))
    before = participant_count(session)
    response = client.post(f"/sessions/{session.id}/participants/other", data=data)
    assert response.status_code == 422
    assert participant_count(session) == before


def test_edit_a_session(client: FlaskClient, login_as: Callable[[str], User]) -> None:
    login_as("therapist")
    session = db.session.scalars(  # Daan's next session
        select(TreatmentSession)
        .join(SessionParticipant)
        .where(SessionParticipant.client_id == client_named("Daan").id)
        .order_by(TreatmentSession.date.desc())
    ).first()
    assert session is not None
    assert client.get(f"/sessions/{session.id}/edit").status_code == 200
    on = today_utc() + timedelta(days=5)
    response = client.post(
        f"/sessions/{session.id}/edit",
        data={"date": on.isoformat(), "starts_at": "09:15", "title": "Follow-up"},
    )
    assert response.status_code == 303
    db.session.refresh(session)
    assert (session.date, session.title) == (on, "Follow-up")
    assert db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "session.updated", AuditEntry.object_id == session.id
        )
    ).one()


def test_a_group_session_stays_within_the_groups_period(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("group_facilitator")
    session = session_of(client_named("Ahmed"), "group")
    for bad in ("2001-01-01", "2026-02-30", ""):
        response = client.post(f"/sessions/{session.id}/edit", data={"date": bad})
        assert response.status_code == 422, bad
    db.session.refresh(session)
    assert session.date == today_utc()


def _session_posts(session: TreatmentSession, lotte: Client) -> list[tuple[str, dict[str, str]]]:
    other = next(p for p in session.participants if p.role == "client")
    return [
        ("/sessions/new", {"client": str(lotte.id), "date": today_utc().isoformat()}),
        (f"/sessions/{session.id}/edit", {"date": today_utc().isoformat(), "title": "X"}),
        (f"/sessions/{session.id}/participants/client", {"client": str(lotte.id)}),
        (f"/sessions/{session.id}/participants/staff", {"user": "1"}),
        (f"/sessions/{session.id}/participants/other", {"name": "N", "relation": "sister"}),
        (
            f"/sessions/{session.id}/participants/{other.id}/representatives",
            {f"rep{other.id}-name": "N", f"rep{other.id}-relation": "parent"},
        ),
    ]


def test_the_managers_changes_are_refused(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("practice_manager")
    session = session_of(client_named("Sanne"))
    audit, participants = count(AuditEntry), count(SessionParticipant)
    for url, data in _session_posts(session, client_named("Lotte")):
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/sessions/new").status_code == 403
    assert (count(AuditEntry), count(SessionParticipant)) == (audit, participants)


def test_the_administrator_sees_no_sessions(
    client: FlaskClient, login_as: Callable[[str], User]
) -> None:
    login_as("administrator")
    session = session_of(client_named("Sanne"))
    for url in ("/sessions/agenda", "/sessions/new", f"/sessions/{session.id}"):
        assert client.get(url).status_code == 404, url
    for url, data in _session_posts(session, client_named("Lotte")):
        assert client.post(url, data=data).status_code == 404, url


def test_another_therapist_does_not_see_the_demo_therapists_sessions(
    client: FlaskClient, demo: object
) -> None:
    session = session_of(client_named("Sanne"))
    lotte = client_named("Lotte")
    sign_in_other_therapist(client)
    page = client.get("/sessions/agenda").get_data(as_text=True)
    assert "Sanne Jansen" not in page and f"/sessions/{session.id}" not in page
    assert client.get(f"/sessions/{session.id}").status_code == 404
    assert client.get(f"/sessions/{session.id}/edit").status_code == 404
    participants = count(SessionParticipant)
    for url, data in _session_posts(session, lotte)[1:]:
        assert client.post(url, data=data).status_code == 404, url
    # Nor may she put the demo therapist's client in a session of her own.
    sessions = count(TreatmentSession)
    new = client.post("/sessions/new", data={"client": lotte.id, "date": "2026-01-05"})
    assert new.status_code == 422
    assert (count(TreatmentSession), count(SessionParticipant)) == (sessions, participants)
