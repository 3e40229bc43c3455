"""clinic-consent audit ...: verify the audit chain."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
