"""The clinic-consent command line (placeholder while the foundation is built)."""

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from clinic_consent import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """clinic-consent: consent for recording treatment sessions."""


def register_app_commands(app: Flask) -> None:
    """Commands that need the application (database) are registered on app.cli."""
