"""Forms of the recordings area: planning, changing terms, the access list, destruction.

Choices that depend on the database (participants, retention classes, users) are filled in by
the views; the fixed vocabularies come from the domain, so forms and rules cannot drift apart.
Each form turns what it says into the operation's input; the operation checks it, and its
refusal is shown at the field it names (clinic_consent.web.form_errors).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from clinic_consent.domain import vocabulary as v
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.recordings.models import RetentionClass
from clinic_consent.recordings.operations import (
    TERM_FIELDS,
    AccessGrant,
    RecordingPlan,
    RecordingTerms,
    check_access_grant,
)
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.users.models import User

MADE_BY_LABELS = {"client": _l("The client"), "clinician": _l("A clinician of the practice")}
MEDIUM_LABELS = {"audio": _l("Audio"), "video": _l("Video (images, with or without sound)")}
SCOPE_LABELS = {"whole": _l("The whole session"), "partial": _l("Part of the session")}
PURPOSE_LABELS = {
    "private": _l("Private use (a client's recording)"),
    "treatment": _l("Treatment (e.g. video feedback)"),
    "training": _l("Training"),
    "supervision": _l("Supervision"),
    "research": _l("Research"),
}
# Who can be put on an access list as a role: the clinical roles (an administrator sees no
# clinical data, and the practice manager reads everything for audit anyway).
ROLE_LABELS = {
    "therapist": _l("Every therapist"),
    "group_facilitator": _l("Every group facilitator"),
    "practice_manager": _l("The practice manager"),
    "administrator": _l("Every administrator"),
}
ACCESS_ROLE_LABELS = {role: ROLE_LABELS[role] for role in ("therapist", "group_facilitator")}
METHOD_LABELS = {
    "drawn_signature": _l("Signed on the screen"),
    "paper_form": _l("Signed paper form"),
    "verbal_witness": _l("Spoken, with a witness"),
}
TEXT = 2000


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def choices(labels: dict[Any, Any], blank: Any = None) -> list[SelectChoice]:
    """Select options from {value: label}, after a blank option when ``blank`` is given."""
    options = [SelectChoice(value, label) for value, label in labels.items()]
    return [SelectChoice("", blank), *options] if blank is not None else options


# Grant refusals named by the operation, on the plan form's fields.
USER_GRANT_FIELDS = {"purpose": "access_purpose", "grantee": "access_users"}
OUTSIDE_GRANT_FIELDS = {
    "purpose": "outside_purpose",
    "valid_until": "outside_until",
    "grantee": "outside_name",
}


def _renamed(error: OperationError, fields: dict[str, str]) -> OperationError:
    return OperationError(fields.get(error.field or "", error.field), error.message)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RecordingTermsForm(FlaskForm):
    """The terms a consent covers (R7) and the retention (R8): what can change while planned."""

    medium = SelectField(_l("Medium"), choices=choices(MEDIUM_LABELS), default="audio")
    scope = SelectField(_l("Scope"), choices=choices(SCOPE_LABELS), default="whole")
    scope_description = TextAreaField(
        _l("Which part is recorded"), validators=[Optional(), Length(max=1000)]
    )
    purpose = SelectField(
        _l("Purpose of a clinician's recording"),
        choices=choices(
            {p: PURPOSE_LABELS[p] for p in v.CLINICIAN_PURPOSES}, _l("— not decided yet —")
        ),
        validators=[Optional()],
    )
    public = BooleanField(_l("To be made public (social media, press, a public lecture)"))
    retention_class = SelectField(
        _l("Retention class"), coerce=optional_int, choices=[], validators=[Optional()]
    )
    retention_until = DateField(_l("Destroy by (date)"), validators=[Optional()])
    retention_reason = TextAreaField(
        _l("Reason for keeping it longer than the class allows"),
        validators=[Optional(), Length(max=TEXT)],
    )
    storage_location = StringField(_l("Storage location"), validators=[Optional(), Length(max=500)])
    # Lets the live preview tell the forms apart; never trusted for anything else.
    form_name = HiddenField(default="terms")
    recording_id = HiddenField()

    def terms(self, made_by: str) -> RecordingTerms:
        clinician = made_by == "clinician"  # a client's recording is private, not kept by us
        class_id = self.retention_class.data if clinician else None
        return RecordingTerms(
            medium=self.medium.data,
            scope=self.scope.data,
            scope_description=self.scope_description.data,
            purpose=(self.purpose.data or None) if clinician else None,
            public=bool(self.public.data),
            retention_class=db.session.get(RetentionClass, class_id) if class_id else None,
            retention_until=self.retention_until.data if clinician else None,
            retention_reason=self.retention_reason.data if clinician else None,
            storage_location=self.storage_location.data if clinician else None,
        )


class EditRecordingForm(RecordingTermsForm):
    # The version the editor saw: a change made meanwhile is refused, not overwritten.
    version = IntegerField(widget=widgets.HiddenInput(), validators=[InputRequired()])


class PlanRecordingForm(RecordingTermsForm):
    form_name = HiddenField(default="plan")
    session_id = HiddenField()
    made_by = SelectField(_l("Who records"), choices=choices(MADE_BY_LABELS))
    recorder = SelectField(_l("Recorder"), coerce=optional_int, choices=[])
    covert = BooleanField(
        _l("Register a covert recording that was discovered (made without the others knowing)")
    )
    # A client's recording (R1)
    motive = TextAreaField(_l("The client's motive"), validators=[Optional(), Length(max=TEXT)])
    alternatives_offered = TextAreaField(
        _l("Alternatives offered (e.g. a spoken summary at the end)"),
        validators=[Optional(), Length(max=TEXT)],
    )
    agreements = TextAreaField(
        _l("Agreement on private use"), validators=[Optional(), Length(max=TEXT)]
    )
    # A clinician's recording: the initial access list (R4)
    access_users = MultiCheckboxField(_l("Clinicians"), coerce=int, choices=[])
    access_roles = MultiCheckboxField(_l("Roles"), choices=choices(ACCESS_ROLE_LABELS))
    access_purpose = StringField(
        _l("Purpose of their access"), validators=[Optional(), Length(max=500)]
    )
    outside_name = StringField(
        _l("Outside person (e.g. a supervisor)"), validators=[Optional(), Length(max=200)]
    )
    outside_purpose = StringField(
        _l("Purpose of the outside person's access"), validators=[Optional(), Length(max=500)]
    )
    outside_until = DateField(_l("Outside person's access ends on"), validators=[Optional()])

    def plan(self, session: TreatmentSession) -> RecordingPlan:
        recorder = next((p for p in session.participants if p.id == self.recorder.data), None)
        if recorder is None:
            raise OperationError("recorder", _("Choose who records."))
        terms = self.terms(self.made_by.data)
        by_client = self.made_by.data == "client"
        return RecordingPlan(
            made_by=self.made_by.data,
            recorder=recorder,
            covert=bool(self.covert.data),
            motive=self.motive.data if by_client else None,
            alternatives_offered=self.alternatives_offered.data if by_client else None,
            agreements=self.agreements.data if by_client else None,
            **{name: getattr(terms, name) for name in TERM_FIELDS},
        )

    def access_grants(self, session: TreatmentSession) -> list[AccessGrant]:
        """The initial access list of a clinician's recording (R4), checked."""
        if self.made_by.data != "clinician":
            return []
        purpose = self.access_purpose.data
        grants = []
        try:
            for user_id in self.access_users.data or []:  # the choices are active clinicians
                user = db.session.get(User, user_id)
                grants.append(check_access_grant(session.date, purpose=purpose, user=user))
            for role in self.access_roles.data or []:
                grants.append(check_access_grant(session.date, purpose=purpose, role=role))
        except OperationError as error:
            raise _renamed(error, USER_GRANT_FIELDS) from None
        if self.outside_name.data or self.outside_purpose.data:
            try:
                grants.append(
                    check_access_grant(
                        session.date,
                        purpose=self.outside_purpose.data,
                        outside_name=self.outside_name.data,
                        valid_until=self.outside_until.data,
                    )
                )
            except OperationError as error:
                raise _renamed(error, OUTSIDE_GRANT_FIELDS) from None
        return grants


