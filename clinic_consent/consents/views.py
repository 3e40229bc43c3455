"""Pages of the consents area."""

from flask import Blueprint

bp = Blueprint("consents", __name__)
