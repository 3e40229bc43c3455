"""R9: publication incidents, their removal request, outcome and escalation.

An incident is seen by whoever may see its recording (access.load_recording: 404 otherwise);
clinicians register it and its steps, the practice manager reads (403 on a change).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from clinic_consent import access
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.recordings.incidents import (
    NEXT_STEPS,
    StepInput,
    add_incident_step,
    register_incident,
)
from clinic_consent.recordings.models import PublicationIncident, Recording
from clinic_consent.recordings.presentation import participant_name
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("incidents", __name__)

Page = Response | tuple[str, int]

STATUS_LABELS = {
    "open": _l("Open: removal not asked yet"),
    "removal_requested": _l("Removal requested"),
    "removed": _l("Removed"),
    "removal_refused": _l("Removal refused"),
    "court": _l("Civil court considered"),
    "closed": _l("Closed"),
}
STEP_LABELS = {
    "removal_requested": _l("Removal requested"),
    "removed": _l("Outcome: the recording was removed"),
    "removal_refused": _l("Outcome: removal was refused"),
    "court": _l("Escalated: going to the civil court is considered"),
    "closed": _l("Closed"),
}
COURT_NOTE = _l(
    "Publication alone is not a valid ground to end the treatment agreement (R9); the civil "
    "court can order the removal."
)


class IncidentForm(FlaskForm):  # type: ignore[misc]
    discovered_on = DateField(_l("Discovered on"), validators=[DataRequired()])
    description = TextAreaField(
        _l("What was published, and where"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Optional. Kept with the incident only, never in the audit log."),
    )


class StepForm(FlaskForm):  # type: ignore[misc]
    step = SelectField(_l("Step"), validators=[DataRequired()])
    on = DateField(_l("On"), validators=[Optional()])
    by_whom = StringField(_l("Asked by"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


def _fill_steps(form: StepForm, incident: PublicationIncident) -> None:
    form.step.choices = [
        SelectChoice(step, STEP_LABELS[step]) for step in NEXT_STEPS.get(incident.status, ())
    ]


@bp.app_template_global()
def incidents_of(recording_id: int) -> list[PublicationIncident]:
    """The incidents of a recording, for its page (which has already checked access)."""
    return list(
        db.session.scalars(
            select(PublicationIncident)
            .where(PublicationIncident.recording_id == recording_id)
            .order_by(PublicationIncident.discovered_on, PublicationIncident.id)
        )
    )


@bp.app_template_global()
def incident_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _load_incident(incident_id: int) -> tuple[PublicationIncident, Recording]:
    incident = db.session.get(PublicationIncident, incident_id)
    if incident is None or incident.recording_id is None:
        access.require_clinical_reader()
        abort(404)
    return incident, access.load_recording(incident.recording_id)


@bp.route("/recordings/<int:recording_id>/incidents/new", methods=["GET", "POST"])
def new(recording_id: int) -> Page:
    recording = access.load_recording(recording_id)
    who = access.require_clinician()
    form = IncidentForm()
    if not form.is_submitted():
        form.discovered_on.data = today_utc()
        return _new_page(recording, form, 200)
    if form.validate():
        try:
            incident = register_incident(
                recording,
                discovered_on=form.discovered_on.data,
                description=form.description.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The publication incident is registered."), "info")
            return redirect(url_for("incidents.show", incident_id=incident.id), 303)
    return _new_page(recording, form, 422)


def _new_page(recording: Recording, form: IncidentForm, status: int) -> tuple[str, int]:
    return render_template(
        "incidents/new.html",
        recording=recording,
        form=form,
        recorder=participant_name(recording.recorder),
    ), status


def _show_page(
    incident: PublicationIncident, recording: Recording, form: StepForm | None, status: int
) -> tuple[str, int]:
    if form is None:
        form = StepForm(formdata=None)
    _fill_steps(form, incident)
    by_ids = {s.by_id for s in incident.steps} | {incident.created_by_id}
    names = {
        u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(by_ids)))
    }
    return render_template(
        "incidents/show.html",
        incident=incident,
        recording=recording,
        recorder=participant_name(recording.recorder),
        form=form,
        names=names,
        can_change=access.user().is_clinician,
        STEP_LABELS=STEP_LABELS,
        COURT_NOTE=COURT_NOTE,
    ), status


@bp.get("/incidents/<int:incident_id>")
def show(incident_id: int) -> Page:
    incident, recording = _load_incident(incident_id)
    return _show_page(incident, recording, None, 200)


@bp.post("/incidents/<int:incident_id>/steps")
def add_step(incident_id: int) -> Page:
    incident, recording = _load_incident(incident_id)
    who = access.require_clinician()
    form = StepForm()
    _fill_steps(form, incident)
    if form.validate():
        try:
            add_incident_step(
                incident,
                StepInput(
                    step=form.step.data,
                    on=form.on.data,
                    by_whom=form.by_whom.data,
                    note=form.note.data,
                ),
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The step is registered."), "info")
            return redirect(url_for("incidents.show", incident_id=incident.id), 303)
    return _show_page(incident, recording, form, 422)
