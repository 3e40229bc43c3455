"""The clinic-consent command line.

``main`` is a FlaskGroup: commands that need the database are registered on ``app.cli`` by
register_app_commands() and load the app; ``evaluate`` is pure and never touches the app.
Each command commits once at its end, or rolls back everything on an error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import select

from clinic_consent.domain import FactsError, evaluate_json
from clinic_consent.errors import OperationError

EXIT_BAD_INPUT = 2


def _create_app() -> Flask:
    from clinic_consent import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """clinic-consent: consent for recording treatment sessions."""


@main.command("evaluate", with_appcontext=False)
@click.argument("source", metavar="FILE")
def evaluate_command(source: str) -> None:
    """Print the verdict JSON for the facts JSON in FILE ('-' reads standard input)."""
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        _fail(f"{source}: cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        _fail(f"{source}: is not UTF-8 text")
    try:
        facts = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"facts: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
    try:
        verdict = evaluate_json(facts)
    except FactsError as exc:
        _fail(str(exc))
    click.echo(json.dumps(verdict, indent=2, ensure_ascii=False))


def _fail(message: str) -> None:
    click.echo(f"clinic-consent evaluate: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@contextmanager
def _one_transaction() -> Iterator[None]:
    """Commit once if the block succeeds; on bad input roll back and exit with the message."""
    from clinic_consent.extensions import db

    try:
        yield
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    except BaseException:
        db.session.rollback()
        raise


@click.command("init")
@click.option("--admin-email", help="E-mail address of the first administrator.")
@click.option("--admin-name", default="Administrator", show_default=True)
def init_command(admin_email: str | None, admin_name: str) -> None:
    """Bring the database to the current schema, create the practice seal (a self-signed
    certificate in instance/seal/ unless a PKCS#12 file is configured) and the first
    administrator."""
    from clinic_consent.extensions import db
    from clinic_consent.forms_pdf.seal import SealUnavailable, ensure_practice_seal
    from clinic_consent.maintenance import prepare_database
    from clinic_consent.users.models import User
    from clinic_consent.users.operations import create_user

    try:
        click.echo(ensure_practice_seal(current_app, current_app.config["PRACTICE_NAME"]))
    except SealUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    with _one_transaction():
        prepare_database()
        has_admin = db.session.scalars(
            select(User.id).where(User.role == "administrator").limit(1)
        ).first()
        if has_admin is not None and admin_email is None:
            click.echo("Database is up to date; an administrator exists.")
            return
        if admin_email is None:
            admin_email = click.prompt("E-mail address of the first administrator")
        password = os.environ.get("CLINIC_CONSENT_ADMIN_PASSWORD") or click.prompt(
            "Password for the administrator", hide_input=True, confirmation_prompt=True
        )
        user = create_user(
            email=admin_email, display_name=admin_name, role="administrator", password=password
        )
    click.echo(f"Database is up to date; administrator {user.email} created.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["therapist", "group_facilitator", "practice_manager", "administrator"]),
)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="CLINIC_CONSENT_PASSWORD",
    show_envvar=True,
    help="Prompted for when not given (a password on the command line shows in ps).",
)
def create_user_command(
    email: str, display_name: str, role: str, language: str, password: str
) -> None:
    """Create a user who signs in with an e-mail address and password."""
    from clinic_consent.users.operations import create_user

    with _one_transaction():
        user = create_user(
            email=email, display_name=display_name, role=role, password=password, language=language
        )
    click.echo(f"Created {user.role} {user.email}.")


@click.command("demo")
def demo_command() -> None:
    """Create a demo practice (idempotent) and print its logins. Never in production."""
    from clinic_consent.demo import build_demo
    from clinic_consent.maintenance import prepare_database

    if current_app.config["CLINIC_CONSENT_ENV"] == "production":
        raise click.ClickException("the demo has known passwords and never runs in production")
    from clinic_consent.audit.verification import run_verification

    with _one_transaction():
        prepare_database()
        result = build_demo()
        if result.created:  # the dashboard starts with a verified trail
            run_verification(None)
    click.echo("Demo practice " + ("created." if result.created else "already present."))
    for status, count in sorted(result.verdicts.items()):
        click.echo(f"  recordings {status}: {count}")
    if result.forms:
        click.echo(f"  sealed forms and withdrawal receipts: {result.forms}")
    click.echo("Log in with:")
    for login in result.logins:
        click.echo(f"  {login.role:<18} {login.email:<40} {login.password}")
    click.echo(
        "The administrator and the practice manager also give a code from an authenticator"
        " app: 'clinic-consent demo-code' prints the current ones, or add their keys to an app:"
    )
    for login in result.logins:
        if login.totp_secret:
            click.echo(f"  {login.role:<18} {login.totp_secret}")


@click.command("demo-code")
def demo_code_command() -> None:
    """Print the demo's current sign-in codes (from its published keys). Never in production."""
    import pyotp

    from clinic_consent.demo import DEMO_LOGINS

    if current_app.config["CLINIC_CONSENT_ENV"] == "production":
        raise click.ClickException("the demo's keys are public; there is no demo in production")
    for login in DEMO_LOGINS:
        if login.totp_secret:
            code = pyotp.TOTP(login.totp_secret).now()
            click.echo(f"{login.role:<18} {login.email:<40} {code}")


EXIT_NOT_VERIFIED = 1
COMMAND_LINE_PURPOSE = "audit"


def _log_command_line_reads(event: str, documents: list[tuple[int, int | None]]) -> None:
    """NEN 7513: the command line reads health data as the system, not as a signed-in user;
    one access log entry per stored form read, with the client it is about."""
    from clinic_consent.audit.models import AccessLogEntry
    from clinic_consent.extensions import db
    from clinic_consent.timeutil import now_utc

    occurred_at = now_utc()
    db.session.add_all(
        AccessLogEntry(
            occurred_at=occurred_at,
            event=event,
            action="read",
            outcome="success",
            purpose_of_use=COMMAND_LINE_PURPOSE,
            client_id=client_id,
            object_type="stored_documents",
            object_id=document_id,
        )
        for document_id, client_id in documents
    )


@click.group("pdf")
def pdf_group() -> None:
    """The practice's sealed PDF forms."""


@pdf_group.command("verify")
@click.argument("source", metavar="FILE")
def pdf_verify_command(source: str) -> None:
    """Check that FILE is a form sealed and stored by this practice, unchanged: exit 0 if it
    is, 1 if it is not, 2 if FILE cannot be read as a PDF."""
    from clinic_consent.forms_pdf.describe import as_text, describe, document_client_id
    from clinic_consent.forms_pdf.verification import verify_pdf

    try:
        with open(source, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        _fail_verify(f"{source}: cannot be read ({exc.strerror or exc})")
    with _one_transaction():
        verification = verify_pdf(data)
        answer = describe(verification, source)
        document = verification.document
        if document is not None and verification.problem is None:
            _log_command_line_reads(
                "stored_documents.verify", [(document.id, document_client_id(document))]
            )
    if not answer.readable:
        _fail_verify(f"{source}: {answer.headline}")
    for line in as_text(answer):
        click.echo(line)
    if not answer.ok:
        sys.exit(EXIT_NOT_VERIFIED)


def _fail_verify(message: str) -> NoReturn:
    click.echo(f"clinic-consent pdf verify: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.group("forms")
def forms_group() -> None:
    """The practice's stored forms, all at once."""


@forms_group.command("export")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def forms_export_command(folder: Path) -> None:
    """Write every stored form to DIR (new or empty) as <form number>.pdf, with manifest.json
    and SHA256SUMS (check with: cd DIR && sha256sum -c SHA256SUMS)."""
    from clinic_consent.forms_pdf.export import CHECKSUMS, MANIFEST, ExportRefused, export_forms

    with _one_transaction():
        try:
            result = export_forms(folder)
        except ExportRefused as exc:
            raise click.ClickException(str(exc)) from None
        _log_command_line_reads("stored_documents.export", result.exported)
    click.echo(
        f"Exported {result.count} form{'' if result.count == 1 else 's'} "
        f"({result.total_bytes:,} bytes) to {folder}, with {MANIFEST} and {CHECKSUMS}; "
        "every file was read back and matches its stored SHA-256."
    )


def register_app_commands(app: Flask) -> None:
    """Commands that need the application (database) are registered on app.cli."""
    from clinic_consent.audit.commands import COMMANDS as AUDIT_COMMANDS
    from clinic_consent.backup.commands import COMMANDS as BACKUP_COMMANDS
    from clinic_consent.oversight.commands import COMMANDS as OVERSIGHT_COMMANDS
    from clinic_consent.seed.command import seed_command

    for command in (
        init_command,
        create_user_command,
        demo_command,
        demo_code_command,
        pdf_group,
        forms_group,
        *AUDIT_COMMANDS,
        *BACKUP_COMMANDS,
        *OVERSIGHT_COMMANDS,
        seed_command,
    ):
        app.cli.add_command(command)
