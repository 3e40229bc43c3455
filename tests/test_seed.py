"""``clinic-consent seed``: bulk data that the application itself accepts as its own."""

from __future__ import annotations

import multiprocessing
import queue
import random
import re
from collections import Counter
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from clinic_consent.audit import chain
from clinic_consent.consents.models import Consent
from clinic_consent.consents.tallies import tallies
from clinic_consent.domain.vocabulary import STATUSES
from clinic_consent.extensions import db
from clinic_consent.recordings import derived
from clinic_consent.recordings.models import RECORDING_STATUSES, Recording
from clinic_consent.seed import command as seed_command
from clinic_consent.seed import pipeline
from clinic_consent.seed.bulk import Batch, Ids, Rows
from clinic_consent.seed.command import SEED_PASSWORD
from clinic_consent.seed.people import PeopleBuilder
from clinic_consent.seed.scale import Scale
from clinic_consent.seed.trail import Trail
from clinic_consent.sessions.models import TreatmentSession
from tests.conftest import sign_in_with

SESSIONS = 600


@pytest.fixture
def seeded(cli: FlaskCliRunner) -> str:
    result = cli.invoke(args=["seed", "--sessions", str(SESSIONS)])
    assert result.exit_code == 0, result.output
    return result.output


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_seed_writes_the_sessions_asked_for_and_says_so(seeded: str) -> None:
    assert _count(TreatmentSession) == SESSIONS
    printed = dict(re.findall(r"^\s+(\w+)\s+([\d,]+)$", seeded, flags=re.M))
    assert int(printed["treatment_sessions"].replace(",", "")) == SESSIONS
    assert int(printed["consents"].replace(",", "")) == _count(Consent)
    assert _count(Recording) > 2 * SESSIONS  # about three a session
    assert SEED_PASSWORD in seeded


def test_every_seeded_verdict_is_the_rule_cores(seeded: str) -> None:
    """The stored verdicts, access-list dates and withdrawal counts are exactly what the
    application computes from the seeded rows (recordings.derived)."""
    assert derived.stale_recordings(db.session()) == []


def test_the_seed_holds_every_verdict_and_every_status(seeded: str) -> None:
    verdicts = Counter(db.session.scalars(select(Recording.verdict)))
    statuses = Counter(db.session.scalars(select(Recording.status)))
    assert set(verdicts) == set(STATUSES)
    assert set(statuses) == set(RECORDING_STATUSES)


def test_the_seeded_audit_chain_verifies(seeded: str) -> None:
    report = chain.verify()
    assert report.intact, report
    assert report.entries_checked > _count(Consent)  # one a decision, and more


def test_the_consent_tallies_match_the_consents(seeded: str) -> None:
    counted = Counter(c.effective_decision for c in db.session.scalars(select(Consent)))
    assert tallies(db.session()) == {state: counted[state] for state in tallies(db.session())}


def test_seeded_users_sign_in_with_the_printed_password(seeded: str, empty_app: Flask) -> None:
    email = re.search(r"therapist\s+(\S+@seed\.clinic-consent\.test)", seeded)
    assert email is not None
    client = empty_app.test_client()
    response = sign_in_with(client, email.group(1), SEED_PASSWORD)
    assert response.status_code == 302
    assert client.get("/sessions/agenda").status_code == 200


def test_the_seed_refuses_a_database_with_sessions(seeded: str, cli: FlaskCliRunner) -> None:
    consents = _count(Consent)
    result = cli.invoke(args=["seed", "--sessions", "10"])
    assert result.exit_code != 0
    assert "already has sessions" in result.output
    assert _count(TreatmentSession) == SESSIONS and _count(Consent) == consents


def test_the_seed_never_runs_in_production(cli: FlaskCliRunner, empty_app: Flask) -> None:
    empty_app.config["CLINIC_CONSENT_ENV"] = "production"
    result = cli.invoke(args=["seed", "--sessions", "10"])
    assert result.exit_code != 0
    assert "never runs in production" in result.output


@pytest.mark.parametrize(
    "today",
    # The period's first day (700 days back) is then a Saturday, and a Sunday: groups that
    # started then once met on the Friday before the period, and those meetings were lost.
    [date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)],
)
def test_every_group_meets_on_the_periods_weekdays(today: date) -> None:
    scale = Scale(100_000, today)
    ids = Ids(dict.fromkeys(seed_command.TABLES, 1))
    rows = Rows()
    people = PeopleBuilder(scale, random.Random(2026), ids, rows, Trail(ids, rows)).build("-")
    weekdays = set(scale.weekdays())
    assert [m for g in people.groups for m in g.meetings if m not in weekdays] == []


def test_the_people_are_written_before_any_session_whichever_generator_is_first() -> None:
    """The second generator may send sessions before the first has sent the people they refer
    to; PostgreSQL checks each foreign key as a row is copied in (a seed of 380,000 sessions
    once failed so). The writer holds such batches until the people are written."""
    people = Batch({"users": ("id",)}, {"users": [(1,)]})
    early = Batch({"treatment_sessions": ("id",)}, {"treatment_sessions": [(10,)]}, sessions=1)
    later = Batch({"treatment_sessions": ("id",)}, {"treatment_sessions": [(11,)]}, sessions=1)
    channel: queue.Queue[pipeline.Message] = queue.Queue()
    for message in (early, pipeline.People(people), later, pipeline.Done([]), pipeline.Done([])):
        channel.put(message)
    written: list[Batch] = []

    two_generators = [multiprocessing.Process(), multiprocessing.Process()]  # never started
    pipeline._receive(channel, two_generators, written.append)

    assert written == [people, early, later]
