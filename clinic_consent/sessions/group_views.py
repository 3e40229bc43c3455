"""Pages of the groups area: the groups, a group's roster with its R10 agreement, its sessions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.domain.rules import age_on
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.sessions import operations
from clinic_consent.sessions.forms import GroupForm, GroupSessionForm, LeaveForm, MemberForm
from clinic_consent.sessions.models import GroupMembership, GroupStaff, GroupTreatment
from clinic_consent.sessions.views import (
    active_clinicians,
    client_choices,
    clinician_choices,
    local_start,
    status_for,
)
from clinic_consent.timeutil import today_utc
from clinic_consent.web.form_errors import show_refusal
from clinic_consent.web.paging import page_of

bp = Blueprint("groups", __name__, url_prefix="/groups")

INVALID = 422


GROUPS_PER_PAGE = 50


def _to_group(group: GroupTreatment) -> Response:
    return redirect(url_for("groups.show", group_id=group.id), code=303)


@bp.get("/")
def index() -> str:
    who = access.require_clinical_reader()
    groups = page_of(
        select(GroupTreatment)
        .where(access.groups_visible_to(who))
        .options(
            selectinload(GroupTreatment.members),
            selectinload(GroupTreatment.staff).selectinload(GroupStaff.user),
        )
        .order_by(GroupTreatment.start_date.desc(), GroupTreatment.id.desc()),
        GROUPS_PER_PAGE,
    )
    note_access("group_treatments.list", object_type="group_treatments", object_id=None)
    return render_template(
        "groups/index.html", groups=groups.items, page=groups, can_edit=who.is_clinician
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    who = access.require_clinician()
    others = {u.id: u for u in active_clinicians(exclude=[who.id])}
    form = GroupForm(start_date=today_utc())
    form.facilitators.choices = clinician_choices(others.values())
    if form.validate_on_submit():
        try:
            group = operations.create_group_treatment(
                name=form.name.data,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                facilitators=[who, *(others[i] for i in form.facilitators.data or [])],
                agreement_text=form.agreement_text.data,
                agreement_made_on=form.agreement_made_on.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The group has been created."), "info")
            return _to_group(group)
    return render_template("groups/new.html", form=form), status_for(request.method)


# --- one group -------------------------------------------------------------------------------


def _render_show(
    group: GroupTreatment,
    status: int = 200,
    *,
    failed: Any = None,
    failed_membership: int | None = None,
    roster_error: str | None = None,
) -> tuple[str, int]:
    who = access.user()
    today = today_utc()
    _load_members(group)
    member_form = session_form = None
    leave_forms: dict[int, Any] = {}
    if who.is_clinician:
        member_form = failed if isinstance(failed, MemberForm) else MemberForm(formdata=None)
        member_form.client.choices = client_choices(who)
        if not member_form.joined_on.data:
            member_form.joined_on.data = max(today, group.start_date)
        session_form = (
            failed if isinstance(failed, GroupSessionForm) else GroupSessionForm(formdata=None)
        )
        if not session_form.date.data:
            session_form.date.data = today
        leave_forms = {
            m.id: failed if m.id == failed_membership else _leave_form(m.id, None)
            for m in group.members
            if m.left_on is None
        }
    return render_template(
        "groups/show.html",
        group=group,
        members=group.members,
        sessions=group.sessions,
        age=lambda client: age_on(client.birth_date, today),
        member_form=member_form,
        session_form=session_form,
        leave_forms=leave_forms,
        roster_error=roster_error,
        can_edit=who.is_clinician,
    ), status


def _load_members(group: GroupTreatment) -> None:
    """The members with their clients and the sessions, in a few queries, not one a member."""
    db.session.scalars(
        select(GroupTreatment)
        .where(GroupTreatment.id == group.id)
        .options(
            selectinload(GroupTreatment.members).joinedload(GroupMembership.client),
            selectinload(GroupTreatment.sessions),
        )
    ).one()


def _leave_form(membership_id: int, formdata: Any = False) -> LeaveForm:
    """One form per member on the page: the prefix keeps their fields apart."""
    if formdata is False:
        return LeaveForm(prefix=f"member{membership_id}")
    return LeaveForm(formdata=formdata, prefix=f"member{membership_id}")


@bp.get("/<int:group_id>")
def show(group_id: int) -> tuple[str, int]:
    return _render_show(access.load_group(group_id))


def _membership(group: GroupTreatment, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.group_treatment_id != group.id:
        abort(404)
    return membership


@bp.post("/<int:group_id>/members")
def add_member(group_id: int) -> Response | tuple[str, int]:
    group = access.load_group(group_id)
    who = access.require_clinician()
    form = MemberForm()
    form.client.choices = client_choices(who)
    if form.validate():
        try:
            operations.add_group_member(
                group,
                access.load_client(form.client.data),
                joined_on=form.joined_on.data,
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The member has been added."), "info")
            return _to_group(group)
    return _render_show(group, INVALID, failed=form)


@bp.post("/<int:group_id>/members/<int:membership_id>/agreement")
def register_agreement(group_id: int, membership_id: int) -> Response | tuple[str, int]:
    group = access.load_group(group_id)
    membership = _membership(group, membership_id)
    who = access.require_clinician()
    try:
        operations.record_member_agreement(membership, actor=who)
    except OperationError as error:
        return _render_show(group, INVALID, roster_error=error.message)
    flash(_("The member's acceptance of the agreement has been registered."), "info")
    return _to_group(group)


@bp.post("/<int:group_id>/members/<int:membership_id>/leave")
def end_membership(group_id: int, membership_id: int) -> Response | tuple[str, int]:
    group = access.load_group(group_id)
    membership = _membership(group, membership_id)
    who = access.require_clinician()
    form = _leave_form(membership.id)
    if form.validate():
        try:
            operations.end_group_membership(membership, left_on=form.left_on.data, actor=who)
        except OperationError as error:
            if error.field is None:
                return _render_show(group, INVALID, roster_error=error.message)
            show_refusal(form, error)
        else:
            flash(_("The member has left the group."), "info")
            return _to_group(group)
    return _render_show(group, INVALID, failed=form, failed_membership=membership.id)


@bp.post("/<int:group_id>/sessions")
def add_session(group_id: int) -> Response | tuple[str, int]:
    group = access.load_group(group_id)
    who = access.require_clinician()
    form = GroupSessionForm()
    if form.validate():
        try:
            session = operations.create_session(
                kind="group",
                on=form.date.data,
                group=group,
                title=form.title.data,
                starts_at=local_start(form.date.data, form.starts_at.data),
                actor=who,
            )
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_("The group session has been created."), "info")
            return redirect(url_for("sessions.show", session_id=session.id), code=303)
    return _render_show(group, INVALID, failed=form)
