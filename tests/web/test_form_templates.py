"""The administrator's form templates: every save a new version, old versions untouched, bad
text refused when it is saved, and the consents to ask again listed without naming a client."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from clinic_consent.clients.models import Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf import operations, template_views
from clinic_consent.forms_pdf.models import FormTemplate, FormTemplateVersion, StoredDocument
from clinic_consent.recordings.models import Recording
from clinic_consent.users.models import User

HOSTILE_BODY = (
    "Dear {person},\n\n"
    "<script>alert(1)</script>\n\n"
    '<img src="file:///etc/passwd"> and <a href="https://evil.example/">a link</a>'
)


@pytest.fixture
def admin(client: FlaskClient, login_as: Callable[[str], User]) -> User:
    """The demo administrator, signed in, reading English (the assertions are in English)."""
    user = login_as("administrator")
    client.post("/account/language", data={"language": "en"})
    return user


def _template(kind: str = "video_recording", language: str = "en") -> FormTemplate:
    return db.session.scalars(
        select(FormTemplate).where(FormTemplate.kind == kind, FormTemplate.language == language)
    ).one()


def _version_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FormTemplateVersion)) or 0


def _version_rows(template_id: int) -> list[tuple[Any, ...]]:
    """The stored rows themselves, not the ORM's idea of them."""
    rows = db.session.execute(
        text(
            "SELECT id, version, title, body, material, change_note, created_at, created_by_id"
            " FROM form_template_versions WHERE template_id = :id ORDER BY version"
        ),
        {"id": template_id},
    )
    return [tuple(row) for row in rows]


def _edit_data(template: FormTemplate, **changes: str) -> dict[str, str]:
    latest = template.latest_version()
    assert latest is not None
    return {"title": latest.title, "body": latest.body, "change_note": "", **changes}


def _pinned(page: str, version: int) -> int:
    """The number of consents the history table says were given on a version."""
    row = re.search(rf'<tr id="version-{version}">(.*?)</tr>', page, re.S)
    assert row is not None
    count = re.search(r'class="pinned">(\d+)<', row.group(1))
    assert count is not None
    return int(count.group(1))


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- who reaches the pages -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["therapist", "group_facilitator", "practice_manager"])
def test_only_administrators_reach_the_form_pages(
    client: FlaskClient, login_as: Callable[[str], User], role: str
) -> None:
    login_as(role)
    template = _template()
    before = _version_count()
    base = f"/admin/forms/{template.id}"
    for method, url in [
        ("GET", "/admin/forms"),
        ("GET", base),
        ("POST", base),
        ("GET", f"{base}/versions/1/preview.pdf"),
    ]:
        data = _edit_data(template, body="Changed by someone else.") if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 404, (role, method, url)
    assert _version_count() == before
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/admin/forms"' not in home


def test_the_administrator_has_forms_in_the_menu(client: FlaskClient, admin: User) -> None:
    assert 'href="/admin/forms"' in _page(client, "/admin/users")


def test_the_list_shows_every_kind_and_language_with_its_latest_version(
    client: FlaskClient, admin: User
) -> None:
    page = _page(client, "/admin/forms")
    for label in (
        "Recording by a client in a group",
        "Video recording",
        "Recording by the clinician",
        "Publication of a recording",
        "Consent by a representative",
        "Receipt for a withdrawal",
    ):
        assert page.count(label) == 2, label  # in Dutch and in English
    assert page.count('id="template-') == 12
    assert page.count("Nederlands") >= 6 and page.count("English") >= 6
    # The demo changed the Dutch group-recording text materially once (re-consent listed).
    assert page.count("Not material") == 11


@pytest.mark.parametrize(
    "url",
    [
        "/admin/forms/999999",
        "/admin/forms/999999/versions/1/preview.pdf",
        "/admin/forms/{id}/versions/7/preview.pdf",
    ],
)
def test_an_unknown_template_or_version_is_not_found(
    client: FlaskClient, admin: User, url: str
) -> None:
    assert client.get(url.format(id=_template().id)).status_code == 404


# --- editing ---------------------------------------------------------------------------------


