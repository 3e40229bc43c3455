"""The benchmark's server and clients: gunicorn with two workers on a seeded database, signed-in
HTTP sessions, server times read from gunicorn's access log, wrk for requests per second, and
the workers' memory from /proc."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyotp
import requests

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
LOG_FORMAT = "%(U)s %(q)s %(s)s %(D)s"  # path, query, status, microseconds in the server


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def workers(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def log_offset(self) -> int:
        return self.log.stat().st_size

    def server_times_ms(self, since: int) -> tuple[list[float], list[int]]:
        """The server time and status of every request logged after ``since``."""
        with self.log.open("rb") as handle:
            handle.seek(since)
            lines = handle.read().decode().splitlines()
        times, statuses = [], []
        for line in lines:
            *_request, status, micros = line.rsplit(" ", 2)
            times.append(int(micros) / 1000)
            statuses.append(int(status))
        return times, statuses


@contextmanager
def serving(env: dict[str, str], port: int, folder: Path) -> Iterator[Server]:
    """gunicorn (sync workers) with bench/wsgi.py, until the block ends."""
    log = folder / f"access-{port}.log"
    log.write_text("")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            LOG_FORMAT,
            "--error-logfile",
            str(folder / f"error-{port}.log"),
            "--chdir",
            str(ROOT),
            "bench.wsgi:app",
        ],
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, **env},
    )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(server: Server) -> None:
    for _ in range(120):
        try:
            if requests.get(server.url("/health"), timeout=15).status_code == 200:
                # Both workers answer once each has loaded the app.
                time.sleep(1.5)
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if server.process.poll() is not None:
            raise RuntimeError("gunicorn stopped; see its error log")
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within a minute")


# Authenticator keys the benchmark enrolled (managers sign in with a code), and the last time
# step each used: a code is accepted once, so a second sign-in waits for the next step.
_enrolled: dict[str, tuple[str, int]] = {}


def _csrf_token(page: str) -> str:
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the page"
    return token.group(1)


def signed_in(server: Server, email: str, password: str) -> requests.Session:
    """A browser session signed in through the login form (with its CSRF token), and through
    the code step for the roles that need one (enrolling an authenticator the first time)."""
    browser = requests.Session()
    page = browser.get(server.url("/login"), timeout=10).text
    answer = browser.post(
        server.url("/login"),
        data={"email": email, "password": password, "csrf_token": _csrf_token(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, f"signing in as {email}: {answer.status_code}"
    if answer.headers["Location"].endswith("/login/code"):
        _give_code(browser, server, email)
    return browser


def _give_code(browser: requests.Session, server: Server, email: str) -> None:
    page = browser.get(server.url("/login/code"), timeout=10).text
    shown = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page)
    if shown is not None:
        _enrolled[email] = (shown.group(1).replace(" ", ""), 0)
    secret, last_step = _enrolled[email]
    while int(time.time() // 30) <= last_step:
        time.sleep(1)
    step = int(time.time() // 30)
    answer = browser.post(
        server.url("/login/code"),
        data={"code": pyotp.TOTP(secret).at(step * 30), "csrf_token": _csrf_token(page)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, f"the code for {email}: {answer.status_code}"
    _enrolled[email] = (secret, step)


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    requests: int
    statuses: tuple[int, ...]
    kilobytes: float

    @classmethod
    def of(cls, times: list[float], statuses: list[int], size: int) -> Timing:
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        return cls(
            round(statistics.median(times), 1),
            round(cuts[94], 1),
            len(times),
            tuple(sorted(set(statuses))),
            round(size / 1024, 1),
        )


def timed(
    server: Server,
    browser: requests.Session,
    path: str,
    count: int,
    warmup: int = 10,
    headers: dict[str, str] | None = None,
) -> Timing:
    """``count`` requests of ``path`` one after the other, timed by the server itself."""
    for _ in range(warmup):
        browser.get(server.url(path), headers=headers, timeout=60)
    offset = server.log_offset()
    size = 0
    for _ in range(count):
        size = len(browser.get(server.url(path), headers=headers, timeout=60).content)
    time.sleep(0.2)  # the access log line is written after the response
    times, statuses = server.server_times_ms(offset)
    return Timing.of(times, statuses, size)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    assert found is not None
    return found


def requests_per_second(server: Server, path: str, header: str, seconds: int = 10) -> float:
    """wrk with 2 threads and 4 connections on the same machine (it shares the 2 cores), with
    ``header`` (the session cookie, or a bearer token) on every request."""
    wrk = ensure_wrk()
    output = subprocess.run(
        [wrk, "-t2", "-c4", f"-d{seconds}s", "-H", header, server.url(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match is not None, output
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    assert non_2xx is None, f"{path}: {non_2xx.group(1)} failed requests under wrk"
    return float(match.group(1))
