"""The minimal public pages: a home page and a health endpoint for load balancers."""

from flask import Blueprint, Response, current_app, jsonify, render_template
from sqlalchemy import text

from clinic_consent.extensions import db

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> str:
    return render_template("web/home.html", practice_name=current_app.config["PRACTICE_NAME"])


@bp.get("/health")
def health() -> tuple[Response, int]:
    """Report whether the database answers; never any data."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the probe must answer, whatever the database does
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
