"""Performance at practice-group scale, on SQLite and on PostgreSQL; writes BENCHMARKS.md.

Not a test: it seeds, serves, measures and reports. For each database it

1. seeds a throw-away database with ``clinic-consent seed --sessions N`` (timed);
2. serves it with gunicorn, two sync workers, and requests every main page and API list a few
   hundred times one after the other, timed by the server itself (gunicorn's access log);
3. compares the requests per second of a read page with a hello-world endpoint of the same
   app and workers (wrk, 2 threads, 4 connections);
4. reads the workers' memory after a warm-up and again after 10,000 more requests;
5. seeds a second database with about a million recordings and times the retention report.

Then, on SQLite, it counts the SQL queries of every main page with 10 and with 1,000 rows
behind it (tests/pages/world.py, through the operations), and times a sealed consent form
beside raw WeasyPrint on the same HTML (bench/forms_pdf.py).

    python bench/scale.py                      # everything (about 40 minutes)
    python bench/scale.py --sessions 20000 --large-sessions 0 --rows 10 100   # a quick look

Run it from the repository root in a virtual environment with ``pip install -e '.[test]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report
from bench.serving import Server, requests_per_second, serving, signed_in, timed

PASSWORD = "seed-password-2026"  # noqa: S105 (the seed's, printed by it)
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105
USERS = {
    "therapist": "therapist-0001@seed.clinic-consent.test",
    "facilitator": "group-facilitator-0001@seed.clinic-consent.test",
    "manager": "practice-manager-0001@seed.clinic-consent.test",
}
MEMORY_REQUESTS = 10_000
GOALS = {
    "page_p95_ms": 50,
    "retention_ms": 200,
    "read_to_hello": 0.35,
    "seal_to_raw": 1.1,
    "seed_seconds": 60,
}


@dataclass
class DatabaseRun:
    name: str
    seed_seconds: float = 0.0
    seeded: dict[str, int] = field(default_factory=dict)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    rps: dict[str, Any] = field(default_factory=dict)
    memory_mb: dict[str, Any] = field(default_factory=dict)
    large: dict[str, Any] = field(default_factory=dict)


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def throwaway(kind: str, pg_url: str, folder: Path) -> Iterator[dict[str, str]]:
    """The environment of a new, empty database of ``kind``, dropped afterwards."""
    instance = folder / f"instance-{uuid.uuid4().hex[:8]}"
    instance.mkdir()
    env = {
        "CLINIC_CONSENT_INSTANCE_PATH": str(instance),
        "CLINIC_CONSENT_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
    }
    if kind == "sqlite":
        yield env
        return
    admin = make_url(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield {**env, "DATABASE_URL": admin.set(database=name).render_as_string(False)}
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def command(env: dict[str, str], *args: str) -> str:
    program = Path(sys.executable).with_name("clinic-consent")
    inherited = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [str(program), *args], env={**inherited, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"clinic-consent {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def seed(env: dict[str, str], sessions: int) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    output = command(env, "seed", "--sessions", str(sessions))
    seconds = time.perf_counter() - started
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].replace(",", "").isdigit():
            counts[parts[0]] = int(parts[1].replace(",", ""))
    return round(seconds, 1), counts


@dataclass(frozen=True)
class Objects:
    """What the pages are about: objects of the seeded users, found in the database."""

    client: int
    recording: int
    group_recording: int
    session: int
    tokens: dict[str, str]


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` in this process's environment for the block (create_app reads it)."""
    saved = {name: os.environ.get(name) for name in (*env, "DATABASE_URL")}
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def objects(env: dict[str, str]) -> Objects:
    """Ids of a busy therapist's client and recording and a facilitator's group recording,
    and an API token for each user (made here, in the app, as the token page makes them)."""
    with environment(env):
        return _objects()


