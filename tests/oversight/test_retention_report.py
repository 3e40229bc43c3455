"""`clinic-consent retention report`: every kept recording with its destroy-by date and state,
as CSV or JSON, for a scheduled job."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.extensions import db
from clinic_consent.oversight import commands
from tests.oversight import dataset


@pytest.fixture
def practice(app: Flask) -> dataset.Practice:
    return dataset.build()


def expected_states(practice: dataset.Practice) -> dict[int, str]:
    return {practice.recordings[k].id: state for k, state in dataset.KEPT_STATES.items()}


def test_csv_lists_every_kept_recording_with_its_state(
    runner: FlaskCliRunner, practice: dataset.Practice
) -> None:
    result = runner.invoke(args=["retention", "report", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {int(row["recording_id"]): row["state"] for row in rows} == expected_states(practice)
    a = next(row for row in rows if int(row["recording_id"]) == practice.recordings["A"].id)
    assert a["retention_until"] == dataset.days(-10).isoformat()
    assert a["days_left"] == "-10"
    # Not a terminal: no progress bar in the output.
    assert "Recordings" not in result.output


def test_json_gives_the_same_recordings(runner: FlaskCliRunner, practice: dataset.Practice) -> None:
    result = runner.invoke(args=["retention", "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["date"] == dataset.days(0).isoformat()
    states = {row["recording_id"]: row["state"] for row in report["recordings"]}
    assert states == expected_states(practice)
    assert [r["state"] for r in report["recordings"]].count("overdue") == 3


def test_output_to_a_file(
    runner: FlaskCliRunner, practice: dataset.Practice, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    result = runner.invoke(args=["retention", "report", "--format", "json", "--output", target])
    assert result.exit_code == 0, result.output
    assert len(json.loads(target.read_text("utf-8"))["recordings"]) == len(dataset.KEPT_STATES)


def test_an_unknown_format_is_refused(runner: FlaskCliRunner, practice: dataset.Practice) -> None:
    result = runner.invoke(args=["retention", "report", "--format", "xml"])
    assert result.exit_code == 2
    assert "xml" in result.output


def test_the_report_is_in_the_access_log(
    runner: FlaskCliRunner, practice: dataset.Practice
) -> None:
    runner.invoke(args=["retention", "report"])
    entries = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "retention.report")
    ).all()
    assert len(entries) == 1


def test_a_terminal_gets_a_progress_bar_on_standard_error(
    runner: FlaskCliRunner, practice: dataset.Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands, "_in_terminal", lambda: True)
    result = runner.invoke(args=["retention", "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Recordings" in result.stderr
    assert len(json.loads(result.stdout)["recordings"]) == len(dataset.KEPT_STATES)
