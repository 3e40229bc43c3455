"""The form on the user's page of personal API tokens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from clinic_consent.api.tokens import DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS


class NewTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    days = SelectField(
        _l("Valid for"),
        choices=[SelectChoice(days, _l("%(days)s days", days=days)) for days in EXPIRY_DAYS],
        coerce=int,
        default=DEFAULT_EXPIRY_DAYS,
    )
