"""Hostile template content reaches neither the file system nor the network.

Two walls: the template text is escaped (an administrator's ``<img>`` is printed as text), and
whatever HTML does reach WeasyPrint loads only ``data:`` URLs and packaged assets through
RestrictedFetcher, which refuses and logs everything else. A form also gets plain values
only, never ORM objects."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from clinic_consent.consents.models import Consent
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.fetcher import ASSETS_DIR, FetchRefused, RestrictedFetcher
from clinic_consent.forms_pdf.models import FormTemplate, FormTemplateVersion
from clinic_consent.forms_pdf.operations import (
    FORM_TEMPLATE,
    sample_context,
    save_template_version,
    seal_consent_form,
)
from clinic_consent.forms_pdf.rendering import (
    NotPlainValue,
    check_plain,
    html_to_pdf,
    render_html,
    render_pdf,
)
from clinic_consent.users.models import User
from tests.forms_pdf.tools import TcpListener, decoded_pdf, pdf_text, run_tool, write_pdf

FETCHER_LOG = "clinic_consent.forms_pdf.fetcher"


@pytest.fixture
def passwd_line() -> bytes:
    """The first line of /etc/passwd ("root:x:0:0:..."): what a leaked file would show."""
    line = Path("/etc/passwd").read_bytes().splitlines()[0]  # every Debian machine has one
    assert line.startswith(b"root:")
    return line


def _assert_nothing_embedded(pdf: bytes, passwd_line: bytes, folder: Path) -> None:
    contents = decoded_pdf(pdf)
    assert b"/EmbeddedFile" not in contents
    assert b"/FileAttachment" not in contents
    assert passwd_line not in contents
    assert b"root:x:0:0" not in contents
    assert run_tool("pdfdetach", "-list", str(write_pdf(pdf, folder, "detach.pdf"))).startswith(
        "0 embedded files"
    )


def _assert_never_connected(listener: TcpListener) -> None:
    assert listener.connections == []
    listener.probe()  # and it would have noticed: our own connection is counted
    assert len(listener.connections) == 1


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == FETCHER_LOG and record.levelno == logging.WARNING
    ]


# --- first wall: the template text is text -------------------------------------------------


def _hostile_body(port: int) -> str:
    # A form template text uses {placeholders}; a brace of its own is written {{ or }}.
    return (
        "Hello {person}.\n\n"
        '<link rel="attachment" href="file:///etc/passwd">\n\n'
        '<img src="file:///etc/passwd">\n\n'
        f'<img src="http://127.0.0.1:{port}/body-img">\n\n'
        f"<style>body {{{{ background: url(http://127.0.0.1:{port}/body-css) }}}}</style>\n\n"
        f'<iframe src="http://127.0.0.1:{port}/body-frame"></iframe>'
    )


def test_template_text_is_printed_as_text_and_loads_nothing(
    poppler: None,
    signed_consent: Consent,
    administrator: User,
    tcp_listener: TcpListener,
    passwd_line: bytes,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    assert signed_consent.party_participant is not None
    assert signed_consent.party_participant.client is not None
    language = signed_consent.party_participant.client.language
    template = db.session.scalars(
        select(FormTemplate).where(
            FormTemplate.kind == "clinician_recording", FormTemplate.language == language
        )
    ).one()
    caplog.set_level(logging.WARNING, logger=FETCHER_LOG)

    version = save_template_version(
        template,
        title="A form with markup in it",
        body=_hostile_body(tcp_listener.port),
        material=False,
        change_note=None,
        actor=administrator,
    )
    signed_consent.template_version = version  # given on this text
    document = seal_consent_form(signed_consent, actor=None)
    db.session.commit()

    assert document.template_version_id == version.id
    text = pdf_text(document.content, tmp_path)
    assert "Hello Sanne Jansen." in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text
    assert '<img src="file:///etc/passwd">' in text
    assert f"url(http://127.0.0.1:{tcp_listener.port}/body-css)" in text
    assert "<iframe" in text
    assert _refusals(caplog) == []  # nothing was even asked for: it never became markup
    _assert_nothing_embedded(document.content, passwd_line, tmp_path)
    _assert_never_connected(tcp_listener)


# --- second wall: HTML that reaches WeasyPrint loads only data: and packaged assets ---------

# Markup placed before </body> of a real form, and the URL the fetcher must refuse (None:
# WeasyPrint does not even ask for it: iframes, objects, relative URLs without a base URL).
HOSTILE_MARKUP = [
    pytest.param(
        '<link rel="attachment" href="file:///etc/passwd">',
        "file:///etc/passwd",
        id="link-attachment",
    ),
    pytest.param(
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>',
        "file:///etc/passwd",
        id="anchor-attachment",
    ),
    pytest.param('<img src="file:///etc/passwd">', "file:///etc/passwd", id="img-file"),
    pytest.param(
        '<img src="http://127.0.0.1:{port}/img">', "http://127.0.0.1:{port}/img", id="img-http"
    ),
    pytest.param(
        "<style>body { background: url(http://127.0.0.1:{port}/css-url) }</style>",
        "http://127.0.0.1:{port}/css-url",
        id="css-url",
    ),
    pytest.param(
        "<style>@import url(http://127.0.0.1:{port}/import.css);</style>",
        "http://127.0.0.1:{port}/import.css",
        id="css-import",
    ),
    pytest.param(
        '<link rel="stylesheet" href="file:///etc/passwd">', "file:///etc/passwd", id="stylesheet"
    ),
    pytest.param(
        "<style>@font-face { font-family: Leak; src: url(file:///etc/passwd) }"
        " p { font-family: Leak }</style>",
        "file:///etc/passwd",
        id="font-face",
    ),
    pytest.param(
        '<img src="asset:../../../etc/passwd">', "asset:../../../etc/passwd", id="asset-traversal"
    ),
    pytest.param(
        '<embed src="http://127.0.0.1:{port}/embed">', "http://127.0.0.1:{port}/embed", id="embed"
    ),
    pytest.param(
        '<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/>'
        "</svg>",
        "file:///etc/passwd",
        id="svg-image",
    ),
    pytest.param('<img src="/etc/passwd">', None, id="relative-path"),
    pytest.param('<iframe src="http://127.0.0.1:{port}/frame"></iframe>', None, id="iframe-http"),
    pytest.param('<iframe src="file:///etc/passwd"></iframe>', None, id="iframe-file"),
    pytest.param('<object data="file:///etc/passwd"></object>', None, id="object-file"),
]


def _latest(kind: str) -> FormTemplateVersion:
    template = db.session.scalars(select(FormTemplate).where(FormTemplate.kind == kind)).first()
    assert template is not None
    version = template.latest_version()
    assert version is not None
    return version


@pytest.fixture
def form_html(demo: DemoResult) -> str:
    """A real form's HTML, as render_html makes it."""
    return render_html(FORM_TEMPLATE, sample_context(_latest("clinician_recording")))


