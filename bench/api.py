"""Benchmark of the JSON API: what a call costs through the whole request cycle.

Not a test: on a throw-away instance (temporary folder, SQLite or a PostgreSQL database made
for the run) with the demo practice and its sealed forms, it times N calls (after warm-up) of
each read the health record system makes, with a therapist's token, through Flask's test
client: token look-up, access check, access-log entry and commit included, the network not.

    python bench/api.py                     # SQLite, 50 runs per call
    python bench/api.py --runs 20 --database-url postgresql://postgres@127.0.0.1:5432/test

With a PostgreSQL URL a database cc_bench_<random> is created next to the one named and
dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from forms_pdf import throwaway_database  # bench/forms_pdf.py: the same throw-away database
from sqlalchemy import select

from clinic_consent import create_app
from clinic_consent.api.tokens import create_token
from clinic_consent.clients.models import Client
from clinic_consent.consents.models import Consent
from clinic_consent.demo import build_demo
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.defaults import ensure_default_form_templates
from clinic_consent.practice.operations import (
    ensure_default_retention_classes,
    ensure_practice_settings,
)
from clinic_consent.users.models import User

FACTS = {
    "session": {"kind": "group", "date": "2026-11-22"},
    "recording": {
        "made_by": "clinician",
        "recorder": "s1",
        "medium": "video",
        "covert": False,
        "public": False,
        "purpose": "training",
        "scope": "whole",
        "access_list": ["supervisor"],
        "retention_until": "2027-11-22",
    },
    "participants": [{"id": "s1", "role": "staff"}]
    + [{"id": f"p{n}", "role": "client", "birth_date": "1980-01-01"} for n in range(12)],
}


def timed(call: Callable[[], int], runs: int, warmup: int) -> tuple[float, float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    samples.sort()
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        throwaway_database(args.database_url, Path(folder)) as url,
    ):
        instance = str(Path(folder) / "instance")
        os.environ["CLINIC_CONSENT_INSTANCE_PATH"] = instance
        app = create_app(
            {
                "CLINIC_CONSENT_ENV": "testing",
                "SECRET_KEY": "b" * 40,
                "SQLALCHEMY_DATABASE_URI": url,
            }
        )
        with app.app_context():
            db.create_all()
            ensure_practice_settings("Bench practice")
            ensure_default_retention_classes()
            ensure_default_form_templates()
            build_demo(seal_forms=True)
            therapist = db.session.scalars(select(User).where(User.role == "therapist")).first()
            assert therapist is not None
            _token, secret = create_token(therapist, name="bench", days=30)
            client_id = db.session.scalars(
                select(Client.id).where(Client.given_name == "Sanne")
            ).one()
            consent = db.session.scalars(
                select(Consent).where(Consent.registered_by_id == therapist.id)
            ).first()
            assert consent is not None
            recording_id = consent.recording_id
            db.session.commit()
            consent_id = consent.id
        web = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}

        def get(path: str) -> Callable[[], int]:
            return lambda: web.get(path, headers=headers).status_code

        calls = {
            "POST /evaluate (12 members)": lambda: (
                web.post("/api/v1/evaluate", json=FACTS, headers=headers).status_code
            ),
            "GET /clients": get("/api/v1/clients"),
            "GET /recordings/{id} (verdict)": get(f"/api/v1/recordings/{recording_id}"),
            "GET /recordings/{id}/consents": get(f"/api/v1/recordings/{recording_id}/consents"),
            "GET /fhir/Consent/{id}": get(f"/api/v1/fhir/Consent/{consent_id}"),
            "GET /fhir/Consent?patient= (Bundle)": get(f"/api/v1/fhir/Consent?patient={client_id}"),
            "GET /openapi.json (no token)": get("/api/v1/openapi.json"),
        }
        kind = "PostgreSQL" if args.database_url else "SQLite"
        print(f"clinic-consent API, {kind}, {args.runs} runs after {args.warmup} warm-up")
        print(f"{'call':40} {'median ms':>10} {'p90 ms':>8}")
        for label, call in calls.items():
            median, p90 = timed(call, args.runs, args.warmup)
            print(f"{label:40} {median:10.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
