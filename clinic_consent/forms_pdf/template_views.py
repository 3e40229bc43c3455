"""Administrators edit the form templates: every save is a new version (helper-owned)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("form_templates", __name__, url_prefix="/admin/forms")
