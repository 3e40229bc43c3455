"""Pages of the groups area."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")
