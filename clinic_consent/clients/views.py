"""Pages of the clients area."""

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")