def test_the_edit_page_is_prefilled_and_explains_the_placeholders(
    client: FlaskClient, admin: User
) -> None:
    template = _template()
    latest = template.latest_version()
    assert latest is not None
    page = _page(client, f"/admin/forms/{template.id}")
    assert f'value="{latest.title}"' in page
    assert "recorded on video" in page  # the body, in the textarea
    assert "{session_date}" in page and "the date of the session" in page
    assert "paragraphs are separated by a blank line" in page
    assert "Material change" in page


def test_saving_makes_a_new_version_and_leaves_the_old_one_byte_for_byte(
    client: FlaskClient, admin: User
) -> None:
    template = _template()
    version_one = _version_rows(template.id)
    assert [row[1] for row in version_one] == [1]
    # A browser sends CRLF line ends: they are stored as LF, not refused as control characters.
    body = "The session of {session_date} is recorded.\r\n\r\nYou may withdraw at any time."
    response = client.post(
        f"/admin/forms/{template.id}",
        data=_edit_data(template, body=body, change_note="Shorter text"),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/forms/{template.id}")
    db.session.expire_all()
    rows = _version_rows(template.id)
    assert [row[1] for row in rows] == [1, 2]
    assert rows[0] == version_one[0]
    assert rows[1][3] == body.replace("\r\n", "\n")
    assert rows[1][7] == admin.id

    page = _page(client, f"/admin/forms/{template.id}")
    assert "Version 2 saved" in page
    assert 'id="version-2"' in page and 'id="version-1"' in page
    assert "Shorter text" in page and admin.display_name in page
    assert 'id="reconsent"' not in page  # nothing material happened


REFUSALS = {
    "unknown placeholder": ({"body": "Dear {foo}, please sign."}, "{foo} is not a placeholder"),
    "stray brace": ({"body": "Dear {person, please sign."}, "a brace is not closed"),
    "closing brace": ({"body": "Dear person}, please sign."}, "brace"),
    "format spec": ({"body": "On {session_date:%Y}."}, "is not a placeholder"),
    "nothing changed": ({}, "nothing changed"),
    "material without a note": (
        {"body": "A new text.", "material": "y"},
        "say what changed",
    ),
    "empty text": ({"body": "   "}, "This field is required"),
    "control character": ({"body": "A bell \x07 in the text."}, "contains control characters"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_bad_text_is_refused_with_a_message_and_nothing_saved(
    client: FlaskClient, admin: User, case: str
) -> None:
    changes, message = REFUSALS[case]
    template = _template()
    before = _version_rows(template.id)
    response = client.post(f"/admin/forms/{template.id}", data=_edit_data(template, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error" role="alert"' in page  # under its field
    db.session.expire_all()
    assert _version_rows(template.id) == before
    assert 'id="version-2"' not in page


def test_a_text_that_does_not_render_is_refused_when_saved(
    client: FlaskClient, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_template: str, _context: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(operations, "render_pdf", broken)
    template = _template()
    before = _version_rows(template.id)
    response = client.post(
        f"/admin/forms/{template.id}", data=_edit_data(template, body="A text that breaks.")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "this text cannot be made into a form" in page
    assert 'id="version-2"' not in page  # the refused text is not shown as a version
    assert "A text that breaks." in page  # but kept in the form, to correct
    db.session.expire_all()
    assert _version_rows(template.id) == before


def test_hostile_text_is_kept_as_plain_text_and_shown_escaped(
    client: FlaskClient, admin: User
) -> None:
    template = _template("clinician_recording", "nl")
    title = "<b>Toestemming</b>"
    response = client.post(
        f"/admin/forms/{template.id}", data=_edit_data(template, title=title, body=HOSTILE_BODY)
    )
    assert response.status_code == 303
    db.session.expire_all()
    latest = _template("clinician_recording", "nl").latest_version()
    assert latest is not None and latest.version == 2
    assert (latest.title, latest.body) == (title, HOSTILE_BODY)

    page = _page(client, f"/admin/forms/{template.id}")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<img src="file:///etc/passwd">' not in page
    assert "&lt;img src=" in page
    assert "<b>Toestemming</b>" not in page

    pdf = client.get(f"/admin/forms/{template.id}/versions/2/preview.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF-")
    assert b"/EmbeddedFile" not in pdf.data
    assert b"root:" not in pdf.data


# --- re-consent --------------------------------------------------------------------------------


def _pin_a_granted_consent(template: FormTemplate, *, with_form: bool) -> Consent:
    """A standing granted consent given on version 1 of the template, as if sealed then."""
    consent = db.session.scalars(
        select(Consent)
        .join(Recording, Consent.recording_id == Recording.id)
        .where(
            Consent.decision == "granted",
            Consent.withdrawn_at.is_(None),
            Recording.status != "destroyed",
        )
        .order_by(Consent.id)
    ).first()
    assert consent is not None
    version_one = template.versions[0]
    consent.template_version = version_one
    if with_form:
        content = b"%PDF-1.7 stand-in"
        db.session.add(
            StoredDocument(
                form_number="CC-2026-ABCD-EFGH",
                kind="consent_form",
                consent=consent,
                template_version=version_one,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                size_bytes=len(content),
            )
        )
    db.session.commit()
    return consent


def _client_names() -> list[str]:
    names = [f"{c.given_name} {c.family_name}" for c in db.session.scalars(select(Client))]
    names += [c.family_name for c in db.session.scalars(select(Client))]
    names += [r.name for r in db.session.scalars(select(Representative))]
    return names


@pytest.mark.parametrize("material", [True, False], ids=["material", "not-material"])
def test_a_material_change_lists_the_consents_to_ask_again_without_naming_clients(
    client: FlaskClient, admin: User, material: bool
) -> None:
    template = _template()
    consent = _pin_a_granted_consent(template, with_form=True)
    clinician = db.session.get(User, consent.registered_by_id)
    assert clinician is not None
    page = _page(client, f"/admin/forms/{template.id}")
    assert 'id="reconsent"' not in page
    assert _pinned(page, 1) == 1

    data = _edit_data(template, body="A new text about {session_date}.", change_note="New rules")
    if material:
        data["material"] = "y"
    assert client.post(f"/admin/forms/{template.id}", data=data).status_code == 303

    page = _page(client, f"/admin/forms/{template.id}")
    if material:
        assert "1 consent was given on an older text and needs re-consent." in page
        assert "CC-2026-ABCD-EFGH" in page
        assert clinician.display_name in page
    else:
        assert 'id="reconsent"' not in page
        assert "CC-2026-ABCD-EFGH" not in page
    for name in _client_names():
        assert name not in page, name


def test_a_consent_without_a_stored_form_is_listed_too(client: FlaskClient, admin: User) -> None:
    template = _template("publication", "nl")
    _pin_a_granted_consent(template, with_form=False)
    data = _edit_data(template, body="Nieuwe tekst.", change_note="Andere regels", material="y")
    assert client.post(f"/admin/forms/{template.id}", data=data).status_code == 303
    page = _page(client, f"/admin/forms/{template.id}")
    assert "1 consent was given on an older text and needs re-consent." in page
    assert "no stored form" in page


def test_a_material_change_with_nobody_to_ask_says_so(client: FlaskClient, admin: User) -> None:
    template = _template("withdrawal_receipt", "en")
    data = _edit_data(template, body="We confirm it, {person}.", change_note="Short", material="y")
    assert client.post(f"/admin/forms/{template.id}", data=data).status_code == 303
    page = _page(client, f"/admin/forms/{template.id}")
    assert "0 consents were given on an older text and need re-consent." in page


# --- preview -----------------------------------------------------------------------------------


def test_the_preview_is_an_unsealed_pdf_that_is_not_stored(
    client: FlaskClient, admin: User
) -> None:
    template = _template("representative_consent", "nl")
    documents = db.session.scalar(select(func.count()).select_from(StoredDocument))
    response = client.get(f"/admin/forms/{template.id}/versions/1/preview.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "preview-representative_consent-nl-v1.pdf" in disposition
    assert b"/ByteRange" not in response.data  # not sealed
    assert db.session.scalar(select(func.count()).select_from(StoredDocument)) == documents


def test_a_version_that_cannot_be_previewed_is_said_so_not_a_server_error(
    client: FlaskClient, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_template: str, _context: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(template_views, "render_pdf", broken)
    template = _template()
    response = client.get(
        f"/admin/forms/{template.id}/versions/1/preview.pdf", follow_redirects=True
    )
    assert response.status_code == 200
    assert "Version 1 cannot be made into a form" in response.get_data(as_text=True)
