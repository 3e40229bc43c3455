"""Retention classes (R8): the Dutch defaults, the class date and the written-reason rule, and
the administrator's pages to list, create, edit, deactivate and delete them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.operations import (
    MEDICAL_FILE_DAYS,
    RetentionClassInput,
    retention_class,
    update_retention_class,
)
from clinic_consent.recordings.models import Recording, RetentionClass
from clinic_consent.recordings.operations import RecordingPlan, plan_recording
from tests.builders import (
    IndividualSession,
    Staff,
    client,
    individual_session,
    make_staff,
    practice_defaults,
)
from tests.retention.conftest import Login, audit_actions, audit_count

# --- the defaults and the class date --------------------------------------------------------


@pytest.fixture
def staff(app: Flask) -> Staff:
    practice_defaults()
    return make_staff()


@pytest.fixture
def setting(staff: Staff) -> IndividualSession:
    return individual_session(staff.therapist, client(staff.therapist))


@pytest.mark.parametrize(
    ("code", "period_days", "follows_medical_file", "basis_word"),
    [
        ("medical_file", MEDICAL_FILE_DAYS, True, "7:454"),
        ("training", 365, False, "one year"),
        ("supervision", 365, False, "supervision ends"),
        ("research", None, False, "protocol"),
    ],
)
def test_the_dutch_defaults(
    staff: Staff, code: str, period_days: int | None, follows_medical_file: bool, basis_word: str
) -> None:
    found = retention_class(code)
    assert found is not None and found.active
    assert (found.period_days, found.follows_medical_file) == (period_days, follows_medical_file)
    assert basis_word in found.basis


def _plan(
    setting: IndividualSession,
    code: str,
    until: date | None = None,
    reason: str | None = None,
    purpose: str = "training",
) -> RecordingPlan:
    return RecordingPlan(
        made_by="clinician",
        recorder=setting.staff,
        medium="audio",
        purpose=purpose,
        retention_class=retention_class(code),
        retention_until=until,
        retention_reason=reason,
    )


@pytest.mark.parametrize(
    ("code", "days"), [("medical_file", MEDICAL_FILE_DAYS), ("training", 365), ("supervision", 365)]
)
def test_a_recording_gets_its_date_from_its_class(
    staff: Staff, setting: IndividualSession, code: str, days: int
) -> None:
    recording = plan_recording(setting.session, _plan(setting, code), actor=staff.therapist)
    assert recording.retention_until == setting.session.date + timedelta(days=days)
    assert recording.retention_reason is None


def test_the_medical_file_class_keeps_twenty_years(
    staff: Staff, setting: IndividualSession
) -> None:
    recording = plan_recording(
        setting.session, _plan(setting, "medical_file", purpose="treatment"), actor=staff.therapist
    )
    assert recording.retention_until is not None
    assert recording.retention_until.year - setting.session.date.year == 20


def test_an_earlier_date_is_fine_a_later_one_needs_a_reason(
    staff: Staff, setting: IndividualSession
) -> None:
    day = setting.session.date
    earlier = plan_recording(
        setting.session, _plan(setting, "training", day + timedelta(days=30)), actor=staff.therapist
    )
    assert earlier.retention_until == day + timedelta(days=30)

    later = day + timedelta(days=500)
    with pytest.raises(OperationError) as caught:
        plan_recording(setting.session, _plan(setting, "training", later), actor=staff.therapist)
    assert caught.value.field == "retention_reason"
    limit = (day + timedelta(days=365)).isoformat()
    assert str(caught.value.message) == (
        f"a date later than the class allows ({limit}) needs a written reason"
    )

    reasoned = plan_recording(
        setting.session,
        _plan(setting, "training", later, "The course runs two years"),
        actor=staff.therapist,
    )
    assert (reasoned.retention_until, reasoned.retention_reason) == (
        later,
        "The course runs two years",
    )


def test_research_needs_the_protocols_date(staff: Staff, setting: IndividualSession) -> None:
    with pytest.raises(OperationError) as caught:
        plan_recording(
            setting.session, _plan(setting, "research", purpose="research"), actor=staff.therapist
        )
    assert caught.value.field == "retention_until"
    until = setting.session.date + timedelta(days=3000)  # no class limit: no reason needed
    recording = plan_recording(
        setting.session,
        _plan(setting, "research", until, purpose="research"),
        actor=staff.therapist,
    )
    assert recording.retention_until == until


def test_a_deactivated_class_cannot_be_chosen(staff: Staff, setting: IndividualSession) -> None:
    training = retention_class("training")
    assert training is not None
    values = RetentionClassInput(
        name=training.name, basis=training.basis, period_days=365, active=False
    )
    assert update_retention_class(training, values, actor=staff.manager) == ["active"]
    with pytest.raises(OperationError) as caught:
        plan_recording(setting.session, _plan(setting, "training"), actor=staff.therapist)
    assert caught.value.field == "retention_class"


# --- the administrator's pages --------------------------------------------------------------

INDEX = "/admin/retention/"


def _class_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RetentionClass)) or 0


def _class(code: str) -> RetentionClass:
    found = retention_class(code)
    assert found is not None
    return found


def _new_class(**changes: str) -> dict[str, str]:
    data = {
        "code": "intervision",
        "name": "Intervision",
        "period_kind": "days",
        "period_days": "180",
        "basis": "Practice policy: intervision recordings are kept half a year",
        "active": "y",
    }
    return {**data, **changes}


@pytest.mark.parametrize("role", ["therapist", "group_facilitator", "practice_manager"])
def test_only_administrators_see_the_retention_pages(
    client: FlaskClient, login_as: Login, role: str
) -> None:
    login_as(role)
    training = _class("training")
    before = (_class_count(), audit_count())
    assert client.get(INDEX).status_code == 404
    assert client.post(INDEX, data=_new_class()).status_code == 404
    assert client.get(f"/admin/retention/{training.id}/edit").status_code == 404
    assert client.post(f"/admin/retention/{training.id}/edit", data={}).status_code == 404
    assert client.post(f"/admin/retention/{training.id}/delete").status_code == 404
    assert (_class_count(), audit_count()) == before


def test_the_administrator_sees_the_classes_with_their_basis(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("administrator")
    html = client.get(INDEX).get_data(as_text=True)
    assert "WGBO art. 7:454 BW" in html and "Follows the medical file" in html
    assert "Follows the research protocol" in html and "365 days" in html


def test_the_administrator_creates_a_class(client: FlaskClient, login_as: Login) -> None:
    login_as("administrator")
    response = client.post(INDEX, data=_new_class())
    assert response.status_code == 303
    created = _class("intervision")
    assert (created.period_days, created.follows_medical_file, created.active) == (180, False, True)
    assert audit_actions("retention_classes", created.id) == ["retention_class.created"]
    assert "Intervision" in client.get(INDEX).get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"basis": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"period_days": ""}, "Give the number of days."),
        ({"period_days": "0"}, "Number must be between"),
        ({"code": "Has spaces!"}, "use lower-case letters"),
        ({"code": "training"}, "another class already has this code"),
    ],
)
def test_a_bad_class_is_refused(
    client: FlaskClient, login_as: Login, changes: dict[str, str], message: str
) -> None:
    login_as("administrator")
    before = (_class_count(), audit_count())
    response = client.post(INDEX, data=_new_class(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (_class_count(), audit_count()) == before


def test_a_class_that_follows_the_medical_file_or_has_no_period(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("administrator")
    data = _new_class(code="file_copy", period_kind="medical_file", period_days="")
    assert client.post(INDEX, data=data).status_code == 303
    assert (_class("file_copy").period_days, _class("file_copy").follows_medical_file) == (
        MEDICAL_FILE_DAYS,
        True,
    )
    data = _new_class(code="study_x", period_kind="none", period_days="30")
    assert client.post(INDEX, data=data).status_code == 303
    assert _class("study_x").period_days is None  # the days of another kind are ignored


def test_the_administrator_edits_and_deactivates_a_class(
    client: FlaskClient, login_as: Login
) -> None:
    login_as("administrator")
    training = _class("training")
    url = f"/admin/retention/{training.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="365"' in form and "Used by" in form
    response = client.post(
        url,
        data={
            "name": "Training",
            "period_kind": "days",
            "period_days": "200",
            "basis": "Short-lived: destroyed 200 days after the session",
        },  # no "active": unticked
    )
    assert response.status_code == 303
    db.session.refresh(training)
    assert (training.period_days, training.active) == (200, False)
    assert audit_actions("retention_classes", training.id) == ["retention_class.updated"]
    bad = client.post(url, data={"name": "Training", "period_kind": "days", "basis": ""})
    assert bad.status_code == 422
    db.session.refresh(training)
    assert training.basis == "Short-lived: destroyed 200 days after the session"


def test_a_class_in_use_is_deactivated_not_deleted(client: FlaskClient, login_as: Login) -> None:
    login_as("administrator")
    training = _class("training")
    assert db.session.scalar(
        select(func.count())
        .select_from(Recording)
        .where(Recording.retention_class_id == training.id)
    )
    response = client.post(f"/admin/retention/{training.id}/delete")
    assert response.status_code == 422
    assert "deactivate it instead" in response.get_data(as_text=True)
    assert retention_class("training") is not None

    assert client.post(INDEX, data=_new_class()).status_code == 303
    unused = _class("intervision")
    assert client.post(f"/admin/retention/{unused.id}/delete").status_code == 303
    assert retention_class("intervision") is None
    assert client.get(f"/admin/retention/{unused.id}/edit").status_code == 404
