"""The practice manager's reports through the API: retention, and the audit chain."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, update

from clinic_consent.audit.models import AccessLogEntry, AuditEntry, AuditVerification
from clinic_consent.extensions import db
from tests.api.conftest import ApiClient


def test_the_retention_report_is_the_commands_report(
    api_as: Callable[[str], ApiClient], runner: FlaskCliRunner
) -> None:
    response = api_as("practice_manager").get("/api/v1/reports/retention")
    assert response.status_code == 200
    from_command = json.loads(
        runner.invoke(args=["retention", "report", "--format", "json"]).output
    )
    report = response.get_json()
    assert report["date"] == from_command["date"]
    assert report["recordings"] == from_command["recordings"]
    assert report["recordings"], "the demo keeps recordings"
    assert report["next"] is None, "one page holds the demo's"
    assert sum(report["counts"].values()) == len(report["recordings"])


def test_the_retention_report_comes_a_page_at_a_time(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("practice_manager")
    everything = api.get("/api/v1/reports/retention").get_json()
    pages, after = [], None
    while True:
        query = "?limit=2" + (f"&after={after}" if after else "")
        page = api.get(f"/api/v1/reports/retention{query}").get_json()
        assert len(page["recordings"]) <= 2
        assert page["counts"] == everything["counts"], "every page counts them all"
        pages.extend(page["recordings"])
        after = page["next"]
        if after is None:
            break
    assert pages == everything["recordings"]
    for bad in ("limit=0", "limit=5001", "after=0", "after=x"):
        response = api.get(f"/api/v1/reports/retention?{bad}")
        assert response.status_code == 422, bad


def test_the_retention_report_filters_by_state(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("practice_manager")
    everything = api.get("/api/v1/reports/retention").get_json()["recordings"]
    overdue = api.get("/api/v1/reports/retention?state=overdue").get_json()["recordings"]
    assert overdue and all(row["state"] == "overdue" for row in overdue)
    assert overdue == [row for row in everything if row["state"] == "overdue"]
    bad = api.get("/api/v1/reports/retention?state=soon")
    assert bad.status_code == 422
    assert bad.get_json()["field"] == "state"


def test_clinicians_get_no_reports(api_as: Callable[[str], ApiClient]) -> None:
    for role in ("therapist", "group_facilitator", "administrator"):
        api = api_as(role)
        for path in ("/api/v1/reports/retention", "/api/v1/audit"):
            response = api.get(path)
            assert response.status_code == 403, (role, path)
            assert response.mimetype == "application/problem+json"
        assert api.post("/api/v1/audit/verifications").status_code == 403


def test_the_audit_status_shows_the_last_verification(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("practice_manager")
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    before = api.get("/api/v1/audit").get_json()
    assert before["entries"] == entries
    run = api.post("/api/v1/audit/verifications")
    assert run.status_code == 201
    assert run.get_json()["intact"] is True
    assert run.get_json()["entries_checked"] == entries
    after = api.get("/api/v1/audit").get_json()
    assert after["last_verification"] == run.get_json()


def test_a_broken_chain_is_reported_with_its_first_bad_entry(
    api_as: Callable[[str], ApiClient],
) -> None:
    victim = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id).offset(3)).first()
    assert victim is not None
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == victim.id).values(action="client.erased")
    )
    db.session.commit()
    run = api_as("practice_manager").post("/api/v1/audit/verifications").get_json()
    assert run["intact"] is False
    assert run["first_broken_id"] == victim.id
    assert db.session.scalar(select(func.count(AuditVerification.id))) >= 1


def test_reading_a_report_is_in_the_access_log(api_as: Callable[[str], ApiClient]) -> None:
    api_as("practice_manager").get("/api/v1/reports/retention")
    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "retention.report")
    ).one()
    assert entry.user_role == "practice_manager"
    assert entry.purpose_of_use == "audit"
    assert entry.api_token_id is not None
