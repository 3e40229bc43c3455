"""The practice manager's dashboard: what is overdue, unjustified or waiting, with CSV and
charts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oversight", __name__)
