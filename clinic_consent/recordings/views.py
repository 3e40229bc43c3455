"""Pages of the recordings area: plan a recording with a live verdict, its page with consents,
access list and destruction, changing its terms, and the waiting-room notice (R10).

Views load (access.load_*: 404 for what the user may not see; a recording's own pages use
access.load_recording_details, open only to the people on its access list, see access.py),
then check the role (the practice manager reads but changes nothing: 403), validate the form
and call an operation; the verdict comes only from presentation.verdict_view. The preview
builds an unsaved draft and writes nothing but the access log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from clinic_consent import access
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.operations import consent_documents
from clinic_consent.practice.operations import stored_text
from clinic_consent.recordings import operations as ops
from clinic_consent.recordings.facts import verdict_loading
from clinic_consent.recordings.forms import (
    MADE_BY_LABELS,
    MEDIUM_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    ROLE_LABELS,
    SCOPE_LABELS,
    AccessGrantForm,
    ConfirmForm,
    DestroyForm,
    EditRecordingForm,
    PlanRecordingForm,
    RecordingTermsForm,
    choices,
)
from clinic_consent.recordings.models import Recording, RetentionClass
from clinic_consent.recordings.presentation import (
    DECISION_LABELS,
    outdated_consent_ids,
    participant_name,
    verdict_view,
)
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import CLINICAL_ROLES, User
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("recordings", __name__, url_prefix="/recordings")


@bp.app_template_global()
def may_open_recording(recording: Recording) -> bool:
    """Lists link a recording's page only for those who may open it; others get its consents.
    Lists show only sessions the reader may see."""
    return access.may_see_recording_details(access.user(), recording, session_visible=True)


Page = str | tuple[str, int] | Response


# --- links to pages other areas build (the literal path while they do not exist yet) -------


def _link(endpoint: str, fallback: str, **values: Any) -> str:
    if endpoint in current_app.view_functions:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            pass
    return fallback


@bp.app_template_global()
def consent_capture_url(recording_id: int, party_key: str, for_key: str) -> str:
    return _link(
        "consents.capture",
        f"/recordings/{recording_id}/consent/{party_key}/{for_key}",
        recording_id=recording_id,
        party_key=party_key,
        for_key=for_key,
    )


@bp.app_template_global()
def consent_withdraw_url(consent_id: int) -> str:
    return _link("consents.withdraw", f"/consents/{consent_id}/withdraw", consent_id=consent_id)


# --- choices filled from the database -------------------------------------------------------


def _retention_choices() -> list[SelectChoice]:
    classes = db.session.scalars(
        select(RetentionClass).where(RetentionClass.active).order_by(RetentionClass.name)
    )
    labels = {
        c.id: _("%(name)s — %(basis)s", name=stored_text(c.name), basis=stored_text(c.basis))
        for c in classes
    }
    return choices(labels, _("— none: give a date —"))


def _clinicians() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.is_active, User.role.in_(CLINICAL_ROLES))
            .order_by(User.display_name)
        )
    )


def _participant_label(p: SessionParticipant) -> str:
    roles = {"client": _("client"), "staff": _("staff"), "other": _("other")}
    return str(_("%(name)s (%(role)s)", name=participant_name(p), role=roles[p.role]))


def _fill_terms_choices(form: RecordingTermsForm) -> None:
    form.retention_class.choices = _retention_choices()


def _fill_plan_choices(form: PlanRecordingForm, session: TreatmentSession) -> None:
    _fill_terms_choices(form)
    form.recorder.choices = [  # data-role lets the page pick a recorder who fits made_by
        SelectChoice(p.id, _participant_label(p), render_kw={"data-role": p.role})
        for p in session.participants
    ]
    form.access_users.choices = choices({u.id: u.display_name for u in _clinicians()})


def _fill_grant_choices(form: AccessGrantForm) -> None:
    form.user.choices = choices({u.id: u.display_name for u in _clinicians()}, _("— none —"))


# --- the live verdict -----------------------------------------------------------------------


def _labelled(field: Any, message: str) -> str:
    if field is None:
        return message
    return str(_("%(field)s: %(message)s", field=field.label.text, message=message))


def _form_problems(form: Any) -> list[str]:
    problems = []
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        problems += [_labelled(field, str(e)) for e in errors]
    return problems


def _problem(form: Any, error: OperationError, fields: dict[str, str] | None = None) -> str:
    name = (fields or {}).get(error.field or "", error.field)
    field = form._fields.get(name) if name else None
    return _labelled(field, str(error.message))


def _panel(build: Callable[[], Any], form: Any, fields: dict[str, str] | None = None) -> str:
    """The preview partial: the verdict of the draft ``build`` returns, or what is wrong."""
    if not form.validate():
        return render_template("recordings/_preview.html", problems=_form_problems(form))
    try:
        view = verdict_view(build())
    except OperationError as error:
        problems = [_problem(form, error, fields)]
        return render_template("recordings/_preview.html", problems=problems)
    return render_template("recordings/_preview.html", view=view)


def _session_id() -> int:
    raw = request.values.get("session_id", "")
    if not raw.isdigit():
        abort(404)
    return int(raw)


@bp.post("/preview")
def preview() -> str:
    """The verdict the form would give, as HTML for the panel; stores nothing."""
    kind = request.form.get("form_name", "plan")
    if kind == "plan":
        session = access.load_session(_session_id())
        access.require_clinician()
        plan_form = PlanRecordingForm()
        _fill_plan_choices(plan_form, session)

        def plan_draft() -> ops.RecordingDraft:
            access_list = plan_form.access_grants(session)
            return ops.draft_recording(session, plan_form.plan(session), access_list)

        return _panel(plan_draft, plan_form)
    recording_id = request.form.get("recording_id", "")
    if kind not in ("terms", "access") or not recording_id.isdigit():
        access.require_clinician()
        return render_template("recordings/_preview.html", problems=[_("Unknown form.")])
    recording = access.load_recording_details(int(recording_id))
    access.require_clinician()
    if kind == "terms":
        terms_form = RecordingTermsForm()
        _fill_terms_choices(terms_form)
        return _panel(
            lambda: ops.draft_of(recording, terms_form.terms(recording.made_by)), terms_form
        )
    grant_form = AccessGrantForm()
    _fill_grant_choices(grant_form)

    def access_draft() -> ops.RecordingDraft:
        values = grant_form.grant_values()
        if not (values["user"] or values["role"] or (values["outside_name"] or "").strip()):
            return ops.draft_of(recording)  # nothing named yet: the verdict as it stands
        grant = ops.check_access_grant(recording.session.date, **values)
        return ops.draft_of(recording, extra_access=[grant])

    return _panel(access_draft, grant_form, {"grantee": "user"})


# --- planning -------------------------------------------------------------------------------


def _default_plan(form: PlanRecordingForm, session: TreatmentSession, who: User) -> None:
    """Most plans are the clinician's own recording; ?made_by=client starts a client's."""
    mine = next((p for p in session.participants if p.user_id == who.id), None)
    made_by = request.args.get("made_by")
    form.made_by.data = made_by if made_by in MADE_BY_LABELS else "clinician"
    wanted = "staff" if form.made_by.data == "clinician" else "client"
    if mine is not None and wanted == "staff":
        form.recorder.data = mine.id
    else:
        first = next((p for p in session.participants if p.role == wanted), None)
        form.recorder.data = first.id if first is not None else None


@bp.route("/new", methods=["GET", "POST"])
def new() -> Page:
    session = access.load_session(_session_id())
    who = access.require_clinician()
    form = PlanRecordingForm()
    _fill_plan_choices(form, session)
    if request.method == "GET":
        _default_plan(form, session, who)
        form.session_id.data = session.id
    elif form.validate_on_submit():
        try:
            plan = form.plan(session)
            grants = form.access_grants(session)
            recording = ops.plan_recording(session, plan, actor=who, access=grants)
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The recording has been planned."), "info")
            return redirect(url_for("recordings.show", recording_id=recording.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "recordings/new.html",
        form=form,
        session=session,
        view=_initial_view(form, session) if status == 200 else None,
        **_labels(),
    ), status


def _initial_view(form: PlanRecordingForm, session: TreatmentSession) -> Any:
    """The verdict of the form's defaults, so the panel is not empty before the first change."""
    try:
        return verdict_view(ops.draft_recording(session, form.plan(session)))
    except OperationError:
        return None


