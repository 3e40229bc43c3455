"""gunicorn instances of the application for tests: separate processes on free ports, with
the repository's gunicorn.conf.py (the production settings, access log format included)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"
START_SECONDS = 40


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    access_log: Path
    error_log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def logged(self) -> str:
        return self.access_log.read_text() + self.error_log.read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(env: dict[str, str], folder: Path, name: str, workers: int) -> Server:
    port = free_port()
    access_log = folder / f"{name}-access.log"
    error_log = folder / f"{name}-error.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "--config",
        str(CONFIG),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--error-logfile",
        str(error_log),
        "--chdir",
        str(ROOT),
        "clinic_consent:create_app()",
    ]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    process = subprocess.Popen(command, env={**base, **env})
    return Server(process, port, access_log, error_log)


@contextmanager
def servers(
    env: dict[str, str], folder: Path, count: int, workers: int = 2
) -> Iterator[list[Server]]:
    """``count`` gunicorn instances (sync workers) serving ``create_app()`` with ``env``,
    started together, until the block ends."""
    started: list[Server] = []
    try:
        for n in range(count):
            started.append(_start(env, folder, f"server{n}", workers))
        for server in started:
            _wait_until_up(server, workers)
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            server.process.wait(timeout=30)


def _wait_until_up(server: Server, workers: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{server.error_log.read_text()}")
        try:
            answer = requests.get(server.url("/health"), timeout=10)
            # Every worker has loaded the app once its boot line is in the error log.
            booted = server.error_log.read_text().count("Booting worker")
            if answer.status_code == 200 and booted >= workers:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer:\n{server.error_log.read_text()}")
