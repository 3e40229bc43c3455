"""clinic-consent audit ...: verify the audit chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from clinic_consent.cli import _one_transaction

audit_group = AppGroup("audit", help="The tamper-evident audit trail.")


@audit_group.command("verify")
def verify_command() -> None:
    """Recompute the audit chain and name the first entry that does not fit.

    Exits 0 when the chain is intact, 1 when it is broken. The outcome is stored, so the
    dashboard shows when the trail was last verified."""
    from clinic_consent.audit.verification import run_verification

    with _one_transaction():
        report = run_verification(None)
    if report.intact:
        click.echo(f"intact: {report.entries_checked} entries")
        return
    click.echo(f"broken at entry #{report.first_broken_id}: {report.reason}")
    sys.exit(1)


COMMANDS: list[click.Command] = [audit_group]