def _objects() -> Objects:
    from clinic_consent import create_app
    from clinic_consent.api.tokens import create_token
    from clinic_consent.extensions import db
    from clinic_consent.users.models import User

    app = create_app()
    with app.app_context():
        one = lambda sql, **kw: db.session.execute(text(sql), kw).scalar_one()  # noqa: E731
        user = lambda role: one("SELECT id FROM users WHERE email = :e", e=USERS[role])  # noqa: E731
        therapist, facilitator = user("therapist"), user("facilitator")
        client = one(
            "SELECT p.client_id FROM session_participants p JOIN session_participants s"
            " ON s.session_id = p.session_id AND s.user_id = :t WHERE p.client_id IS NOT NULL"
            " GROUP BY p.client_id ORDER BY count(*) DESC, p.client_id LIMIT 1",
            t=therapist,
        )
        recording = one(
            "SELECT r.id FROM recordings r JOIN session_participants p ON p.id ="
            " r.recorder_participant_id WHERE p.user_id = :t AND r.made_by = 'clinician'"
            " ORDER BY r.id DESC LIMIT 1",
            t=therapist,
        )
        session = one("SELECT session_id FROM recordings WHERE id = :r", r=recording)
        group_recording = one(
            "SELECT r.id FROM recordings r JOIN treatment_sessions s ON s.id = r.session_id"
            " JOIN session_participants p ON p.id = r.recorder_participant_id"
            " WHERE s.kind = 'group' AND p.user_id = :f AND r.made_by = 'clinician'"
            " ORDER BY r.id DESC LIMIT 1",
            f=facilitator,
        )
        tokens = {}
        for role in USERS:
            owner = db.session.scalars(db.select(User).where(User.email == USERS[role])).one()
            _token, secret = create_token(owner, name="benchmark", days=30)
            tokens[role] = secret
        db.session.commit()
        db.engine.dispose()
    return Objects(client, recording, group_recording, session, tokens)


# --- the pages ---------------------------------------------------------------------------------


def main_pages(found: Objects) -> list[tuple[str, str, str]]:
    """(name, who, path) of every main page and API list."""
    return [
        ("therapist agenda", "therapist", "/sessions/agenda"),
        ("therapist clients", "therapist", "/clients/"),
        ("client page", "therapist", f"/clients/{found.client}"),
        ("recording with verdict", "therapist", f"/recordings/{found.recording}"),
        ("session page", "therapist", f"/sessions/{found.session}"),
        ("group roster", "facilitator", f"/recordings/{found.group_recording}/roster"),
        ("manager dashboard", "manager", "/dashboard"),
        ("manager list page (overdue)", "manager", "/dashboard/lists/overdue"),
        ("manager clients", "manager", "/clients/"),
        ("manager week of sessions", "manager", "/sessions/agenda"),
        ("audit log (changes)", "manager", "/audit-log"),
        ("audit log (accesses)", "manager", "/audit-log/accesses"),
        ("API retention report", "manager", "/api/v1/reports/retention"),
        ("API clients", "therapist", "/api/v1/clients"),
        ("API sessions", "therapist", "/api/v1/sessions"),
        (
            "API consents of a recording",
            "facilitator",
            f"/api/v1/recordings/{found.group_recording}/consents",
        ),
        (
            "API FHIR consents of a client",
            "therapist",
            f"/api/v1/fhir/Consent?patient={found.client}",
        ),
    ]


def measure_pages(server: Server, found: Objects, count: int) -> dict[str, dict[str, Any]]:
    browsers = {role: signed_in(server, email, PASSWORD) for role, email in USERS.items()}
    results = {}
    for name, who, path in main_pages(found):
        headers = {"Authorization": f"Bearer {found.tokens[who]}"} if "/api/" in path else None
        timing = timed(server, browsers[who], path, count, headers=headers)
        assert timing.statuses == (200,), f"{name}: {timing.statuses}"
        results[name] = {"path": path, **asdict(timing)}
        print(f"    {name:<34} p50 {timing.p50:7.1f}  p95 {timing.p95:7.1f} ms", flush=True)
    return results


def measure_rps(server: Server, found: Objects) -> dict[str, Any]:
    """Requests per second of hello-world, a web page and an API read, each alone."""
    browser = signed_in(server, USERS["therapist"], PASSWORD)
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    token = f"Authorization: Bearer {found.tokens['therapist']}"
    pages = {
        "hello": ("/_bench/hello", f"Cookie: {cookie}"),
        "recording page": (f"/recordings/{found.recording}", f"Cookie: {cookie}"),
        "API client": (f"/api/v1/clients/{found.client}", token),
    }
    return {
        name: {"path": path, "rps": round(requests_per_second(server, path, header), 1)}
        for name, (path, header) in pages.items()
    }


def measure_memory(server: Server, found: Objects, extra: int) -> dict[str, Any]:
    """Worker RSS after a warm-up of every page, and after ``extra`` more requests of them."""
    browsers = {role: signed_in(server, email, PASSWORD) for role, email in USERS.items()}
    pages = main_pages(found)

    def load(requests_count: int) -> None:
        for number in range(requests_count):
            _name, who, path = pages[number % len(pages)]
            headers = {"Authorization": f"Bearer {found.tokens[who]}"} if "/api/" in path else None
            browsers[who].get(server.url(path), headers=headers, timeout=60)

    load(len(pages) * 20)
    before = server.worker_rss_mb()
    load(extra)
    after = server.worker_rss_mb()
    return {
        "after_warmup": [round(m, 1) for m in before],
        "after_more": [round(m, 1) for m in after],
        "more_requests": extra,
    }


