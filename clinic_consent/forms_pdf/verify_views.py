"""A practice manager uploads a PDF and sees whether it is one of the practice's sealed forms."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("verify", __name__)
