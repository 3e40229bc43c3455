"""The administrator's form for a new version of a form template's text."""

from __future__ import annotations

from typing import Final

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from clinic_consent.forms_pdf.models import FORM_KINDS
from clinic_consent.forms_pdf.text import MAX_BODY, MAX_TITLE

FORM_KIND_LABELS: Final = {
    "client_group_recording": _l("Recording by a client in a group"),
    "video_recording": _l("Video recording"),
    "clinician_recording": _l("Recording by the clinician"),
    "publication": _l("Publication of a recording"),
    "representative_consent": _l("Consent by a representative"),
    "withdrawal_receipt": _l("Receipt for a withdrawal"),
}
assert set(FORM_KIND_LABELS) == set(FORM_KINDS)
MAX_CHANGE_NOTE: Final = 2000  # validation.optional_text's default, which the operation applies


def unix_newlines(value: str | None) -> str | None:
    """A browser sends a textarea with CRLF line ends; the stored text has LF only (a CR is a
    control character, and an unchanged text must compare equal to the stored one)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if value is not None else None


class TemplateVersionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    body = TextAreaField(
        _l("Text"), filters=[unix_newlines], validators=[DataRequired(), Length(max=MAX_BODY)]
    )
    material = BooleanField(_l("Material change: consents given on older versions need re-consent"))
    change_note = TextAreaField(
        _l("What changed"),
        filters=[unix_newlines],
        validators=[Optional(), Length(max=MAX_CHANGE_NOTE)],
    )
