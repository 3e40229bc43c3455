"""Forms of the sessions and groups areas. Selects get their choices from the view: only what
the signed-in user may see, so an id outside them is refused like an unknown one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from clinic_consent.domain.vocabulary import PARTICIPANT_ROLES, SESSION_KINDS

KIND_LABELS = {"individual": _l("Individual"), "group": _l("Group")}
ROLE_LABELS = {"client": _l("Client"), "staff": _l("Staff"), "other": _l("Companion")}
assert set(KIND_LABELS) == set(SESSION_KINDS)
assert set(ROLE_LABELS) == set(PARTICIPANT_ROLES)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes: easier to tap on a tablet than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionEditForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    starts_at = TimeField(_l("Start time"), validators=[Optional()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])


class SessionForm(SessionEditForm):
    """A new individual session; the signed-in clinician is its staff participant."""

    client = SelectField(_l("Client"), coerce=int)


class ClientParticipantForm(FlaskForm):
    client = SelectField(_l("Client"), coerce=int)


class StaffParticipantForm(FlaskForm):
    user = SelectField(_l("Staff member"), coerce=int)


class OtherParticipantForm(FlaskForm):
    """A companion, family member or interpreter: R6 needs their age and capacity."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    relation = StringField(
        _l("Relation to the client (e.g. sister, interpreter)"),
        validators=[DataRequired(), Length(max=100)],
    )
    birth_date = DateField(_l("Birth date (if a minor)"), validators=[Optional()])
    has_capacity = BooleanField(_l("Can decide about the recording"), default=True)


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    facilitators = MultiCheckboxField(_l("Other facilitators"), coerce=int)
    agreement_text = TextAreaField(
        _l("Recording and confidentiality agreement (R10)"),
        validators=[Optional(), Length(max=10_000)],
    )
    agreement_made_on = DateField(_l("Agreement made on"), validators=[Optional()])


class MemberForm(FlaskForm):
    client = SelectField(_l("Client"), coerce=int)
    joined_on = DateField(_l("Joined on"), validators=[InputRequired()])


class LeaveForm(FlaskForm):
    left_on = DateField(_l("Left on"), validators=[InputRequired()])


class GroupSessionForm(SessionEditForm):
    """A session of the group; its current members and facilitators take part."""
