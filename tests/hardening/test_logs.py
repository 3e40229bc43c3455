"""Logs carry no health data: with every logger at DEBUG (SQLAlchemy's and werkzeug's too),
the main workflows and their failures (validation errors, a refused form text, a 404, a 403,
a server error) log no client's name, birth date, contact or free-text note; and gunicorn's
access log, as gunicorn.conf.py sets it, leaves out query strings (a search names a client)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from clinic_consent.clients import operations as client_operations
from clinic_consent.clients.models import CapacityJudgement, Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf import operations as form_operations
from clinic_consent.forms_pdf.models import FormTemplate
from clinic_consent.recordings.models import IncidentStep, PublicationIncident, Recording
from clinic_consent.users.models import User
from tests.conftest import TEST_SECRET_KEY
from tests.hardening.servers import servers

NEW_CLIENT = {"given_name": "Wendelien", "family_name": "Zwaluwstaart", "birth_date": "1979-02-03"}
WITHDRAWAL_REASON = "Moved to Zwolle after the divorce"


def health_data() -> set[str]:
    """Everything in the database a log must never show: names, birth dates (as the pages
    and forms write them), contacts and notes about clients."""
    found: set[str] = set(NEW_CLIENT.values()) | {WITHDRAWAL_REASON, "03-02-1979"}
    for person in db.session.scalars(select(Client)):
        found |= {person.given_name, person.family_name, person.birth_date.isoformat()}
        found.add(person.birth_date.strftime("%d-%m-%Y"))
    for representative in db.session.scalars(select(Representative)):
        found |= {representative.name, representative.contact or ""}
    for judgement in db.session.scalars(select(CapacityJudgement)):
        found.add(judgement.note or "")
    for incident in db.session.scalars(select(PublicationIncident)):
        found.add(incident.description or "")
    for step in db.session.scalars(select(IncidentStep)):
        found.add(step.note or "")
    for consent in db.session.scalars(select(Consent)):
        found |= {consent.withdrawal_reason or "", consent.witness_name or ""}
    return {value for value in found if len(value) >= 4}


def leaked(logged: str, secrets: set[str]) -> list[str]:
    lowered = logged.lower()
    return sorted(s for s in secrets if s.lower() in lowered)


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Callable[[], str]:
    """Every logger at DEBUG, including those SQLAlchemy and werkzeug keep quiet by default;
    the text of all records, tracebacks included."""
    for name in (None, "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return lambda: "\n".join(formatter.format(r) for r in caplog.records)


def _pending_capture_path() -> str:
    """The capture page of a consent the demo still waits for."""
    from clinic_consent.recordings.presentation import verdict_view

    for recording in db.session.scalars(select(Recording).order_by(Recording.id)):
        for row in verdict_view(recording).rows:
            if row.consent is None and row.for_party.participant is not None:
                return f"/recordings/{recording.id}/consent/{row.party.key}/{row.for_party.key}"
    raise AssertionError("the demo has no pending consent")


def test_workflows_and_their_failures_log_no_health_data(
    app: Flask,
    client: FlaskClient,
    demo: DemoResult,
    login_as: Callable[[str], User],
    everything_logged: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    someone = db.session.scalars(select(Client).order_by(Client.id)).first()
    assert someone is not None
    withdrawable = db.session.scalars(
        select(Consent).where(Consent.decision == "granted", Consent.withdrawn_at.is_(None))
    ).first()
    assert withdrawable is not None
    capture = _pending_capture_path()

    login_as("therapist")
    assert client.get("/clients/").status_code == 200
    assert client.get(f"/clients/?q={someone.family_name}").status_code == 200
    assert client.get(f"/clients/{someone.id}").status_code == 200
    created = client.post("/clients/new", data={**NEW_CLIENT, "language": "nl"})
    assert created.status_code == 303
    invalid = client.post("/clients/new", data={**NEW_CLIENT, "birth_date": "3 Feb 1979"})
    assert invalid.status_code == 422  # a validation error, the name and date echoed back
    assert client.get(capture).status_code == 200
    assert client.post(capture, data={"method": "paper_form"}).status_code == 422
    assert client.get("/clients/999999").status_code == 404

    login_as("group_facilitator")
    withdrawal = client.post(
        f"/consents/{withdrawable.id}/withdraw", data={"reason": WITHDRAWAL_REASON}
    )
    assert withdrawal.status_code in (303, 404)  # 404: not one of the facilitator's

    login_as("practice_manager")
    assert client.get("/clients/new").status_code == 403  # reads clinical data, changes none

    login_as("administrator")
    template = db.session.scalars(select(FormTemplate).order_by(FormTemplate.id)).first()
    assert template is not None
    latest = template.latest_version()
    assert latest is not None

    def broken(_template: str, _context: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(form_operations, "render_pdf", broken)
    refused = client.post(
        f"/admin/forms/{template.id}",
        data={"title": latest.title, "body": "A text that breaks.", "change_note": ""},
    )
    assert refused.status_code == 422

    # A server error in the middle of writing a client: the database's error, with the
    # statement that failed, goes into the log with its traceback.
    def failing_create(**values: object) -> Client:
        db.session.execute(
            text("INSERT INTO no_such_table (name, born) VALUES (:name, :born)"),
            {"name": values["family_name"], "born": str(values["birth_date"])},
        )
        raise AssertionError("unreachable")

    monkeypatch.setattr(client_operations, "create_client", failing_create)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    login_as("therapist")
    assert client.post("/clients/new", data={**NEW_CLIENT, "language": "nl"}).status_code == 500

    db.session.rollback()
    logged = everything_logged()
    # The capture saw what it must: statements, the refused text, the server error.
    assert "SELECT" in logged and "INSERT INTO clients" in logged
    assert "form template" in logged and "refused" in logged
    assert "no_such_table" in logged and "Traceback" in logged
    assert leaked(logged, health_data()) == []


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found is not None
    return found.group(1)


def test_the_production_access_log_leaves_out_query_strings(
    app: Flask, demo: DemoResult, instance_path: Path, tmp_path: Path
) -> None:
    someone = db.session.scalars(select(Client).order_by(Client.id)).first()
    assert someone is not None
    family_name = someone.family_name
    login = next(entry for entry in demo.logins if entry.role == "therapist")
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": TEST_SECRET_KEY,
        "CLINIC_CONSENT_INSTANCE_PATH": str(instance_path),
        "CLINIC_CONSENT_ENV": "development",
    }
    db.session.remove()

    with servers(env, tmp_path, count=1, workers=1) as (server,), requests.Session() as browser:
        page = browser.get(server.url("/login"), timeout=30).text
        signed_in = browser.post(
            server.url("/login"),
            data={
                "email": login.email,
                "password": login.password,
                "csrf_token": _csrf_token(page),
            },
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302
        search = browser.get(server.url("/clients/"), params={"q": family_name}, timeout=30)
        assert search.status_code == 200
        assert family_name in search.text  # the search found the client

    logged = server.logged()  # once stopped: a worker logs a request after answering it

    assert re.search(r'"GET /clients/ HTTP/1\.1" 200 ', logged)
    assert family_name not in logged
    assert "q=" not in logged
