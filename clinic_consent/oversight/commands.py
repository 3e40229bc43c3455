"""clinic-consent retention ...: reports for a scheduled job.

``retention report`` lists every kept recording (status made) with its destroy-by date and its
retention state (overdue, due-30, due-90, ok, or no-date; see oversight.queries), as CSV or
JSON, on standard output or into a file. A progress bar is shown only when standard output is
a terminal, so a scheduled job's output stays clean.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Final

import click

from clinic_consent.spreadsheet import safe_cell

COMMAND_LINE_PURPOSE: Final = "audit"


@click.group("retention")
def retention_group() -> None:
    """Retention of recordings: reports for the practice manager's scheduled jobs."""


def _log_report_read() -> None:
    """NEN 7513: the report reads health data as the system; one access log entry per run."""
    from clinic_consent.audit.models import AccessLogEntry
    from clinic_consent.extensions import db

    db.session.add(
        AccessLogEntry(
            event="retention.report",
            action="read",
            outcome="success",
            purpose_of_use=COMMAND_LINE_PURPOSE,
            object_type="recordings",
            object_id=None,
        )
    )


def _in_terminal() -> bool:
    """A person is watching (a scheduled job's output is a file or a pipe)."""
    return sys.stdout.isatty()


@retention_group.command("report")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
def report_command(output_format: str, output: Path | None) -> None:
    """Every kept recording with its destroy-by date and state (overdue, due-30, due-90, ok,
    no-date)."""
    from clinic_consent.cli import _one_transaction
    from clinic_consent.oversight.queries import Filters, retention_counts
    from clinic_consent.oversight.retention_report import report_rows

    filters = Filters()
    with _one_transaction():
        rows: list[dict[str, Any]] = []
        if _in_terminal():
            total = sum(retention_counts(filters).values())
            with click.progressbar(
                length=total, label="Recordings", file=sys.stderr, show_pos=True
            ) as progress:
                for row in report_rows(filters):
                    rows.append(row)
                    progress.update(1)
        else:
            rows = list(report_rows(filters))
        _log_report_read()
    text = _as_json(rows, filters.today) if output_format == "json" else _as_csv(rows)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot be written ({exc.strerror or exc})") from None
    click.echo(f"Wrote {len(rows)} recording{'' if len(rows) == 1 else 's'} to {output}", err=True)


def _as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    from clinic_consent.oversight.retention_report import REPORT_FIELDS

    writer = csv.DictWriter(out, fieldnames=REPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(value) for key, value in row.items()})
    return out.getvalue()


def _as_json(rows: list[dict[str, Any]], today: date) -> str:
    return json.dumps({"date": today.isoformat(), "recordings": rows}, indent=2) + "\n"


COMMANDS: list[click.Command] = [retention_group]
