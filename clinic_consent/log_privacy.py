"""Logs carry no health data: no client's name, birth date, e-mail or notes.

What the application logs itself names ids and codes only. Two things would bring data in
from elsewhere, and are closed here:

- SQLAlchemy puts a statement's parameters into the text of its errors (a traceback of a
  failed INSERT would show a client's name and birth date) and into its INFO log of
  statements: ``hide_parameters`` leaves them out of both.
- SQLAlchemy's DEBUG log of the engine prints every result row: dropped, whatever level an
  operator turns that logger to.

The access log of gunicorn is set in gunicorn.conf.py (the path without its query string).
"""

from __future__ import annotations

import logging
from typing import Final

from flask import Flask

# The logger of every engine made without ``echo`` (the application never sets it; with echo
# SQLAlchemy logs to a child logger per engine, which this filter does not reach).
ENGINE_LOGGER: Final = "sqlalchemy.engine.Engine"


class NoResultRows(logging.Filter):
    """Keep the engine's statements (INFO), drop its result rows and columns (DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def init_app(app: Flask) -> None:
    """Before the database extension reads the engine options."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    engine_logger = logging.getLogger(ENGINE_LOGGER)
    if not any(isinstance(f, NoResultRows) for f in engine_logger.filters):
        engine_logger.addFilter(NoResultRows())
