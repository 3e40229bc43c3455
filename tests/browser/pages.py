"""Page objects: what a user does on each page, in terms of the pages' DOM contracts.

Each action that leaves a page waits for the next one to load and returns its page object,
so a test reads as the user's path through the application.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _path(pattern: str) -> re.Pattern[str]:
    """A URL whose path is exactly ``pattern`` (a regex), with any query string."""
    return re.compile(rf"^https?://[^/]+{pattern}(\?.*)?$")


def expect_status(locator: Locator, status: str) -> None:
    expect(locator).to_have_class(re.compile(rf"(^|\s)status-{re.escape(status)}(\s|$)"))


@dataclass
class LoginPage:
    page: Page
    base_url: str

    def open(self) -> LoginPage:
        self.page.goto(f"{self.base_url}/login")
        return self

    def sign_in(self, email: str, password: str) -> None:
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)


@dataclass
class SessionPage:
    page: Page
    base_url: str
    session_id: int

    def open(self) -> SessionPage:
        self.page.goto(f"{self.base_url}/sessions/{self.session_id}")
        expect(self.page.locator("a#plan-recording")).to_be_visible()
        return self

    def plan_recording(self) -> RecordingPlanPage:
        self.page.click("a#plan-recording")
        self.page.wait_for_url(_path(r"/recordings/new"))
        return RecordingPlanPage(self.page)


@dataclass
class RecordingPlanPage:
    page: Page

    def choose_recorder(self, name: str) -> None:
        """Pick the participant by the name in the option text; the value is their id."""
        option = self.page.locator("select#recorder option", has_text=name)
        expect(option).to_have_count(1)
        value = option.get_attribute("value")
        assert value, f"the recorder option for {name} has no value"
        self.page.select_option("select#recorder", value=value)

    def save(self, *, made_by: str, recorder: str, medium: str) -> RecordingPage:
        self.page.select_option("select#made_by", value=made_by)
        self.choose_recorder(recorder)
        self.page.select_option("select#medium", value=medium)
        self.page.click("button#save-recording")
        self.page.wait_for_url(_path(r"/recordings/\d+"))
        return RecordingPage(self.page)


@dataclass
class RecordingPage:
    page: Page

    @property
    def recording_id(self) -> int:
        match = re.search(r"/recordings/(\d+)", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    @property
    def status(self) -> Locator:
        return self.page.locator("#verdict-status")

    def open_roster(self) -> RosterPage:
        self.page.click("a#roster-link")
        self.page.wait_for_url(_path(rf"/recordings/{self.recording_id}/roster"))
        return RosterPage(self.page, self.recording_id)


@dataclass
class RosterPage:
    page: Page
    recording_id: int

    @property
    def status(self) -> Locator:
        return self.page.locator("#verdict-status")

    @property
    def capture_links(self) -> Locator:
        return self.page.locator("table#roster a.capture")

    @property
    def withdraw_links(self) -> Locator:
        return self.page.locator("table#roster a.withdraw")

    def wait_until_shown(self) -> RosterPage:
        self.page.wait_for_url(_path(rf"/recordings/{self.recording_id}/roster"))
        expect(self.page.locator("table#roster")).to_be_visible()
        return self

    def open_first_capture(self) -> CapturePage:
        self.capture_links.first.click()
        expect(self.page.locator("form#consent-form")).to_be_visible()
        return CapturePage(self.page, self.recording_id)

    def open_first_withdrawal(self) -> WithdrawPage:
        self.withdraw_links.first.click()
        expect(self.page.locator("form#withdraw-form")).to_be_visible()
        return WithdrawPage(self.page, self.recording_id)

    def screenshot(self, path: str) -> bytes:
        return self.page.screenshot(path=path, full_page=True)


@dataclass
class CapturePage:
    page: Page
    recording_id: int

    def grant_with_drawn_signature(self) -> RosterPage:
        self.page.check("form#consent-form input[name=decision][value=granted]")
        method = self.page.locator("form#consent-form input[name=method][value=drawn_signature]")
        if method.get_attribute("type") in ("radio", "checkbox"):
            expect(method).to_be_checked()  # the default
        self.draw_signature()
        self.page.click("button#submit-consent")
        return DocumentPage(self.page, self.recording_id).wait_until_shown()

    def draw_signature(self) -> None:
        """A stroke with the mouse, as a finger or stylus would draw it on a tablet."""
        pad = self.page.locator("canvas#signature-pad")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        assert box is not None, "the signature pad is not visible"
        left, top, width, height = box["x"], box["y"], box["width"], box["height"]
        mouse = self.page.mouse
        mouse.move(left + width * 0.1, top + height * 0.6)
        mouse.down()
        for step in range(1, 9):
            x = left + width * (0.1 + 0.1 * step)
            y = top + height * (0.3 if step % 2 else 0.7)
            mouse.move(x, y, steps=4)
        mouse.up()


@dataclass
class WithdrawPage:
    page: Page
    recording_id: int

    def confirm(self, reason: str) -> RosterPage:
        self.page.fill("form#withdraw-form textarea[name=reason]", reason)
        self.page.click("button#confirm-withdrawal")
        return DocumentPage(self.page, self.recording_id).wait_until_shown()


@dataclass
class DocumentPage:
    """The sealed form or receipt, shown right after the decision: download, print, go on."""

    page: Page
    recording_id: int

    def wait_until_shown(self) -> DocumentPage:
        self.page.wait_for_url(_path(r"/documents/\d+"))
        expect(self.page.locator("a#download-form")).to_be_visible()
        expect(self.page.locator("a#print-form")).to_be_visible()
        return self

    def download(self) -> bytes:
        with self.page.expect_download() as info:
            self.page.click("a#download-form")
        path = info.value.path()
        assert path is not None
        with open(path, "rb") as handle:
            return handle.read()

    def go_on(self) -> RosterPage:
        self.page.click("a#continue")
        return RosterPage(self.page, self.recording_id).wait_until_shown()
