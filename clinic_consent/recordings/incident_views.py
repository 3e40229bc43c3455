"""R9: publication incidents, their removal request, outcome and escalation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("incidents", __name__)
