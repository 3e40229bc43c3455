"""Stored forms: download or print the sealed PDF, byte for byte as stored."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
