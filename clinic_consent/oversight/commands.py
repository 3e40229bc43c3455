"""clinic-consent retention ...: reports for a scheduled job."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
