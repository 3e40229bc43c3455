"""Administrators edit the retention classes (how long a kind of recording is kept)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")
