"""Forms of the retention-class admin pages (R8)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from clinic_consent.practice.operations import MAX_PERIOD_DAYS, RetentionClassInput

# How the destroy-by date of a recording in the class is found.
PERIOD_KINDS = {
    "days": _l("A fixed number of days after the session"),
    "medical_file": _l("Follows the medical file: 20 years after its last change (WGBO 7:454)"),
    "none": _l("No fixed period: each recording states its date (e.g. a research protocol)"),
}


class RetentionClassForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    period_kind = SelectField(
        _l("Retention period"),
        choices=[SelectChoice(value, label) for value, label in PERIOD_KINDS.items()],
        default="days",
    )
    period_days = IntegerField(
        _l("Days after the session"),
        validators=[Optional(), NumberRange(min=1, max=MAX_PERIOD_DAYS)],
    )
    basis = TextAreaField(
        _l("Legal or professional basis"), validators=[DataRequired(), Length(max=2000)]
    )
    active = BooleanField(_l("In use: can be chosen for new recordings"), default=True)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        days = self.period_days
        if self.period_kind.data == "days" and days.data is None and not days.errors:
            days.errors = [*days.errors, _l("Give the number of days.")]
            return False
        return ok

    def values(self) -> RetentionClassInput:
        kind = self.period_kind.data
        return RetentionClassInput(
            name=self.name.data or "",
            basis=self.basis.data or "",
            period_days=self.period_days.data if kind == "days" else None,
            follows_medical_file=kind == "medical_file",
            active=bool(self.active.data),
        )


class NewRetentionClassForm(RetentionClassForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=50)],
        description=_l("A short fixed key, e.g. intervision_2027; it cannot change later."),
    )
