"""The minimal public pages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_test_app


def test_home_page_sends_a_stranger_to_the_sign_in_page_of_the_practice(
    client: FlaskClient, app: Flask
) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert app.config["PRACTICE_NAME"].encode() in page.data


def test_health_reports_a_reachable_database(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database_as_503(instance_path: object) -> None:
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
