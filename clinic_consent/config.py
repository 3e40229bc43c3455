"""Settings: defaults, then instance/config.py, then the environment; validated before use.

The application refuses to start in production without a secret key; in development it
generates one into instance/ so that sessions survive a restart without a secret in code.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")
SQLITE_FILENAME = "clinic-consent.sqlite3"
SECRET_KEY_FILENAME = "secret_key"  # noqa: S105 (a file name, not a secret)
MIN_SECRET_KEY_LENGTH = 32
# The practice seal: a bought certificate as PKCS#12 instead of the self-signed one that
# 'init' creates, and an RFC 3161 timestamp server.
SEAL_ENVIRONMENT = {
    "CLINIC_CONSENT_SEAL_PKCS12": "SEAL_PKCS12_PATH",
    "CLINIC_CONSENT_SEAL_PASSPHRASE": "SEAL_PKCS12_PASSPHRASE",
    "CLINIC_CONSENT_TIMESTAMP_URL": "SEAL_TIMESTAMP_URL",
}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "CLINIC_CONSENT_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / SQLITE_FILENAME}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PRACTICE_NAME": "Demo practice",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual ways."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("CLINIC_CONSENT_ENV"):
        settings["CLINIC_CONSENT_ENV"] = environ["CLINIC_CONSENT_ENV"]
    if environ.get("PRACTICE_NAME"):
        settings["PRACTICE_NAME"] = environ["PRACTICE_NAME"]
    if environ.get("RATELIMIT_STORAGE_URI"):
        settings["RATELIMIT_STORAGE_URI"] = environ["RATELIMIT_STORAGE_URI"]
    if environ.get("CLINIC_CONSENT_TRUSTED_PROXIES"):
        settings["TRUSTED_PROXIES"] = environ["CLINIC_CONSENT_TRUSTED_PROXIES"]
    for variable, setting in SEAL_ENVIRONMENT.items():
        if environ.get(variable):
            settings[setting] = environ[variable]
    return settings


def development_secret_key(instance_path: Path) -> str:
    """Read the generated development key, creating it (mode 0600) on first use."""
    path = instance_path / SECRET_KEY_FILENAME
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def finalise(config: dict[str, Any], instance_path: Path) -> None:
    """Validate the merged settings in place; raise ConfigError naming the setting at fault."""
    env = config.get("CLINIC_CONSENT_ENV")
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"CLINIC_CONSENT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}"
        )
    production = env == "production"
    secret = config.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set in production (at least 32 characters)")
        config["SECRET_KEY"] = development_secret_key(instance_path)
    elif production and len(str(secret)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters")
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not isinstance(uri, str) or not uri.startswith(("sqlite", "postgresql")):
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    timestamp_url = config.get("SEAL_TIMESTAMP_URL")
    if timestamp_url and not str(timestamp_url).startswith(("http://", "https://")):
        raise ConfigError("CLINIC_CONSENT_TIMESTAMP_URL must be an http:// or https:// URL")
    config["SESSION_COOKIE_SECURE"] = production
    config["TESTING"] = env == "testing" or bool(config.get("TESTING"))
    # Tests that count requests turn the limits on themselves.
    config.setdefault("RATELIMIT_ENABLED", not config["TESTING"])
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not storage.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise ConfigError("RATELIMIT_STORAGE_URI must be a redis:// URL (or memory://)")
    config["RATELIMIT_STORAGE_URI"] = storage
    proxies = str(config.get("TRUSTED_PROXIES", 0))
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError("CLINIC_CONSENT_TRUSTED_PROXIES must be a number of proxies, 0 to 5")
    config["TRUSTED_PROXIES"] = int(proxies)
