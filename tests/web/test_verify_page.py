"""The practice manager's page for checking a PDF: the command line's answer, in a browser."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.users.models import User
from tests.test_cli_forms import SealedForm, changed_inside_the_seal, damaged_copies, seal_forms


@pytest.fixture
def forms(demo: DemoResult) -> list[SealedForm]:
    return seal_forms(2)


@pytest.fixture
def manager(client: FlaskClient, login_as: Callable[[str], User]) -> User:
    """The demo practice manager, signed in, reading English (the assertions are in English)."""
    user = login_as("practice_manager")
    client.post("/account/language", data={"language": "en"})
    return user


def _upload(client: FlaskClient, content: bytes, name: str = "form.pdf") -> TestResponse:
    return client.post(
        "/verify",
        data={"pdf": (io.BytesIO(content), name, "application/pdf")},
        content_type="multipart/form-data",
    )


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_manager_sees_a_stored_form_verified_and_which_form_it_is(
    client: FlaskClient, manager: User, forms: list[SealedForm]
) -> None:
    form = forms[0]
    assert client.get("/verify").status_code == 200

    response = _upload(client, form.content, "from-the-client.pdf")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "status-granted" in page and "Verified" in page
    assert f"This is form {form.form_number} as sealed by the practice, unchanged." in page
    assert "from-the-client.pdf" in page
    assert 'href="/recordings/' in page
    entry = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.event == "stored_documents.verify")
    ).one()
    assert (entry.user_id, entry.object_id, entry.client_id, entry.purpose_of_use) == (
        manager.id,
        form.document_id,
        form.client_id,
        "audit",
    )


def test_the_manager_sees_a_changed_form_in_red_with_the_reason(
    client: FlaskClient, manager: User, forms: list[SealedForm]
) -> None:
    documents_before = _count(StoredDocument)

    response = _upload(client, changed_inside_the_seal(forms[0].content))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "status-refused" in page and "Not verified" in page
    assert "The seal is broken: the file was changed after it was sealed." in page
    assert "none: not a form stored by this practice" in page
    assert forms[0].form_number not in page
    assert _count(StoredDocument) == documents_before
    assert not db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.object_type == "stored_documents")
    ).first()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Dear practice, please find my form attached.", "This file is not a PDF."),
        (b"%PDF-1.7\nnot really\n%%EOF\n", "This file is damaged: it cannot be read as a PDF."),
    ],
    ids=["text", "damaged-pdf"],
)
def test_a_file_that_cannot_be_read_as_a_pdf_is_refused(
    client: FlaskClient, manager: User, forms: list[SealedForm], content: bytes, message: str
) -> None:
    documents_before = _count(StoredDocument)

    response = _upload(client, content, "letter.pdf")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was stored." in page
    assert 'id="answer"' not in page
    assert _count(StoredDocument) == documents_before


def test_a_damaged_copy_of_a_form_gets_an_answer_not_an_error_page(
    client: FlaskClient, manager: User, forms: list[SealedForm]
) -> None:
    for copy in damaged_copies(forms[0].content, 12):
        response = _upload(client, copy)

        assert response.status_code in (200, 422)
        assert "Not verified" in response.get_data(as_text=True) or response.status_code == 422


def test_no_file_chosen_is_refused(client: FlaskClient, manager: User) -> None:
    response = client.post("/verify", data={}, content_type="multipart/form-data")

    assert response.status_code == 422
    assert "Choose the PDF file to check." in response.get_data(as_text=True)


@pytest.mark.parametrize("csrf", [False, True], ids=["form", "csrf-check-first"])
def test_a_file_over_the_upload_limit_gets_a_clear_message(
    client: FlaskClient, manager: User, csrf: bool
) -> None:
    # With CSRF protection on (as in production) the form is first read by the CSRF check,
    # before the view: the page must answer there too.
    client.application.config["WTF_CSRF_ENABLED"] = csrf
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"pdf": FileStorage(io.BytesIO(b"%PDF-1.7\n" + b"0" * limit), "huge.pdf")}
    )

    response = client.post(
        "/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "This file is too large to check here" in page
    assert 'type="file"' in page


@pytest.mark.parametrize("role", ["therapist", "group_facilitator", "administrator"])
def test_only_the_practice_manager_reaches_the_page(
    client: FlaskClient, login_as: Callable[[str], User], forms: list[SealedForm], role: str
) -> None:
    login_as(role)

    assert client.get("/verify").status_code == 404
    assert _upload(client, forms[0].content).status_code == 404
    assert not db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.object_type == "stored_documents")
    ).first()


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, demo: DemoResult) -> None:
    response = client.get("/verify")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
