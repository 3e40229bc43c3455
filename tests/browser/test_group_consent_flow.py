"""A facilitator plans a client's audio recording in a group and gathers every consent on a
tablet, in a real browser: R2 (every other client) and R6 (a 14-year-old and their parent)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import undefer

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from tests.browser.conftest import RESULTS, ConsoleWatch, Scenario
from tests.browser.pages import PNG_MAGIC, LoginPage, SessionPage, expect_status

# The three other adults' and the 14-year-old's own consents (R2) and the parent's (R6).
EXPECTED_CAPTURES = 4


def test_group_audio_recording_is_cleared_by_every_consent_and_refused_by_a_withdrawal(
    live_server: Scenario, open_page: Callable[[], Page], console: ConsoleWatch
) -> None:
    page = open_page()
    LoginPage(page, live_server.base_url).open().sign_in(
        live_server.facilitator_email, live_server.facilitator_password
    )

    plan = SessionPage(page, live_server.base_url, live_server.session_id).open().plan_recording()
    recording = plan.save(made_by="client", recorder=live_server.recorder.name, medium="audio")
    expect_status(recording.status, "consent_required")

    roster = recording.open_roster()
    expect_status(roster.status, "consent_required")
    expect(roster.capture_links).to_have_count(EXPECTED_CAPTURES)
    for remaining in range(EXPECTED_CAPTURES - 1, -1, -1):
        form = roster.open_first_capture().grant_with_drawn_signature()
        if remaining == 0:  # the person takes their copy: the sealed PDF itself
            pdf = form.download()
            assert pdf.startswith(b"%PDF-") and b"/ByteRange" in pdf
        roster = form.go_on()
        expect(roster.capture_links).to_have_count(remaining)
    expect_status(roster.status, "cleared")
    expect(roster.withdraw_links).to_have_count(EXPECTED_CAPTURES)

    RESULTS.mkdir(parents=True, exist_ok=True)
    screenshot = RESULTS / "roster.png"
    roster.screenshot(str(screenshot))
    assert screenshot.is_file() and screenshot.read_bytes().startswith(PNG_MAGIC)

    receipt = roster.open_first_withdrawal().confirm("Changed her mind after the session")
    roster = receipt.go_on()
    expect_status(roster.status, "refused")

    assert console.problems == [], "\n".join(console.problems)
    with live_server.app.app_context():
        consents = db.session.scalars(
            select(Consent)
            .where(Consent.recording_id == roster.recording_id)
            .options(undefer(Consent.signature_png))
        ).all()
        assert len(consents) == EXPECTED_CAPTURES
        assert all(c.decision == "granted" and c.method == "drawn_signature" for c in consents)
        assert all((c.signature_png or b"").startswith(PNG_MAGIC) for c in consents)
        withdrawn = [c for c in consents if c.withdrawn_at is not None]
        assert len(withdrawn) == 1
        assert withdrawn[0].withdrawal_reason == "Changed her mind after the session"
        db.session.remove()
