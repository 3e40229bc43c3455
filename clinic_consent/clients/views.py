"""Pages of the clients area: the list, a client with representatives, capacity and consents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.clients import operations
from clinic_consent.clients.forms import (
    RELATION_LABELS,
    SCOPE_LABELS,
    CapacityForm,
    ClientForm,
    RepresentativeForm,
)
from clinic_consent.clients.models import Client, Representative
from clinic_consent.consents.models import Consent
from clinic_consent.domain.rules import age_on
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.i18n import LANGUAGE_NAMES
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import participant_name
from clinic_consent.sessions.forms import KIND_LABELS
from clinic_consent.sessions.models import SessionParticipant, TreatmentSession
from clinic_consent.sessions.views import SESSION_LOADING, recording_rows, status_for
from clinic_consent.timeutil import today_utc
from clinic_consent.web.form_errors import show_refusal
from clinic_consent.web.paging import Page, page_of

bp = Blueprint("clients", __name__, url_prefix="/clients")

INVALID = 422
MAX_QUERY = 200
CLIENTS_PER_PAGE = 50
SESSIONS_PER_PAGE = 10
METHOD_LABELS = {
    "drawn_signature": _l("drawn signature"),
    "paper_form": _l("signed paper form"),
    "verbal_witness": _l("verbal, with witness"),
}


def _age(client: Client) -> int:
    return age_on(client.birth_date, today_utc())


def _capacity(client: Client) -> str:
    judgement = client.current_recording_capacity()
    if judgement is None:
        return str(_("Not judged (assumed)"))
    return str(_("Has capacity") if judgement.has_capacity else _("Lacks capacity"))


def _to_client(client: Client) -> Response:
    return redirect(url_for("clients.show", client_id=client.id), code=303)


# --- the list --------------------------------------------------------------------------------


def _name_matches(query: str) -> Any:
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = Client.given_name + " " + Client.family_name
    return or_(
        Client.given_name.ilike(pattern, escape="\\"),
        Client.family_name.ilike(pattern, escape="\\"),
        full_name.ilike(pattern, escape="\\"),
    )


@bp.get("/")
def index() -> str:
    who = access.require_clinical_reader()
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    statement = access.visible_clients(who)
    if query:
        statement = statement.where(_name_matches(query))
    clients = page_of(statement, CLIENTS_PER_PAGE)
    note_access("clients.list", object_type="clients", object_id=None)
    today = today_utc()
    return render_template(
        "clients/index.html",
        clients=clients,
        query=query,
        today=today,
        age=_age,
        capacity=_capacity,
        languages=LANGUAGE_NAMES,
        can_edit=who.is_clinician,
    )


# --- registering and correcting a client -----------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    who = access.require_clinician()
    form = ClientForm()
    if form.validate_on_submit():
        try:
            client = operations.create_client(
                given_name=form.given_name.data,
                family_name=form.family_name.data,
                birth_date=form.birth_date.data,
                language=form.language.data,
                external_ref=form.external_ref.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The client has been registered."), "info")
            return _to_client(client)
    return render_template("clients/form.html", form=form, client=None), status_for(request.method)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
def edit(client_id: int) -> Response | tuple[str, int]:
    client = access.load_client(client_id)
    who = access.require_clinician()
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        try:
            operations.update_client(
                client,
                given_name=form.given_name.data,
                family_name=form.family_name.data,
                birth_date=form.birth_date.data,
                language=form.language.data,
                external_ref=form.external_ref.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The client's data have been saved."), "info")
            return _to_client(client)
    return render_template("clients/form.html", form=form, client=client), status_for(
        request.method
    )


# --- one client ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    party: str
    by_representative: bool


def _sessions_of(client: Client) -> Page[TreatmentSession]:
    """A page of the client's sessions that the signed-in user may see (and open), newest
    first."""
    statement = (
        select(TreatmentSession)
        .where(
            TreatmentSession.id.in_(
                select(SessionParticipant.session_id).where(
                    SessionParticipant.client_id == client.id
                )
            ),
            access.sessions_visible_to(access.user()),
        )
        .options(*SESSION_LOADING)
        .order_by(TreatmentSession.date.desc(), TreatmentSession.id.desc())
    )
    return page_of(statement, SESSIONS_PER_PAGE)


def _consents_of(client: Client, sessions: Sequence[TreatmentSession]) -> list[ConsentRow]:
    """Every decision about the client or by one of their representatives, in those sessions."""
    for_participant = select(SessionParticipant.id).where(SessionParticipant.client_id == client.id)
    by_representative = select(Representative.id).where(Representative.client_id == client.id)
    consents = db.session.scalars(
        select(Consent)
        .join(Recording, Consent.recording_id == Recording.id)
        .where(
            Recording.session_id.in_([s.id for s in sessions]),
            or_(
                Consent.for_participant_id.in_(for_participant),
                Consent.party_representative_id.in_(by_representative),
            ),
        )
        .options(
            selectinload(Consent.party_representative),
            selectinload(Consent.party_participant).selectinload(SessionParticipant.client),
        )
        .order_by(Consent.decided_at.desc(), Consent.id.desc())
    ).all()
    rows = []
    for consent in consents:
        if consent.party_representative is not None:
            rows.append(ConsentRow(consent, consent.party_representative.name, True))
        else:
            assert consent.party_participant is not None
            rows.append(ConsentRow(consent, participant_name(consent.party_participant), False))
    return rows


def _render_show(
    client: Client,
    status: int = 200,
    *,
    representative_form: Any = None,
    capacity_form: Any = None,
    end_error: str | None = None,
) -> tuple[str, int]:
    who = access.user()
    sessions = _sessions_of(client)
    return render_template(
        "clients/show.html",
        client=client,
        age=_age(client),
        capacity=_capacity(client),
        today=today_utc(),
        sessions=sessions.items,
        session_page=sessions,
        recordings=recording_rows(sessions.items),
        consents=_consents_of(client, sessions.items),
        representative_form=representative_form or RepresentativeForm(formdata=None),
        capacity_form=capacity_form or CapacityForm(formdata=None),
        end_error=end_error,
        can_edit=who.is_clinician,
        languages=LANGUAGE_NAMES,
        relations=RELATION_LABELS,
        scopes=SCOPE_LABELS,
        methods=METHOD_LABELS,
        kinds=KIND_LABELS,
    ), status


@bp.get("/<int:client_id>")
def show(client_id: int) -> tuple[str, int]:
    return _render_show(access.load_client(client_id))


@bp.post("/<int:client_id>/representatives")
def add_representative(client_id: int) -> Response | tuple[str, int]:
    client = access.load_client(client_id)
    who = access.require_clinician()
    form = RepresentativeForm()
    if form.validate():
        try:
            operations.add_representative(
                client,
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
            return _to_client(client)
    return _render_show(client, INVALID, representative_form=form)


@bp.post("/<int:client_id>/representatives/<int:representative_id>/end")
def end_representative(client_id: int, representative_id: int) -> Response | tuple[str, int]:
    client = access.load_client(client_id)
    representative = access.load_representative(representative_id)
    if representative.client_id != client.id:
        abort(404)
    who = access.require_clinician()
    try:
        operations.end_representation(representative, actor=who)
    except OperationError as error:
        return _render_show(client, INVALID, end_error=error.message)
    flash(_("The representation has been ended."), "info")
    return _to_client(client)


@bp.post("/<int:client_id>/capacity")
def record_capacity(client_id: int) -> Response | tuple[str, int]:
    client = access.load_client(client_id)
    who = access.require_clinician()
    form = CapacityForm()
    if form.validate():
        try:
            operations.record_capacity_judgement(
                client,
                has_capacity=form.has_capacity.data == "yes",
                decision=form.decision.data,
                decision_scope=form.decision_scope.data,
                note=form.note.data,
                judged_by=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The capacity judgement has been recorded."), "info")
            return _to_client(client)
    return _render_show(client, INVALID, capacity_form=form)
