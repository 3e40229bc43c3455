"""Pages of the recordings area."""

from flask import Blueprint

bp = Blueprint("recordings", __name__, url_prefix="/recordings")
