"""Forms of the clients area; choices and lengths come from the models' constants."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from clinic_consent.clients.models import CAPACITY_SCOPES, REPRESENTATIVE_RELATIONS
from clinic_consent.i18n import LANGUAGE_NAMES

RELATION_LABELS = {
    "parent": _l("Parent"),
    "guardian": _l("Guardian"),
    "curator": _l("Curator"),
    "mentor": _l("Mentor"),
    "partner": _l("Partner"),
    "family": _l("Family member"),
    "authorised_person": _l("Authorised person"),
}
SCOPE_LABELS = {
    "recording": _l("Recording"),
    "treatment": _l("Treatment"),
    "other": _l("Other"),
}


def choices(pairs: Iterable[tuple[Any, Any]] | dict[Any, Any]) -> list[Any]:
    """Select options as WTForms wants them (tuples are deprecated), from pairs or a dict."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value=value, label=label) for value, label in items]


assert set(RELATION_LABELS) == set(REPRESENTATIVE_RELATIONS)
assert set(SCOPE_LABELS) == set(CAPACITY_SCOPES)


class ClientForm(FlaskForm):
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=200)])
    family_name = StringField(_l("Family name"), validators=[DataRequired(), Length(max=200)])
    birth_date = DateField(_l("Birth date"), validators=[InputRequired()])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES), default="nl")
    external_ref = StringField(
        _l("Patient number in the health record"), validators=[Optional(), Length(max=100)]
    )


class RepresentativeForm(FlaskForm):
    """Someone who decides for a client, or for a companion in one session (R6)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    relation = SelectField(_l("Relation"), choices=choices(RELATION_LABELS))
    contact = StringField(
        _l("Phone number or e-mail address"), validators=[Optional(), Length(max=300)]
    )
    has_authority = BooleanField(
        _l("Has authority to decide (e.g. parental authority)"), default=True
    )


class CapacityForm(FlaskForm):
    has_capacity = RadioField(
        _l("Judgement"),
        choices=choices([("yes", _l("Has capacity")), ("no", _l("Lacks capacity"))]),
        validators=[InputRequired()],
    )
    decision_scope = SelectField(
        _l("Kind of decision"), choices=choices(SCOPE_LABELS), default="recording"
    )
    decision = StringField(
        _l("The decision it is about"), validators=[DataRequired(), Length(max=500)]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
