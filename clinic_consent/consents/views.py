"""Consent pages: capture on the tablet, the group roster, and withdrawal (R6, R7).

Every state shown comes from presentation.verdict_view; nothing here decides a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.routing import BuildError

from clinic_consent import access
from clinic_consent.auth.rate_limits import seals_pdf
from clinic_consent.consents.forms import ConsentForm, WithdrawForm
from clinic_consent.consents.models import Consent
from clinic_consent.consents.operations import (
    next_decision_number,
    register_consent,
    withdraw_consent,
    withdrawal_consequence,
)
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.content import form_text
from clinic_consent.forms_pdf.document_views import continue_url
from clinic_consent.forms_pdf.models import FormTemplateVersion
from clinic_consent.forms_pdf.operations import (
    consent_documents,
    form_kind_for,
    latest_version,
    roster_forms,
    seal_consent_form,
    seal_group_roster,
    seal_withdrawal_receipt,
)
from clinic_consent.recordings.facts import consent_party_key, participant_key, verdict_loading
from clinic_consent.recordings.forms import ConfirmForm
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import (
    RULE_REASONS,
    Party,
    RequiredRow,
    VerdictView,
    participant_name,
    parties_of,
    verdict_view,
)
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("consents", __name__)

CONSEQUENCES = {
    "blocked": _l("the recording may not be made"),
    "destroy": _l(
        "the recording (or the part concerned) must be destroyed and the destruction registered"
    ),
    "none": _l("the recording has already been destroyed"),
}
ROLE_ORDER = {"client": 0, "other": 1, "staff": 2}  # members first


# --- capture ---------------------------------------------------------------------------------


@bp.route("/recordings/<int:recording_id>/consent/<party_key>/<for_key>", methods=["GET", "POST"])
@seals_pdf
def capture(recording_id: int, party_key: str, for_key: str) -> ResponseReturnValue:
    recording = access.load_recording(recording_id)
    who = access.require_clinician()
    view = verdict_view(recording)
    row = next(
        (r for r in view.rows if r.party.key == party_key and r.for_party.key == for_key), None
    )
    if row is None or row.for_party.participant is None:
        abort(404)
    party_language = row.party.language
    version = latest_version(
        form_kind_for(recording, row.party.representative is not None), party_language
    )
    form = ConsentForm(template_version=str(version.id))
    party = row.party.participant or row.party.representative
    assert party is not None
    following = next_decision_number(recording, party, row.for_party.participant)
    if form.validate_on_submit():
        try:
            consent = register_consent(
                recording,
                party=party,
                for_participant=row.for_party.participant,
                decision=form.decision.data,
                method=form.method.data,
                signature_png=form.signature_png,
                witness_name=form.witness_name.data,
                actor=who,
                template_version=shown_version(form.template_version.data, version),
                decision_number=_posted_number(form.decision_number.data),
            )
            document = seal_consent_form(consent, who)
        except OperationError as error:
            show_refusal(form, error)
        else:
            flash(_registered_message(row, form.decision.data), "info")
            return redirect(url_for("documents.show", document_id=document.id), 303)
    form.template_version.data = str(version.id)
    if request.method == "GET":
        form.decision_number.data = str(following)
    with force_locale(party_language):
        text = form_text(recording, version, person=row.party.name, client=row.for_party.name)
    context = {
        "recording": recording,
        "row": row,
        "view": view,
        "form": form,
        "form_text": text,
        "recorder_name": participant_name(recording.recorder),
    }
    return render_template(
        "consents/capture.html",
        terms_block=_in_language(party_language, "consents/_terms.html", **context),
        signature_block=_in_language(party_language, "consents/_signature.html", **context),
        **context,
    ), (422 if request.method == "POST" else 200)


def _posted_number(posted: str | None) -> int | None:
    """The decision number the page was opened with (none from an older page)."""
    return int(posted) if posted and posted.isdigit() and len(posted) < 10 else None


def shown_version(posted: str | None, latest: FormTemplateVersion) -> FormTemplateVersion:
    """The text version the person read. If the text changed materially while the page was
    open, they must read the new one first."""
    shown = (
        db.session.get(FormTemplateVersion, int(posted)) if posted and posted.isdigit() else None
    )
    if shown is None or shown.template_id != latest.template_id:
        raise OperationError(None, _l("the form text is missing; open the page again"))
    if any(v.material and v.version > shown.version for v in latest.template.versions):
        raise OperationError(
            None, _l("the form text was changed while this page was open; read the new text")
        )
    return shown


def _in_language(language: str, template: str, **context: Any) -> Markup:
    """A part of the page in the party's language, whatever the signed-in user reads."""
    with force_locale(language):
        context["lang"] = language
        context["reasons"] = {rule: str(text) for rule, text in RULE_REASONS.items()}
        # Our own autoescaped template: its output is safe HTML already.
        return Markup(render_template(template, **context))  # noqa: S704


