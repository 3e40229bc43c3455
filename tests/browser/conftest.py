"""Browser tests: the real application on a real port, driven in Debian's Chromium.

Playwright drives /usr/bin/chromium (never a downloaded browser); a missing Chromium fails the
run loudly rather than skipping, so a green suite always means the browser test ran.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from werkzeug.serving import make_server

from clinic_consent.clients.operations import add_representative, create_client
from clinic_consent.extensions import db
from clinic_consent.practice.operations import (
    ensure_default_retention_classes,
    ensure_practice_settings,
)
from clinic_consent.sessions.operations import (
    add_group_member,
    create_group_treatment,
    create_session,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.users.operations import create_user
from tests.conftest import make_test_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"

# Chromium reports CSP violations as console errors; this also catches those it only
# dispatches as events. Injected by the driver, so the page's own CSP does not block it.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@dataclass(frozen=True)
class Member:
    name: str
    age: int
    parent: str | None = None


FACILITATOR_EMAIL = "floor.visser@browser.clinic-consent.test"
FACILITATOR_PASSWORD = "browser-facilitator-2026"
RECORDER = Member("Iris de Groot", 38)
OTHER_MEMBERS = (
    Member("Karim Benali", 45),
    Member("Lisa Vos", 31),
    Member("Mees Kuipers", 14, parent="Sara Kuipers"),
)


@dataclass(frozen=True)
class Scenario:
    base_url: str
    app: Flask
    session_id: int
    facilitator_email: str = FACILITATOR_EMAIL
    facilitator_password: str = FACILITATOR_PASSWORD
    recorder: Member = RECORDER
    others: tuple[Member, ...] = OTHER_MEMBERS


def _born(age: int, today: date) -> date:
    return today - timedelta(days=age * 365 + 100)  # safely `age` years old, whatever the day


def _seed() -> int:
    """The facilitator, a group of four (one a 14-year-old with a parent) and today's session."""
    ensure_practice_settings("Browser test practice")
    ensure_default_retention_classes()
    facilitator = create_user(
        email=FACILITATOR_EMAIL,
        display_name="Floor Visser",
        role="group_facilitator",
        password=FACILITATOR_PASSWORD,
        language="en",
    )
    today = today_utc()
    group = create_group_treatment(
        name="Mindfulness group",
        start_date=today - timedelta(days=30),
        facilitators=[facilitator],
        actor=facilitator,
    )
    for member in (RECORDER, *OTHER_MEMBERS):
        given, family = member.name.split(" ", 1)
        client = create_client(
            given_name=given,
            family_name=family,
            birth_date=_born(member.age, today),
            actor=facilitator,
        )
        if member.parent:
            add_representative(client, name=member.parent, relation="parent", actor=facilitator)
        add_group_member(group, client, joined_on=group.start_date, actor=facilitator)
    session = create_session(kind="group", on=today, actor=facilitator, group=group)
    db.session.flush()
    return session.id


@pytest.fixture
def live_server(instance_path: Path, new_database_url: Callable[[], str]) -> Iterator[Scenario]:
    """The app on a fresh database (SQLite or PostgreSQL, as the suite), served on a free port."""
    app = make_test_app(new_database_url())
    with app.app_context():
        db.create_all()
        session_id = _seed()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Scenario(f"http://127.0.0.1:{server.server_port}", app, session_id)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()  # lets the suite drop a PostgreSQL database at the end


@dataclass
class ConsoleWatch:
    """Console errors, CSP violations and uncaught exceptions seen while the test ran."""

    problems: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico by itself; the app has no icon (not a page error).
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type in ("error", "assert") or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({message.location})")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught: {error}")


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


def _launch(playwright: Playwright) -> Browser:
    # Checked in the test's own call, so that a missing browser is a FAILED test, never a skip.
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. Install it with "
            "`apt-get install chromium` (never `playwright install`).",
            pytrace=False,
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


@pytest.fixture
def open_page(
    console: ConsoleWatch, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Page]]:
    """Opens a page in Chromium: a fresh context (no cookies), tablet-sized, watched for console
    errors; on failure a screenshot of every open page goes to test-results/browser/."""
    pages: list[Page] = []
    with sync_playwright() as playwright:
        browsers: list[Browser] = []

        def opener() -> Page:
            if not browsers:
                browsers.append(_launch(playwright))
            context = browsers[0].new_context(
                viewport={"width": 1024, "height": 768}, locale="en-GB"
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            context.add_init_script(CSP_LISTENER)
            page = context.new_page()
            page.on("console", console.on_console)
            page.on("pageerror", console.on_page_error)
            pages.append(page)
            return page

        expect.set_options(timeout=TIMEOUT_MS)
        yield opener
        if request.node.stash.get(_FAILED, False):
            RESULTS.mkdir(parents=True, exist_ok=True)
            for number, page in enumerate(pages):
                page.screenshot(
                    path=RESULTS / f"failed-{request.node.name}-{number}.png", full_page=True
                )
                print(f"page {number} at failure: {page.url}")
            print(f"console problems: {console.problems}")
        for browser in browsers:
            browser.close()
