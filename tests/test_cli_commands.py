"""The commands that set up and fill a database: init, create-user, demo."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from clinic_consent.audit import chain
from clinic_consent.audit.verification import last_verification
from clinic_consent.demo import DEMO_LOGINS
from clinic_consent.domain.vocabulary import STATUSES
from clinic_consent.extensions import db
from clinic_consent.recordings.facts import verdict_for_recording
from clinic_consent.recordings.models import Recording, RetentionClass
from clinic_consent.users.models import User
from clinic_consent.users.passwords import verify_password

ADMIN_PASSWORD = "a long enough admin password"


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_init_migrates_and_creates_the_first_administrator(cli: FlaskCliRunner) -> None:
    result = cli.invoke(
        args=["init", "--admin-email", "Boss@Example.org", "--admin-name", "Boss"],
        env={"CLINIC_CONSENT_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert "administrator boss@example.org created" in result.output
    admin = db.session.scalars(select(User)).one()
    assert admin.role == "administrator"
    assert verify_password(admin.password_hash, ADMIN_PASSWORD)
    assert ADMIN_PASSWORD not in (admin.password_hash or "")
    assert {c.code for c in db.session.scalars(select(RetentionClass))} >= {
        "medical_file",
        "training",
    }

    again = cli.invoke(args=["init"])
    assert again.exit_code == 0, again.output
    assert "an administrator exists" in again.output
    assert _count(User) == 1


def test_init_prompts_for_the_password_twice(cli: FlaskCliRunner) -> None:
    result = cli.invoke(
        args=["init", "--admin-email", "boss@example.org"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert _count(User) == 1


def test_init_with_a_short_password_creates_no_user(cli: FlaskCliRunner) -> None:
    result = cli.invoke(
        args=["init", "--admin-email", "boss@example.org"],
        env={"CLINIC_CONSENT_ADMIN_PASSWORD": "short"},
    )
    assert result.exit_code == 1
    assert "password: must be at least 12 characters" in result.output
    assert _count(User) == 0


def test_create_user_rejects_a_taken_address_and_changes_nothing(cli: FlaskCliRunner) -> None:
    cli.invoke(
        args=["init"],
        env={"CLINIC_CONSENT_ADMIN_PASSWORD": ADMIN_PASSWORD},
        input="a@example.org\n",
    )
    args = ["create-user", "--email", "t@example.org", "--name", "Tessa", "--role", "therapist"]
    first = cli.invoke(args=args, env={"CLINIC_CONSENT_PASSWORD": "therapist password 1"})
    assert first.exit_code == 0, first.output
    assert "Created therapist t@example.org" in first.output
    second = cli.invoke(args=args, env={"CLINIC_CONSENT_PASSWORD": "therapist password 2"})
    assert second.exit_code == 1
    assert "email: is already in use" in second.output
    assert _count(User) == 2


def test_create_user_rejects_an_unknown_role(cli: FlaskCliRunner) -> None:
    result = cli.invoke(
        args=["create-user", "--email", "x@example.org", "--name", "X", "--role", "boss"],
        env={"CLINIC_CONSENT_PASSWORD": "a long password here"},
    )
    assert result.exit_code == 2
    assert "'boss' is not one of" in result.output


def test_demo_shows_every_verdict_and_is_idempotent(cli: FlaskCliRunner) -> None:
    first = cli.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo practice created." in first.output
    for login in DEMO_LOGINS:
        assert f"{login.email}" in first.output and login.password in first.output
        user = db.session.scalars(select(User).where(User.email == login.email)).one()
        assert user.role == login.role and verify_password(user.password_hash, login.password)
    recordings = db.session.scalars(select(Recording)).all()
    assert {verdict_for_recording(r).status for r in recordings} == set(STATUSES)
    counts = (_count(User), _count(Recording))
    last = last_verification()  # the dashboard opens on a verified audit trail
    assert last is not None and last.first_broken_id is None and last.entries_checked > 0

    second = cli.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert (_count(User), _count(Recording)) == counts
    assert chain.verify().intact


def test_demo_never_runs_in_production(cli: FlaskCliRunner, empty_app: Flask) -> None:
    empty_app.config["CLINIC_CONSENT_ENV"] = "production"
    result = cli.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "never runs in production" in result.output
