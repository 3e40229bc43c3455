"""The demo fills every list of the manager's dashboard, through the operations only: each
case has its history in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import verdict_for_recording
from clinic_consent.recordings.incidents import open_incidents
from clinic_consent.recordings.models import Recording
from clinic_consent.timeutil import today_utc


def _recordings() -> list[Recording]:
    return list(db.session.scalars(select(Recording).order_by(Recording.id)))


def _days_left(r: Recording) -> int | None:
    if r.retention_until is None:
        return None
    return (r.retention_until - today_utc()).days


def _overdue(r: Recording) -> bool:
    days = _days_left(r)
    return r.status == "made" and days is not None and days < 0


def _due_within(low: int, high: int) -> Callable[[Recording], bool]:
    def due(r: Recording) -> bool:
        days = _days_left(r)
        return r.status == "made" and days is not None and low <= days <= high

    return due


def _kept_after_withdrawal(r: Recording) -> bool:
    return r.status == "made" and any(c.withdrawn_at is not None for c in r.consents)


def _missing_consents(r: Recording) -> bool:
    return r.status != "destroyed" and verdict_for_recording(r).status == "consent_required"


def _expired_access(r: Recording) -> bool:
    return r.made_by == "clinician" and any(
        e.revoked_at is None and e.valid_until is not None and e.valid_until < today_utc()
        for e in r.access_entries
    )


def _destroyed_with_witness(r: Recording) -> bool:
    return r.status == "destroyed" and bool(r.destruction_witness)


CASES: dict[str, Callable[[Recording], bool]] = {
    "overdue for destruction": _overdue,
    "due within 30 days": _due_within(0, 30),
    "due within 31 to 90 days": _due_within(31, 90),
    "kept although a consent was withdrawn": _kept_after_withdrawal,
    "without all required consents": _missing_consents,
    "clinician recording with expired access": _expired_access,
    "destroyed, with a witness": _destroyed_with_witness,
}


@pytest.mark.parametrize("case", CASES)
def test_the_demo_has_each_dashboard_case(demo: DemoResult, case: str) -> None:
    found = [r for r in _recordings() if CASES[case](r)]
    assert found, case
    for recording in found:  # made through the operations: its history is audited
        actions = set(
            db.session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "recordings", AuditEntry.object_id == recording.id
                )
            )
        )
        assert "recording.planned" in actions
        if recording.status != "planned":
            assert "recording.made" in actions
        if recording.status == "destroyed":
            assert "recording.destroyed" in actions


def test_the_demo_has_an_open_incident_with_a_removal_request(demo: DemoResult) -> None:
    incidents = open_incidents()
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.status == "removal_requested"
    assert [s.step for s in incident.steps] == ["removal_requested"]
    assert incident.steps[0].at.date() == today_utc() - timedelta(days=2)
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(
            AuditEntry.object_type == "publication_incidents",
            AuditEntry.object_id == incident.id,
        )
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["incident.registered", "incident.removal_requested"]
    assert chain.verify().intact
