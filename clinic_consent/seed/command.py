"""``clinic-consent seed --sessions N``: a practice group's worth of data, for benchmarks."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Final

import click
from flask import current_app
from sqlalchemy import Connection, func, select

from clinic_consent.consents import tallies
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplate, FormTemplateVersion
from clinic_consent.recordings.models import RetentionClass
from clinic_consent.seed import bulk, pipeline
from clinic_consent.seed.people import Staff
from clinic_consent.seed.scale import Scale
from clinic_consent.seed.trail import Chain, last_hash
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.timeutil import now_utc, today_utc
from clinic_consent.users.passwords import hash_password

SEED_PASSWORD: Final = "seed-password-2026"  # noqa: S105 (printed, like the demo's; never in production)
TABLES: Final = (
    "users",
    "clients",
    "representatives",
    "capacity_judgements",
    "group_treatments",
    "group_staff",
    "group_memberships",
    "treatment_sessions",
    "session_participants",
    "recordings",
    "access_list_entries",
    "consents",
    "audit_entries",
    "access_log_entries",
)


def _template_versions(connection: Connection) -> dict[tuple[str, str], int]:
    """The latest version of every form template, by kind and language."""
    latest = (
        select(FormTemplate.kind, FormTemplate.language, func.max(FormTemplateVersion.id))
        .join(FormTemplateVersion, FormTemplateVersion.template_id == FormTemplate.id)
        .group_by(FormTemplate.kind, FormTemplate.language)
    )
    return {(kind, language): version for kind, language, version in connection.execute(latest)}


def seed(sessions: int, random_seed: int) -> tuple[dict[str, int], list[Staff]]:
    """Write the data set in one transaction; returns the rows written per table and some
    logins."""
    written: Counter[str] = Counter()
    with db.engine.begin() as connection:
        bulk.prepare(connection)
        try:
            logins = _load(connection, sessions, random_seed, written)
        finally:
            bulk.restore(connection)
    if db.engine.dialect.name == "postgresql":
        # Visibility maps and statistics, as autovacuum would make them in a while: without
        # them PostgreSQL reads the table behind every index entry it counts.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    db.engine.dispose()  # the next connections are made afresh, with the app's settings
    return dict(written), logins


def _load(
    connection: Connection, sessions: int, random_seed: int, written: Counter[str]
) -> list[Staff]:
    classes = connection.execute(select(RetentionClass.code, RetentionClass.id))
    first_ids = bulk.next_ids(connection, TABLES)
    start = pipeline.Start(
        scale=Scale(sessions, today_utc()),
        random_seed=random_seed,
        now=now_utc().replace(tzinfo=None),
        first_ids=first_ids,
        retention_classes={code: class_id for code, class_id in classes},
        template_versions=_template_versions(connection),
        password_hash=hash_password(SEED_PASSWORD),
    )
    chain = Chain(last_hash(connection), first_ids["audit_entries"])
    indexes = bulk.drop_indexes(connection, TABLES)
    with click.progressbar(length=sessions, label="Seeding sessions") as bar:

        def write(batch: bulk.Batch) -> None:
            if "audit_entries" in batch.rows:
                batch.rows["audit_entries"] = chain.link(batch.rows["audit_entries"])
            written.update(batch.write_to(connection))
            bar.update(batch.sessions)

        logins = pipeline.run(start, write)
    bulk.create_indexes(connection, indexes)
    tallies.recount(connection)
    bulk.finish(connection, TABLES)
    return logins


@click.command("seed")
@click.option(
    "--sessions",
    type=click.IntRange(1, 5_000_000),
    default=100_000,
    show_default=True,
    help="How many treatment sessions; everything else scales with it.",
)
@click.option("--random-seed", type=int, default=2026, show_default=True)
def seed_command(sessions: int, random_seed: int) -> None:
    """Fill an empty practice with realistic bulk data for benchmarks: clients of every age,
    individual and group sessions, recordings of every kind and verdict, consents, access
    lists, audit and access log entries. Never in production (its passwords are printed)."""
    from clinic_consent.maintenance import prepare_database

    if current_app.config["CLINIC_CONSENT_ENV"] == "production":
        raise click.ClickException("the seed has a known password and never runs in production")
    prepare_database()
    db.session.commit()
    if db.session.scalar(select(func.count(TreatmentSession.id))):
        raise click.ClickException(
            "this database already has sessions; seed a new database (set DATABASE_URL or "
            "CLINIC_CONSENT_INSTANCE_PATH)"
        )
    # The load runs in a connection of its own: this session must not hold locks on the
    # tables whose indexes it drops (PostgreSQL would wait for it forever).
    db.session.remove()
    started = time.perf_counter()
    try:
        written, logins = seed(sessions, random_seed)
    except pipeline.SeedFailed as exc:
        raise click.ClickException(f"the seed failed and wrote nothing:\n{exc}") from None
    seconds = time.perf_counter() - started
    click.echo(f"Seeded in {seconds:.1f} s at {datetime.now():%Y-%m-%d %H:%M}:")
    for table in TABLES:
        click.echo(f"  {table:<22} {written.get(table, 0):>10,}")
    click.echo(f"Every seeded user's password: {SEED_PASSWORD}, for example:")
    for staff in logins:
        click.echo(
            f"  {staff.role:<18} {staff.role.replace('_', '-')}-0001@seed.clinic-consent.test"
        )