@pytest.mark.parametrize(("markup", "refused_url"), HOSTILE_MARKUP)
def test_html_reaching_weasyprint_fetches_nothing_outside(
    poppler: None,
    form_html: str,
    markup: str,
    refused_url: str | None,
    tcp_listener: TcpListener,
    passwd_line: bytes,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    port = str(tcp_listener.port)
    markup = markup.replace("{port}", port)
    html = form_html.replace("</body>", markup + "</body>")
    assert markup in html
    caplog.set_level(logging.WARNING, logger=FETCHER_LOG)

    pdf = html_to_pdf(html)

    refusals = _refusals(caplog)
    if refused_url is not None:
        url = refused_url.replace("{port}", port)
        assert any(url in message for message in refusals), refusals
    assert all("refused" in message for message in refusals)
    _assert_nothing_embedded(pdf, passwd_line, tmp_path)
    _assert_never_connected(tcp_listener)


def test_the_embedding_check_would_see_an_attachment(
    poppler: None, form_html: str, passwd_line: bytes, tmp_path: Path
) -> None:
    """The control: a data: attachment (allowed) is embedded, and the checks above see it."""
    secret = b"control-attachment " + passwd_line
    markup = (
        '<link rel="attachment" title="control" href="data:text/plain;base64,'
        + base64.b64encode(secret).decode()
        + '">'
    )

    pdf = html_to_pdf(form_html.replace("</body>", markup + "</body>"))

    contents = decoded_pdf(pdf)
    assert b"/EmbeddedFile" in contents
    assert secret in contents
    listing = run_tool("pdfdetach", "-list", str(write_pdf(pdf, tmp_path)))
    assert listing.startswith("1 embedded files")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.org/logo.svg",
        "ftp://example.org/x",
        "//127.0.0.1:9/x",
        "/etc/passwd",
        "asset:../../../etc/passwd",
        "asset:fonts/../../../../../etc/passwd",
        "asset:/etc/passwd",
        "asset:",
        "asset:fonts",
        "asset:no-such-asset.css",
    ],
)
def test_the_fetcher_refuses_and_logs(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=FETCHER_LOG)

    with pytest.raises(FetchRefused):
        RestrictedFetcher().fetch(url)

    assert [url in message for message in _refusals(caplog)] == [True]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("asset:form.css", (ASSETS_DIR / "form.css").read_bytes()),
        ("asset:logo.svg", (ASSETS_DIR / "logo.svg").read_bytes()),
        ("data:text/plain;base64,aGVsbG8=", b"hello"),
    ],
)
def test_the_fetcher_serves_packaged_assets_and_data(
    url: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=FETCHER_LOG)

    response = RestrictedFetcher().fetch(url)

    assert response.read() == body
    assert _refusals(caplog) == []


# --- plain values only -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "where"),
    [
        pytest.param(lambda c: {"consent": c}, "context.consent", id="top-level"),
        pytest.param(
            lambda c: {"form": {"rows": [{"party": "A"}, {"party": c}]}},
            "context.form.rows[1].party",
            id="nested",
        ),
        pytest.param(
            lambda c: {"person": {"name": c.party_participant}},
            "context.person.name",
            id="relationship",
        ),
        pytest.param(lambda c: {"ids": {c.id}}, "context.ids", id="a-set"),
    ],
)
def test_a_form_gets_plain_values_only(
    signed_consent: Consent, build: Callable[[Consent], dict[str, object]], where: str
) -> None:
    context = build(signed_consent)

    with pytest.raises(NotPlainValue, match=f"^{re.escape(where)} is a "):
        check_plain(context)
    with pytest.raises(NotPlainValue, match="not a plain value"):
        render_pdf(FORM_TEMPLATE, context)


def test_plain_values_pass(demo: DemoResult) -> None:
    check_plain(sample_context(_latest("clinician_recording")))
