"""`clinic-consent evaluate FILE|-`: the verdict JSON on stdout, or a message and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clinic_consent.cli import main
from clinic_consent.domain import evaluate_json
from tests.domain.factories import CONTRACT_VERDICT, contract_facts, del_path, set_path

pytestmark = pytest.mark.usefixtures("instance_path")  # never touch the real instance folder


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["evaluate", *args], input=stdin)


def test_evaluate_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(contract_facts()), encoding="utf-8")
    result = invoke(str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == CONTRACT_VERDICT
    assert result.stderr == ""


def test_evaluate_reads_stdin() -> None:
    result = invoke("-", stdin=json.dumps(contract_facts()))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == CONTRACT_VERDICT
    assert result.stderr == ""


def test_evaluate_prints_what_evaluate_json_returns() -> None:
    facts = set_path(contract_facts(), "recording.covert", True)
    result = invoke("-", stdin=json.dumps(facts))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == evaluate_json(facts)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param('{"session": ', None, id="invalid-json"),
        pytest.param("", None, id="empty-input"),
        pytest.param("[]", None, id="not-an-object"),
        pytest.param(
            json.dumps(del_path(contract_facts(), "recording.medium")),
            "recording.medium",
            id="missing-field",
        ),
        pytest.param(
            json.dumps(set_path(contract_facts(), "recording.medium", "photo")),
            "recording.medium",
            id="unknown-medium",
        ),
        pytest.param(
            json.dumps(set_path(contract_facts(), "participants[1].birth_date", "2012-02-30")),
            "participants[1].birth_date",
            id="impossible-date",
        ),
        pytest.param(
            json.dumps(set_path(contract_facts(), "consents[0].party", "nobody")),
            "consents[0].party",
            id="unknown-party",
        ),
    ],
)
def test_bad_input_gives_a_message_on_stderr_and_exit_2(text: str, named: str | None) -> None:
    result = invoke("-", stdin=text)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr
    if named is not None:
        assert named in result.stderr


def test_invalid_json_message_says_so() -> None:
    result = invoke("-", stdin="{not json")
    assert result.exit_code == 2
    assert "json" in result.stderr.lower()


def test_nonexistent_file_exits_2(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "nope.json" in result.stderr


def test_real_process_separates_stdout_and_stderr(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from clinic_consent.cli import main; main()", "evaluate", "-"]
    env = {**os.environ, "CLINIC_CONSENT_INSTANCE_PATH": str(tmp_path / "instance")}

    ok = subprocess.run(
        command,
        input=json.dumps(contract_facts()),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == CONTRACT_VERDICT
    assert ok.stderr == ""

    bad = json.dumps(set_path(contract_facts(), "recording.medium", "photo"))
    failed = subprocess.run(
        command,
        input=bad,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert "recording.medium" in failed.stderr
