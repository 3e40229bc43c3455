"""The home page (each role's start page) and a health endpoint for load balancers."""

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response as BaseResponse

from clinic_consent.extensions import db
from clinic_consent.web.navigation import home_endpoint

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> BaseResponse | str:
    endpoint = home_endpoint(current_user.role)
    if endpoint is not None:
        return redirect(url_for(endpoint))
    return render_template("web/home.html")


@bp.get("/health")
def health() -> tuple[Response, int]:
    """Report whether the database answers; never any data."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the probe must answer, whatever the database does
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
