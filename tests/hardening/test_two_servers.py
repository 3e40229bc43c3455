"""Two app servers on one database: two gunicorn instances (separate processes, two workers
each, the repository's gunicorn.conf.py) serve the same database, PostgreSQL or, when the
suite runs on SQLite, one SQLite file that both open (write-ahead logging, writers wait for
the lock). Two facilitators write consents through both at once over the API, and nothing
is lost, nothing is stored twice, and the audit chain verifies."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select

from clinic_consent.api.tokens import create_token
from clinic_consent.consents.models import Consent, ConsentTally
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.seal import practice_seal
from clinic_consent.recordings.derived import stale_recordings
from clinic_consent.recordings.models import Recording
from tests.conftest import TEST_SECRET_KEY
from tests.hardening.group_setting import facilitator_user, group_setting
from tests.hardening.parallel import run_together
from tests.hardening.servers import servers

MEMBERS = 6
RECORDINGS = 4
WRITERS = 4  # two per facilitator, one on each server


def test_two_servers_on_one_database_lose_no_consent_and_keep_the_chain(
    app: Flask, instance_path: Path, tmp_path: Path
) -> None:
    setting = group_setting(members=MEMBERS, recordings=RECORDINGS)
    tokens = [
        create_token(facilitator_user(f), name="tablet", days=30)[1] for f in setting.facilitators
    ]
    db.session.commit()
    practice_seal()  # made once here: four workers must not each make their own
    pairs = [(r, m) for r in setting.recording_ids for m in setting.member_ids]
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": TEST_SECRET_KEY,
        "CLINIC_CONSENT_INSTANCE_PATH": str(instance_path),
        "CLINIC_CONSENT_ENV": "development",
    }
    db.session.remove()  # SQLite: no connection of ours in the way of the servers' writes

    with servers(env, tmp_path, count=2) as (first, second):

        def writer(number: int) -> object:
            server = (first, second)[number % 2]
            token = tokens[number // 2]
            mine = pairs[number::WRITERS]

            def work(barrier: threading.Barrier) -> list[tuple[int, int | None]]:
                answers = []
                with requests.Session() as http:
                    http.headers["Authorization"] = f"Bearer {token}"
                    barrier.wait()
                    for recording_id, member in mine:
                        answer = http.post(
                            server.url(f"/api/v1/recordings/{recording_id}/consents"),
                            json={
                                "party": f"p{member}",
                                "for": f"p{member}",
                                "decision": "granted",
                                "method": "paper_form",
                            },
                            timeout=60,
                        )
                        body = answer.json() if answer.status_code == 201 else {}
                        answers.append((answer.status_code, body.get("id")))
                return answers

            return work

        answers = run_together(None, *(writer(n) for n in range(WRITERS)))

    # Read once stopped: a worker writes a request's log line after answering it.
    requests_per_server = [s.access_log.read_text().count("\n") for s in (first, second)]
    logged = first.logged() + second.logged()

    told_stored = [consent_id for mine in answers for status, consent_id in mine]
    assert [status for mine in answers for status, _ in mine] == [201] * len(pairs)
    stored = db.session.scalars(select(Consent)).all()
    # Nothing lost, nothing twice: exactly the consents the clients were told were stored.
    assert sorted(c.id for c in stored) == sorted(told_stored)
    assert sorted((c.recording_id, c.for_participant_id) for c in stored) == sorted(pairs)
    for recording_id in setting.recording_ids:
        assert db.session.get_one(Recording, recording_id).verdict == "cleared"
    assert stale_recordings(db.session) == []
    assert db.session.get_one(ConsentTally, "granted").count == len(pairs)
    db.session.commit()

    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("intact: ")
    chain_length = int(verified.output.split()[1])
    # Per consent: its registration and its sealed form; plus the setting's own entries.
    assert chain_length > 2 * len(pairs)

    # Both servers took their share; their logs name no client.
    assert all(count >= len(pairs) // 2 for count in requests_per_server)
    assert "Member" not in logged
    assert re.search(r"\?\w+=", logged) is None  # no query strings
    print(  # the figures for the issue note (pytest -s)
        f"\n{WRITERS} concurrent writers, requests per server {requests_per_server},"
        f" {len(stored)} consents written, audit chain of {chain_length} entries verified"
    )
