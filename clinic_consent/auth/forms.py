"""Sign-in and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from clinic_consent.i18n import LANGUAGE_NAMES
from clinic_consent.users.passwords import MIN_PASSWORD_LENGTH

MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this only bounds the work per request


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    next = HiddenField()


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(max=16)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]
    )