# --- a recording's page ---------------------------------------------------------------------


def _user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name for u in users}


def _labels() -> dict[str, Any]:
    return {
        "MADE_BY_LABELS": MADE_BY_LABELS,
        "MEDIUM_LABELS": MEDIUM_LABELS,
        "SCOPE_LABELS": SCOPE_LABELS,
        "PURPOSE_LABELS": PURPOSE_LABELS,
        "ROLE_LABELS": ROLE_LABELS,
        "METHOD_LABELS": METHOD_LABELS,
        "DECISION_LABELS": DECISION_LABELS,
        "stored_text": stored_text,
    }


def _render_show(
    recording: Recording,
    *,
    grant_form: AccessGrantForm | None = None,
    destroy_form: DestroyForm | None = None,
    problem: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    who = access.user()
    if grant_form is None:
        grant_form = AccessGrantForm(formdata=None)
    _fill_grant_choices(grant_form)
    grant_form.recording_id.data = recording.id
    names = _user_names(
        [
            recording.created_by_id,
            recording.destroyed_by_id,
            *(c.registered_by_id for c in recording.consents),
            *(c.withdrawal_registered_by_id for c in recording.consents),
            *(e.granted_by_id for e in recording.access_entries),
            *(e.revoked_by_id for e in recording.access_entries),
        ]
    )
    session = recording.session
    page = render_template(
        "recordings/show.html",
        recording=recording,
        session=session,
        session_url=_link("sessions.show", f"/sessions/{session.id}", session_id=session.id),
        roster_url=_link(
            "consents.roster", f"/recordings/{recording.id}/roster", recording_id=recording.id
        ),
        view=verdict_view(recording),
        can_change=who.is_clinician,
        capture_links=who.is_clinician,
        names=names,
        outdated=outdated_consent_ids(recording),
        forms=consent_documents(recording.id),
        participant_name=participant_name,
        overdue=(
            recording.status != "destroyed"
            and recording.retention_until is not None
            and recording.retention_until < today_utc()
        ),
        grant_form=grant_form,
        destroy_form=destroy_form or DestroyForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        problem=problem,
        **_labels(),
    )
    return page, status


@bp.get("/<int:recording_id>")
def show(recording_id: int) -> Page:
    recording = access.load_recording_details(recording_id, options=verdict_loading())
    return _render_show(recording)


@bp.post("/<int:recording_id>/access")
def grant_access(recording_id: int) -> Page:
    recording = access.load_recording_details(recording_id)
    who = access.require_clinician()
    form = AccessGrantForm()
    _fill_grant_choices(form)
    if form.validate_on_submit():
        try:
            ops.grant_access(recording, actor=who, **form.grant_values())
        except OperationError as error:
            show_refusal(form, error, {"grantee": "user"})
        else:
            flash(_("Access granted."), "info")
            return redirect(url_for("recordings.show", recording_id=recording.id))
    return _render_show(recording, grant_form=form, status=422)


@bp.post("/<int:recording_id>/access/<int:entry_id>/revoke")
def revoke_access(recording_id: int, entry_id: int) -> Page:
    recording = access.load_recording_details(recording_id)
    # One load, one access-log entry: the entry is looked up on the list just opened.
    entry = next((e for e in recording.access_entries if e.id == entry_id), None)
    if entry is None:
        abort(404)
    who = access.require_clinician()
    if ConfirmForm().validate_on_submit():
        try:
            ops.revoke_access(entry, actor=who)
        except OperationError as error:
            return _render_show(recording, problem=error.message, status=422)
        flash(_("Access revoked."), "info")
        return redirect(url_for("recordings.show", recording_id=recording.id))
    return _render_show(recording, status=422)


@bp.post("/<int:recording_id>/made")
def mark_made(recording_id: int) -> Page:
    recording = access.load_recording_details(recording_id)
    who = access.require_clinician()
    if ConfirmForm().validate_on_submit():
        try:
            ops.mark_recording_made(recording, actor=who)
        except OperationError as error:
            return _render_show(recording, problem=error.message, status=422)
        flash(_("The recording is registered as made."), "info")
        return redirect(url_for("recordings.show", recording_id=recording.id))
    return _render_show(recording, status=422)


def _destroyed_at(on: date | None) -> datetime | None:
    """The day the form names, at noon UTC; today (or no date) is the moment of registering."""
    if on is None or on == today_utc():
        return None
    return datetime.combine(on, time(12, 0), tzinfo=UTC)


@bp.post("/<int:recording_id>/destroy")
def destroy(recording_id: int) -> Page:
    recording = access.load_recording_details(recording_id)
    who = access.require_clinician()
    form = DestroyForm()
    if form.validate_on_submit():
        try:
            ops.register_destruction(
                recording,
                actor=who,
                method=form.method.data,
                witness=form.witness.data,
                at=_destroyed_at(form.destroyed_on.data),
            )
        except OperationError as error:
            if error.field is None:  # e.g. already destroyed: the form is no longer shown
                return _render_show(recording, problem=error.message, status=422)
            show_refusal(form, error)
        else:
            flash(_("The destruction of the recording is registered."), "info")
            return redirect(url_for("recordings.show", recording_id=recording.id))
    return _render_show(recording, destroy_form=form, status=422)


# --- changing the terms ---------------------------------------------------------------------


def _edit_form_from(recording: Recording) -> EditRecordingForm:
    form = EditRecordingForm(formdata=None, obj=recording)
    form.retention_class.data = recording.retention_class_id
    form.purpose.data = recording.purpose if recording.made_by == "clinician" else ""
    return form


@bp.route("/<int:recording_id>/edit", methods=["GET", "POST"])
def edit(recording_id: int) -> Page:
    recording = access.load_recording_details(recording_id)
    who = access.require_clinician()
    if request.method == "GET" and recording.status != "planned":
        flash(_("Only the terms of a planned recording can change."), "error")
        return redirect(url_for("recordings.show", recording_id=recording.id))
    form = EditRecordingForm() if request.method == "POST" else _edit_form_from(recording)
    _fill_terms_choices(form)
    if form.validate_on_submit():
        try:
            changed = ops.update_recording_terms(
                recording,
                form.terms(recording.made_by),
                expected_version=form.version.data,
                actor=who,
            )
        except OperationError as error:
            if form.version.data != recording.version:
                # Changed meanwhile: show the terms as they are now, to redo the change on.
                form = _edit_form_from(recording)
                _fill_terms_choices(form)
            show_refusal(form, error)
        else:
            if changed:
                flash(_("The terms have been changed."), "info")
            return redirect(url_for("recordings.show", recording_id=recording.id))
    if not form.version.data:
        form.version.data = recording.version
    form.recording_id.data = recording.id
    status = 422 if request.method == "POST" else 200
    return render_template(
        "recordings/edit.html",
        form=form,
        recording=recording,
        view=verdict_view(recording),
        **_labels(),
    ), status


# --- the waiting-room notice (R10) ----------------------------------------------------------


@bp.get("/waiting-room-notice")
def waiting_room_notice() -> str:
    blocks = []
    for language in ("nl", "en"):
        with force_locale(language):
            html = render_template("recordings/_notice_text.html", language=language)
        blocks.append(Markup(html))  # noqa: S704 -- our own rendered template
    return render_template("recordings/waiting_room_notice.html", blocks=blocks)
