"""The consent-capture and withdrawal forms, and the drawn signature's data URL."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from clinic_consent.consents.operations import MAX_SIGNATURE_BYTES, PNG_SIGNATURE

PNG_DATA_URL_PREFIX = "data:image/png;base64,"
# The base64 text of MAX_SIGNATURE_BYTES, checked before decoding anything.
MAX_SIGNATURE_TEXT = len(PNG_DATA_URL_PREFIX) + 4 * (MAX_SIGNATURE_BYTES // 3 + 1)

DECISION_CHOICES = [
    SelectChoice("granted", _l("Yes, I consent")),
    SelectChoice("refused", _l("No, I do not consent")),
]
METHOD_CHOICES = [
    SelectChoice("drawn_signature", _l("drawn signature")),
    SelectChoice("paper_form", _l("signed paper form")),
    SelectChoice("verbal_witness", _l("verbal, with witness")),
]


def decode_png_data_url(text: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,`` URL; ValueError for anything else."""
    if len(text) > MAX_SIGNATURE_TEXT:
        raise ValueError(_l("The signature image is too large."))
    if not text.startswith(PNG_DATA_URL_PREFIX):
        raise ValueError(_l("The signature must be a PNG image."))
    try:
        data = base64.b64decode(text[len(PNG_DATA_URL_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError(_l("The signature image is damaged.")) from None
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(_l("The signature must be a PNG image."))
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ValueError(_l("The signature image is too large."))
    return data


class ConsentForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=DECISION_CHOICES,
        validators=[InputRequired(message=_l("Choose: consent or no consent."))],
    )
    method = RadioField(
        _l("How the decision is given"), choices=METHOD_CHOICES, default="drawn_signature"
    )
    witness_name = StringField(_l("Name of the witness"), validators=[Length(max=200)])
    signature = HiddenField()
    # The form text version shown: the consent pins the text the person actually read.
    template_version = HiddenField()
    # The number this decision takes (consents/models.py): the page's, so that a decision
    # registered by someone else while the page was open refuses this one.
    decision_number = HiddenField()

    # Filled by validate_signature: the decoded image, for a drawn signature only.
    signature_png: bytes | None = None

    def validate_signature(self, field: Any) -> None:
        self.signature_png = None
        if self.method.data != "drawn_signature":
            field.data = ""  # another method keeps no image
            return
        if not field.data:
            return  # a missing drawing is the operation's error ("draw the signature")
        try:
            self.signature_png = decode_png_data_url(field.data)
        except ValueError as error:
            field.data = ""  # never echo a rejected image back into the page
            raise ValidationError(str(error.args[0])) from None


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional; the client does not have to give one)"),
        validators=[Optional(), Length(max=2000)],
    )
