"""Pages of the sessions area: the agenda, a session with its participants, new and edit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
from flask_babel import format_time, to_user_timezone, to_utc
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload, subqueryload
from sqlalchemy.orm.interfaces import LoaderOption
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.clients import operations as client_operations
from clinic_consent.clients.forms import RELATION_LABELS, RepresentativeForm, choices
from clinic_consent.clients.models import Client
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import StatusChip, participant_name
from clinic_consent.sessions import operations
from clinic_consent.sessions.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    ClientParticipantForm,
    OtherParticipantForm,
    SessionEditForm,
    SessionForm,
    StaffParticipantForm,
)
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import CLINICAL_ROLES, User
from clinic_consent.web.form_errors import show_refusal
from clinic_consent.web.paging import page_of

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

INVALID = 422  # a form that did not validate, or an operation that refused: nothing changed

# What lists of sessions show (the agenda, a client's page): names, the group, and each
# recording with its stored verdict and the access list that says whether the reader may open
# it; a few queries for a page of sessions, not a few per row.
SESSION_LOADING: tuple[LoaderOption, ...] = (
    joinedload(TreatmentSession.group_treatment),
    selectinload(TreatmentSession.participants).options(
        joinedload(SessionParticipant.client), joinedload(SessionParticipant.user)
    ),
    selectinload(TreatmentSession.recordings).selectinload(Recording.access_entries),
)
# The session's own page also shows every participant's representatives.
SESSION_PAGE_LOADING: tuple[LoaderOption, ...] = (
    joinedload(TreatmentSession.group_treatment),
    selectinload(TreatmentSession.participants).options(
        # By the session, not by lists of ids: one query each for a group of any size.
        joinedload(SessionParticipant.client).subqueryload(Client.representatives),
        joinedload(SessionParticipant.user),
        subqueryload(SessionParticipant.representatives),
    ),
    selectinload(TreatmentSession.recordings).selectinload(Recording.access_entries),
)


# --- helpers the other people pages share ----------------------------------------------------


@bp.app_template_global()
def page_link(endpoint: str, fallback: str, **values: Any) -> str:
    """A link to another area's page by endpoint, or its agreed path while it is not built."""
    if endpoint in current_app.view_functions:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            pass
    return fallback


@bp.app_template_filter("time_of_day")
def time_of_day(value: datetime | None) -> str:
    return str(format_time(value, "short")) if value is not None else ""


def local_start(on: date, at: time | None) -> datetime | None:
    """A start time typed in the practice's time zone, as an aware UTC timestamp."""
    if at is None:
        return None
    return to_utc(datetime.combine(on, at)).replace(tzinfo=UTC)  # type: ignore[no-any-return]


def local_time(value: datetime | None) -> time | None:
    return to_user_timezone(value).time().replace(tzinfo=None) if value is not None else None


def visible_clients(who: User) -> Sequence[Client]:
    return db.session.scalars(
        select(Client)
        .where(access.clients_visible_to(who), Client.erased_at.is_(None))
        .order_by(Client.family_name, Client.given_name, Client.id)
    ).all()


def client_choices(who: User) -> list[Any]:
    return choices(
        (c.id, f"{c.family_name}, {c.given_name} ({c.birth_date.isoformat()})")
        for c in visible_clients(who)
    )


def clinician_choices(users: Iterable[User]) -> list[Any]:
    return choices((u.id, u.display_name) for u in users)


def active_clinicians(exclude: Iterable[int] = ()) -> Sequence[User]:
    skip = set(exclude)
    users = db.session.scalars(
        select(User)
        .where(User.role.in_(CLINICAL_ROLES), User.is_active.is_(True))
        .order_by(User.display_name, User.id)
    ).all()
    return [u for u in users if u.id not in skip]


def status_for(method: str) -> int:
    return INVALID if method == "POST" else 200


@dataclass(frozen=True)
class RecordingRow:
    recording: Recording
    verdict: StatusChip


