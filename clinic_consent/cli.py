"""The clinic-consent command line.

``main`` is a FlaskGroup: commands that need the database are registered on ``app.cli`` by
register_app_commands() and load the app; ``evaluate`` is pure and never touches the app.
"""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from clinic_consent.domain import FactsError, evaluate_json

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


def register_app_commands(app: Flask) -> None:
    """Commands that need the application (database) are registered on app.cli."""
