"""Forms of the admin area: users and the practice settings."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from clinic_consent.i18n import LANGUAGE_NAMES
from clinic_consent.users.passwords import MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    "therapist": _l("Therapist"),
    "group_facilitator": _l("Group facilitator"),
    "practice_manager": _l("Practice manager"),
    "administrator": _l("Administrator"),
}
MAX_PASSWORD_LENGTH = 1024


def _choices(labels: Mapping[str, object]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _role_field() -> SelectField:
    return SelectField(_l("Role"), choices=_choices(ROLE_LABELS))


def _language_field(label: object = _l("Language")) -> SelectField:
    return SelectField(label, choices=_choices(LANGUAGE_NAMES))


class UserForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = _role_field()
    language = _language_field()


class NewUserForm(UserForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )


class ActiveForm(FlaskForm):
    # Sent by the button pressed: "0" deactivates, "1" reactivates.
    active = SelectField(choices=[SelectChoice("0"), SelectChoice("1")])


class ConfirmForm(FlaskForm):
    """A button's form: nothing but its CSRF token."""


class SettingsForm(FlaskForm):
    name = StringField(_l("Practice name"), validators=[DataRequired(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    agb_code = StringField(
        _l("AGB code"),
        validators=[
            Optional(),
            Regexp(r"^[0-9]{8}$", message=_l("An AGB code is 8 digits (or leave it empty).")),
        ],
    )
    default_language = _language_field(_l("Default language"))
    waiting_room_notice_up = BooleanField(_l("The waiting-room notice on recording is up (R10)"))