def recording_rows(sessions: Iterable[TreatmentSession]) -> list[RecordingRow]:
    """The sessions' recordings with their verdict as a list shows it (the stored one)."""
    return [RecordingRow(r, StatusChip.of(r)) for s in sessions for r in s.recordings]


# --- the agenda ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaRow:
    session: TreatmentSession
    participants: list[str]
    recordings: list[RecordingRow]


def _week_of() -> date:
    try:
        return date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return today_utc()


AGENDA_ROWS = 25  # sessions a page of the week (the practice manager's week has hundreds)


def _agenda_rows(sessions: Iterable[TreatmentSession]) -> list[AgendaRow]:
    return [
        AgendaRow(s, [participant_name(p) for p in s.participants], recording_rows([s]))
        for s in sessions
    ]


def _in_agenda_order(statement: Select[Any]) -> Select[Any]:
    return statement.options(*SESSION_LOADING).order_by(
        TreatmentSession.date,
        TreatmentSession.starts_at.is_(None),
        TreatmentSession.starts_at,
        TreatmentSession.id,
    )


@bp.get("/agenda")
def agenda() -> str:
    who = access.require_clinical_reader()
    today = today_utc()
    week_of = _week_of()
    monday = week_of - timedelta(days=week_of.weekday())
    sunday = monday + timedelta(days=6)
    visible = select(TreatmentSession).where(access.sessions_visible_to(who))
    week = page_of(
        _in_agenda_order(visible.where(TreatmentSession.date.between(monday, sunday))),
        AGENDA_ROWS,
    )
    # Today's sessions first, for the clinician between two clients (a page of them, in a
    # query of their own whatever the week holds); the practice manager reads the week's pages.
    today_sessions: Sequence[TreatmentSession] = []
    if who.is_clinician and monday <= today <= sunday:
        today_sessions = db.session.scalars(
            _in_agenda_order(visible.where(TreatmentSession.date == today)).limit(AGENDA_ROWS)
        ).all()
    note_access("treatment_sessions.list", object_type="treatment_sessions", object_id=None)
    return render_template(
        "sessions/agenda.html",
        today=today,
        monday=monday,
        sunday=sunday,
        today_rows=_agenda_rows(today_sessions),
        rows=_agenda_rows(week.items),
        week=week,
        week_of=monday,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        kinds=KIND_LABELS,
        can_edit=who.is_clinician,
    )


