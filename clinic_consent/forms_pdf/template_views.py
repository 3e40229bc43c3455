"""Administrators edit the form templates: every save is a new version, old ones stay as they
were. Administrators see no clinical data here either: the consents that need re-consent are
shown by form number, date, version and clinician, never by client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.auth.rate_limits import pdf_limited
from clinic_consent.consents.models import Consent
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.forms import FORM_KIND_LABELS, TemplateVersionForm
from clinic_consent.forms_pdf.models import (
    FORM_KINDS,
    FormTemplate,
    FormTemplateVersion,
    StoredDocument,
)
from clinic_consent.forms_pdf.operations import (
    FORM_TEMPLATE,
    consents_needing_reconsent,
    sample_context,
    save_template_version,
)
from clinic_consent.forms_pdf.rendering import render_pdf
from clinic_consent.forms_pdf.text import PLACEHOLDERS
from clinic_consent.i18n import LANGUAGE_NAMES
from clinic_consent.users.models import User
from clinic_consent.web.form_errors import show_refusal

bp = Blueprint("form_templates", __name__, url_prefix="/admin/forms")

Page = Response | tuple[str, int]


@bp.before_request
def _administrators_only() -> None:
    access.require_administrator()


@dataclass(frozen=True)
class ReconsentRow:
    """A consent to ask again, without anything that identifies the client."""

    form_number: str | None
    decided_at: datetime
    version: int | None
    clinician: str


def _load_template(template_id: int) -> FormTemplate:
    template = db.session.get(FormTemplate, template_id)
    if template is None or not template.versions:
        abort(404)
    return template


def _names(user_ids: set[int | None]) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def _pinned_counts(versions: list[FormTemplateVersion]) -> dict[int, int]:
    """How many consents were given on each version, by version id."""
    rows = db.session.execute(
        select(Consent.template_version_id, func.count())
        .where(Consent.template_version_id.in_([v.id for v in versions]))
        .group_by(Consent.template_version_id)
    )
    return {version_id: count for version_id, count in rows if version_id is not None}


def _reconsent_rows(template: FormTemplate) -> list[ReconsentRow]:
    consents = consents_needing_reconsent(template)
    if not consents:
        return []
    ids = [consent.id for consent in consents]
    rows = db.session.execute(
        select(StoredDocument.consent_id, StoredDocument.form_number).where(
            StoredDocument.consent_id.in_(ids), StoredDocument.kind == "consent_form"
        )
    )
    form_numbers = {consent_id: number for consent_id, number in rows}
    numbers = {version.id: version.version for version in template.versions}
    clinicians = _names({consent.registered_by_id for consent in consents})
    return [
        ReconsentRow(
            form_number=form_numbers.get(consent.id),
            decided_at=consent.decided_at,
            version=numbers.get(consent.template_version_id or 0),
            clinician=clinicians.get(consent.registered_by_id, "?"),
        )
        for consent in consents
    ]


def _edit_page(template: FormTemplate, form: TemplateVersionForm, status: int) -> Page:
    versions = list(template.versions)
    material = [version for version in versions if version.material]
    return render_template(
        "form_templates/edit.html",
        template=template,
        form=form,
        kind_label=FORM_KIND_LABELS[template.kind],
        language_name=LANGUAGE_NAMES.get(template.language, template.language),
        latest=versions[-1],
        history=list(reversed(versions)),
        pinned=_pinned_counts(versions),
        authors=_names({version.created_by_id for version in versions}),
        latest_material=material[-1] if material else None,
        reconsent=_reconsent_rows(template) if material else [],
        placeholders=PLACEHOLDERS,
    ), status


def _in_kind_order(template: FormTemplate) -> tuple[int, int]:
    kinds, languages = list(FORM_KINDS), list(LANGUAGE_NAMES)
    return (
        kinds.index(template.kind) if template.kind in kinds else len(kinds),
        languages.index(template.language) if template.language in languages else len(languages),
    )


@bp.get("")
def index() -> Page:
    templates = db.session.scalars(
        select(FormTemplate).options(selectinload(FormTemplate.versions))
    ).all()
    return render_template(
        "form_templates/index.html",
        templates=sorted(templates, key=_in_kind_order),
        kind_labels=FORM_KIND_LABELS,
        language_names=LANGUAGE_NAMES,
    ), 200


@bp.route("/<int:template_id>", methods=["GET", "POST"])
def edit(template_id: int) -> Page:
    template = _load_template(template_id)
    latest = template.latest_version()
    assert latest is not None
    if request.method == "GET":
        form = TemplateVersionForm(title=latest.title, body=latest.body)
        return _edit_page(template, form, 200)
    form = TemplateVersionForm()
    if form.validate():
        try:
            version = save_template_version(
                template,
                title=form.title.data or "",
                body=form.body.data or "",
                material=bool(form.material.data),
                change_note=form.change_note.data,
                actor=access.user(),
            )
        except OperationError as error:
            show_refusal(form, error)
            # A refused text may already hang in the template's list of versions (the
            # operation builds the version before its trial rendering): show what is stored.
            db.session.rollback()
        else:
            flash(_("Version %(n)s saved", n=version.version), "info")
            return redirect(url_for("form_templates.edit", template_id=template.id), 303)
    return _edit_page(template, form, 422)


@bp.get("/<int:template_id>/versions/<int:version>/preview.pdf")
@pdf_limited
def preview(template_id: int, version: int) -> Response:
    """A version with made-up values, neither sealed nor stored: to read how it comes out."""
    template = _load_template(template_id)
    found = next((v for v in template.versions if v.version == version), None)
    if found is None:
        abort(404)
    try:
        with force_locale(template.language):
            pdf = render_pdf(FORM_TEMPLATE, sample_context(found))
    except Exception as exc:  # a version that cannot be shown is said so, not a 500
        current_app.logger.warning(
            "preview of form template %s v%s failed: %s", template.kind, version, exc
        )
        error = type(exc).__name__
        flash(
            _("Version %(n)s cannot be made into a form: %(error)s", n=version, error=error),
            "error",
        )
        return redirect(url_for("form_templates.edit", template_id=template.id), 303)
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"preview-{template.kind}-{template.language}-v{version}.pdf",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