def _registered_message(row: RequiredRow, decision: str) -> str:
    names = {"party": row.party.name, "name": row.for_party.name}
    if decision == "granted":
        if row.on_behalf:
            return str(_("Registered: %(party)s consents on behalf of %(name)s.", **names))
        return str(_("Registered: %(party)s consents.", **names))
    if row.on_behalf:
        return str(_("Registered: %(party)s refuses on behalf of %(name)s.", **names))
    return str(_("Registered: %(party)s refuses.", **names))


# --- roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    """A participant with the consents about them: their own, then their representatives'."""

    participant: SessionParticipant
    name: str
    own: RequiredRow | None
    representatives: tuple[RequiredRow | None, ...]


def roster_rows(recording: Recording, view: VerdictView) -> tuple[list[RosterRow], int]:
    """One row per participant but the recorder, and the number of representative columns."""
    others = sorted(
        (p for p in recording.session.participants if p.id != recording.recorder_participant_id),
        key=lambda p: (ROLE_ORDER.get(p.role, 3), p.id),
    )
    rows = []
    for p in others:
        key = participant_key(p)
        about = [r for r in view.rows if r.for_party.key == key]
        own = next((r for r in about if not r.on_behalf), None)
        rows.append(RosterRow(p, participant_name(p), own, tuple(r for r in about if r.on_behalf)))
    width = max((len(r.representatives) for r in rows), default=0)
    padded = [
        RosterRow(
            r.participant,
            r.name,
            r.own,
            r.representatives + (None,) * (width - len(r.representatives)),
        )
        for r in rows
    ]
    return padded, width


@bp.get("/recordings/<int:recording_id>/roster")
def roster(recording_id: int) -> ResponseReturnValue:
    recording = access.load_recording(recording_id, options=verdict_loading())
    view = verdict_view(recording)
    rows, representative_columns = roster_rows(recording, view)
    return render_template(
        "consents/roster.html",
        forms=consent_documents(recording.id),
        roster_forms=roster_forms(recording),
        confirm_form=ConfirmForm(),
        recording=recording,
        view=view,
        rows=rows,
        representative_columns=representative_columns,
        stopped=[r for r in view.rows if r.decision in ("refused", "withdrawn")],
        can_change=access.user().is_clinician,
        recorder_name=participant_name(recording.recorder),
        recording_url=recording_page_url(recording),
    )


@bp.post("/recordings/<int:recording_id>/roster/form")
def seal_roster(recording_id: int) -> ResponseReturnValue:
    """A sealed sheet of the roster as it stands, for the group's file."""
    recording = access.load_recording(recording_id)
    who = access.require_clinician()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        document = seal_group_roster(recording, who, who.language)
    except OperationError as error:
        flash(str(error.message), "error")
        return redirect(url_for("consents.roster", recording_id=recording.id), 303)
    return redirect(url_for("documents.show", document_id=document.id), 303)


# --- withdrawal ------------------------------------------------------------------------------


@bp.route("/consents/<int:consent_id>/withdraw", methods=["GET", "POST"])
@seals_pdf
def withdraw(consent_id: int) -> ResponseReturnValue:
    consent = access.load_consent(consent_id)
    who = access.require_clinician()
    party = _party_of(consent)
    form = WithdrawForm()
    error = None
    if form.validate_on_submit():
        try:
            consequence = withdraw_consent(consent, actor=who, reason=form.reason.data)
            receipt = seal_withdrawal_receipt(consent, who)
        except OperationError as exc:
            error = exc.message
        else:
            flash(
                _(
                    "Consent of %(party)s withdrawn: %(consequence)s.",
                    party=party.name,
                    consequence=CONSEQUENCES[consequence],
                ),
                "info",
            )
            return redirect(url_for("documents.show", document_id=receipt.id), 303)
    return render_template(
        "consents/withdraw.html",
        consent=consent,
        form=form,
        error=error,
        party=party,
        on_behalf=party.key != participant_key(consent.for_participant),
        for_name=participant_name(consent.for_participant),
        consequence=CONSEQUENCES[withdrawal_consequence(consent.recording)],
        recording_url=recording_page_url(consent.recording),
        back_url=continue_url(consent.recording),
    ), (422 if request.method == "POST" else 200)


def _party_of(consent: Consent) -> Party:
    return parties_of(consent.recording)[consent_party_key(consent)]


# --- where to go next ------------------------------------------------------------------------


def recording_page_url(recording: Recording) -> str:
    """The recording's own page (built by the recordings area)."""
    if "recordings.show" in current_app.view_functions:
        try:
            return url_for("recordings.show", recording_id=recording.id)
        except BuildError:
            pass
    return f"{request.script_root}/recordings/{recording.id}"
