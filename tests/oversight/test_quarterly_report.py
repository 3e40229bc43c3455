"""The quarterly audit report: a sealed PDF, stored, with the quarter's figures."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.forms_pdf.verification import verify_pdf
from clinic_consent.oversight import report
from clinic_consent.timeutil import today_utc
from tests.forms_pdf.tools import pdf_text, poppler_missing
from tests.oversight import dataset
from tests.oversight.test_dashboard import sign_in


@pytest.fixture
def manager(app: Flask, client: FlaskClient) -> FlaskClient:
    practice = dataset.build()
    sign_in(client, practice.staff.manager.email)
    return client


def this_quarter() -> str:
    today = today_utc()
    return f"year={today.year}&quarter={(today.month + 2) // 3}"


def test_the_report_is_sealed_stored_and_shows_the_quarter(
    manager: FlaskClient, tmp_path: Path
) -> None:
    # No skip: the README's test command installs poppler-utils (scripts/ensure-test-tools).
    assert not poppler_missing(), "poppler-utils not installed: run scripts/ensure-test-tools"
    response = manager.get(f"/dashboard/quarterly-report.pdf?{this_quarter()}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    stored = db.session.scalars(
        select(StoredDocument).where(StoredDocument.kind == "audit_report")
    ).one()
    assert stored.sha256 == hashlib.sha256(pdf).hexdigest()
    assert verify_pdf(pdf).ok
    text = pdf_text(pdf, tmp_path)
    assert stored.form_number in text
    assert "Overdue for destruction 3" in text
    assert "The audit trail has never been verified." in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "year=2026",
        "year=2026&quarter=5",
        "year=abc&quarter=1",
        "year=1999&quarter=1",
        "year=9999&quarter=1",
    ],
)
def test_a_bad_quarter_is_refused_and_nothing_stored(manager: FlaskClient, query: str) -> None:
    response = manager.get(f"/dashboard/quarterly-report.pdf?{query}")
    assert response.status_code == 422
    assert "No report" in response.get_data(as_text=True)
    assert db.session.scalars(select(StoredDocument)).first() is None


def test_a_quarter_not_begun_is_refused(
    manager: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "today_utc", lambda: date(2026, 5, 1))
    response = manager.get("/dashboard/quarterly-report.pdf?year=2026&quarter=3")
    assert response.status_code == 422
    assert "has not begun yet" in response.get_data(as_text=True)


def test_overdue_at_the_reference_day_are_the_dashboards_overdue(app: Flask) -> None:
    practice = dataset.build()
    today = today_utc()
    quarter = report.Quarter(today.year, (today.month + 2) // 3)
    listed = {row["recording_id"] for row in report.overdue_at_quarter_end(quarter)}
    assert listed == {practice.recordings[letter].id for letter in "ABH"}
