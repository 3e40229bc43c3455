"""Per client: who accessed their recordings and consents, and when (Wabvpz; NEN 7513)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__)