class AccessGrantForm(FlaskForm):
    """One new entry on a recording's access list: a user, a role or an outside person."""

    form_name = HiddenField(default="access")
    recording_id = HiddenField()
    user = SelectField(_l("A clinician"), coerce=optional_int, choices=[], validators=[Optional()])
    role = SelectField(
        _l("Or a role"),
        choices=choices(ACCESS_ROLE_LABELS, _l("— none —")),
        validators=[Optional()],
    )
    outside_name = StringField(_l("Or an outside person"), validators=[Optional(), Length(max=200)])
    purpose = StringField(_l("Purpose of the access"), validators=[Length(max=500)])
    valid_until = DateField(_l("Access ends on"), validators=[Optional()])

    def grant_values(self) -> dict[str, Any]:
        """The keyword arguments of grant_access and check_access_grant."""
        return {
            "purpose": self.purpose.data,
            "user": db.session.get(User, self.user.data) if self.user.data else None,
            "role": self.role.data or None,
            "outside_name": self.outside_name.data,
            "valid_until": self.valid_until.data,
        }


class DestroyForm(FlaskForm):
    method = StringField(_l("How it was destroyed"), validators=[DataRequired(), Length(max=500)])
    witness = StringField(_l("Witness"), validators=[DataRequired(), Length(max=200)])
    destroyed_on = DateField(_l("Destroyed on"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