def run_database(kind: str, args: argparse.Namespace, folder: Path, port: int) -> DatabaseRun:
    run = DatabaseRun(kind)
    print(f"\n== {kind}", flush=True)
    with throwaway(kind, args.pg_url, folder) as env:
        print(f"  seeding {args.sessions:,} sessions", flush=True)
        run.seed_seconds, run.seeded = seed(env, args.sessions)
        print(f"  seeded in {run.seed_seconds} s", flush=True)
        found = objects(env)
        with serving(env, port, folder) as server:
            run.pages = measure_pages(server, found, args.requests)
            run.rps = measure_rps(server, found)
            print(f"  requests/s: {run.rps}", flush=True)
            run.memory_mb = measure_memory(server, found, args.memory_requests)
            print(f"  worker memory: {run.memory_mb}", flush=True)
    if args.large_sessions:
        run.large = run_large(kind, args, folder, port + 1)
    return run


def run_large(kind: str, args: argparse.Namespace, folder: Path, port: int) -> dict[str, Any]:
    """The retention report (and the dashboard) over about a million recordings."""
    with throwaway(kind, args.pg_url, folder) as env:
        print(f"  seeding {args.large_sessions:,} sessions for the retention report", flush=True)
        seconds, seeded = seed(env, args.large_sessions)
        found = objects(env)
        with serving(env, port, folder) as server:
            browser = signed_in(server, USERS["manager"], PASSWORD)
            token = {"Authorization": f"Bearer {found.tokens['manager']}"}
            results: dict[str, Any] = {"seed_seconds": seconds, "seeded": seeded}
            for name, path, headers in (
                ("API retention report", "/api/v1/reports/retention", token),
                ("manager list page (overdue)", "/dashboard/lists/overdue", None),
                ("manager dashboard", "/dashboard", None),
            ):
                timing = timed(server, browser, path, max(50, args.requests // 3), headers=headers)
                assert timing.statuses == (200,), f"{name}: {timing.statuses}"
                results[name] = {"path": path, **asdict(timing)}
                print(f"    {name:<34} p50 {timing.p50:7.1f}  p95 {timing.p95:7.1f} ms", flush=True)
    return results


# --- queries per page and the sealed form --------------------------------------------------------


def count_queries(rows: tuple[int, int], folder: Path) -> dict[str, dict[str, int]]:
    """Queries of every page with the first and the second number of rows behind it."""
    from bench.query_counts import queries_per_page

    return queries_per_page(rows, folder)


def forms_pdf(folder: Path) -> dict[str, Any]:
    output = folder / "forms_pdf.json"
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("forms_pdf.py")), "--json", str(output)],
        check=True,
        capture_output=True,
    )
    return json.loads(output.read_text())  # type: ignore[no-any-return]


# --- the machine ---------------------------------------------------------------------------------


def machine(pg_url: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    try:
        engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as connection:
            postgres = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
    except Exception:
        postgres = "not reachable"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": memory,
        "system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument(
        "--large-sessions",
        type=int,
        default=380_000,
        help="sessions of the retention-report database (0: skip)",
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=MEMORY_REQUESTS,
        help="requests between the two readings of worker memory",
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs=2,
        default=(10, 1000),
        help="rows behind the pages for the query counts",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument("--json", help="also write every figure as JSON to this file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine(args.pg_url), "goals": GOALS}
    with tempfile.TemporaryDirectory(prefix="cc-scale-") as name:
        folder = Path(name)
        runs = [
            run_database(kind, args, folder, 8700 + 10 * number)
            for number, kind in enumerate(args.databases.split(","))
        ]
        results["databases"] = [asdict(run) for run in runs]
        print("\n== queries per page", flush=True)
        results["queries"] = count_queries(tuple(args.rows), folder)
        print("\n== sealed form beside raw WeasyPrint", flush=True)
        results["forms_pdf"] = forms_pdf(folder)
    results["settings"] = {
        "sessions": args.sessions,
        "large_sessions": args.large_sessions,
        "requests": args.requests,
        "rows": list(args.rows),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    Path(args.output).write_text(report.markdown(results))
    print(f"\nWrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
