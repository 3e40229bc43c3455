"""The dashboard's filter form."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import DateField
from wtforms.validators import Optional, ValidationError


class FilterForm(FlaskForm):
    """The dashboard's filters, read from the query string (a GET: no CSRF token)."""

    class Meta:
        csrf = False

    clinician = SelectField(_l("Clinician"), coerce=str, validators=[Optional()])
    date_from = DateField(_l("Sessions from"), validators=[Optional()])
    date_to = DateField(_l("Sessions to"), validators=[Optional()])

    def validate_date_to(self, field: DateField) -> None:
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_("must not be before the start of the period"))