# --- a new individual session, and editing one -----------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    who = access.require_clinician()
    form = SessionForm(date=today_utc())
    form.client.choices = client_choices(who)
    if form.validate_on_submit():
        client = access.load_client(form.client.data)
        try:
            session = operations.create_session(
                kind="individual",
                on=form.date.data,
                title=form.title.data,
                starts_at=local_start(form.date.data, form.starts_at.data),
                actor=who,
            )
            operations.add_staff_participant(session, who, actor=who)
            operations.add_client_participant(session, client, actor=who)
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The session has been created."), "info")
            return _to_session(session)
    return render_template("sessions/new.html", form=form), status_for(request.method)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int) -> Response | tuple[str, int]:
    session = access.load_session(session_id)
    who = access.require_clinician()
    form = SessionEditForm(
        date=session.date, title=session.title, starts_at=local_time(session.starts_at)
    )
    if form.validate_on_submit():
        try:
            operations.update_session(
                session,
                on=form.date.data,
                title=form.title.data,
                starts_at=local_start(form.date.data, form.starts_at.data),
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The session has been changed."), "info")
            return _to_session(session)
    return render_template("sessions/edit.html", form=form, session=session), status_for(
        request.method
    )


def _to_session(session: TreatmentSession) -> Response:
    return redirect(url_for("sessions.show", session_id=session.id), code=303)


# --- one session and its participants --------------------------------------------------------


@bp.get("/<int:session_id>")
def show(session_id: int) -> tuple[str, int]:
    return _render_show(access.load_session(session_id, options=SESSION_PAGE_LOADING))


def _render_show(
    session: TreatmentSession,
    status: int = 200,
    *,
    failed: Any = None,
    failed_participant: int | None = None,
) -> tuple[str, int]:
    """The session page; ``failed`` is a form that was refused, shown with its errors."""
    who = access.user()
    forms: dict[str, Any] = {}
    rep_forms: dict[int, Any] = {}
    if who.is_clinician:
        forms = {
            "client": ClientParticipantForm(formdata=None),
            "staff": StaffParticipantForm(formdata=None),
            "other": OtherParticipantForm(formdata=None),
        }
        forms["client"].client.choices = client_choices(who)
        forms["staff"].user.choices = clinician_choices(active_clinicians())
        forms = {key: failed if type(failed) is type(f) else f for key, f in forms.items()}
        rep_forms = {
            p.id: failed if failed_participant == p.id else representative_form(p.id, None)
            for p in session.participants
            if p.role == "other"
        }
    return render_template(
        "sessions/show.html",
        session=session,
        participants=session.participants,
        recordings=recording_rows([session]),
        forms=forms,
        rep_forms=rep_forms,
        can_edit=who.is_clinician,
        kinds=KIND_LABELS,
        roles=ROLE_LABELS,
        relations=RELATION_LABELS,
        participant_name=participant_name,
    ), status


def representative_form(participant_id: int, formdata: Any = False) -> RepresentativeForm:
    """One form per companion on the page: the prefix keeps their fields apart."""
    if formdata is False:
        return RepresentativeForm(prefix=f"rep{participant_id}")
    return RepresentativeForm(formdata=formdata, prefix=f"rep{participant_id}")


def _participant_post(session_id: int) -> tuple[User, TreatmentSession]:
    """The session of a change (404 if unseen), then the role (403 for the reader)."""
    session = access.load_session(session_id)
    return access.require_clinician(), session


@bp.post("/<int:session_id>/participants/client")
def add_client(session_id: int) -> Response | tuple[str, int]:
    who, session = _participant_post(session_id)
    form = ClientParticipantForm()
    form.client.choices = client_choices(who)
    if form.validate():
        try:
            operations.add_client_participant(
                session, access.load_client(form.client.data), actor=who
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The client has been added to the session."), "info")
            return _to_session(session)
    return _render_show(session, INVALID, failed=form)


@bp.post("/<int:session_id>/participants/staff")
def add_staff(session_id: int) -> Response | tuple[str, int]:
    who, session = _participant_post(session_id)
    form = StaffParticipantForm()
    clinicians = {u.id: u for u in active_clinicians()}
    form.user.choices = clinician_choices(clinicians.values())
    if form.validate():
        try:
            operations.add_staff_participant(session, clinicians[form.user.data], actor=who)
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The staff member has been added to the session."), "info")
            return _to_session(session)
    return _render_show(session, INVALID, failed=form)


@bp.post("/<int:session_id>/participants/other")
def add_other(session_id: int) -> Response | tuple[str, int]:
    who, session = _participant_post(session_id)
    form = OtherParticipantForm()
    if form.validate():
        try:
            operations.add_other_participant(
                session,
                name=form.name.data,
                relation=form.relation.data,
                birth_date=form.birth_date.data,
                has_capacity=form.has_capacity.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The companion has been added to the session."), "info")
            return _to_session(session)
    return _render_show(session, INVALID, failed=form)


@bp.post("/<int:session_id>/participants/<int:participant_id>/representatives")
def add_representative(session_id: int, participant_id: int) -> Response | tuple[str, int]:
    session = access.load_session(session_id)
    participant = access.load_participant(participant_id)
    if participant.session_id != session.id:
        abort(404)
    who = access.require_clinician()
    form = representative_form(participant.id)
    if form.validate():
        try:
            client_operations.add_representative(
                participant,
                name=form.name.data,
                relation=form.relation.data,
                contact=form.contact.data,
                has_authority=form.has_authority.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The representative has been registered."), "info")
            return _to_session(session)
    return _render_show(session, INVALID, failed=form, failed_participant=participant.id)
