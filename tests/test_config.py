"""Configuration: fail fast in production, generate secrets in development, env overrides."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from clinic_consent import create_app
from clinic_consent.config import ConfigError, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(instance_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"CLINIC_CONSENT_ENV": "production"})


def test_production_refuses_a_short_secret_key(
    instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "too-short")
    monkeypatch.setenv("CLINIC_CONSENT_ENV", "production")
    with pytest.raises(ConfigError, match="at least 32"):
        create_app()


def test_production_sets_secure_cookies(
    instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CLINIC_CONSENT_ENV", "production")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not (instance_path / "secret_key").exists()


def test_development_generates_a_private_secret_key_once(instance_path: Path) -> None:
    first = create_app().config["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert create_app().config["SECRET_KEY"] == first


def test_sqlite_in_the_instance_folder_is_the_default(instance_path: Path) -> None:
    uri = create_app().config["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{instance_path / 'clinic-consent.sqlite3'}"


def test_environment_overrides_the_instance_config_file(
    instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_path.mkdir(parents=True)
    (instance_path / "config.py").write_text('PRACTICE_NAME = "From file"\n')
    assert create_app().config["PRACTICE_NAME"] == "From file"
    monkeypatch.setenv("PRACTICE_NAME", "From environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/cc")
    app = create_app()
    assert app.config["PRACTICE_NAME"] == "From environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/cc"


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("CLINIC_CONSENT_ENV", "staging", "CLINIC_CONSENT_ENV"),
        ("DATABASE_URL", "mysql://root@localhost/cc", "DATABASE_URL"),
    ],
)
def test_unusable_settings_are_named(
    instance_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, message: str
) -> None:
    monkeypatch.setenv(setting, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://postgres@127.0.0.1/test"),
        ("postgres://a:b@h:5432/d", "postgresql+psycopg://a:b@h:5432/d"),
        ("postgresql+psycopg://h/d", "postgresql+psycopg://h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_the_psycopg3_driver(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
