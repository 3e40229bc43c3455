"""The practice manager's dashboard: what is overdue, unjustified or waiting, with CSV and
charts. Practice managers only (anyone else gets a 404); every read is noted in the access
log, since the lists are health data."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Final

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from clinic_consent import access
from clinic_consent.audit.access_log import note_access
from clinic_consent.auth.rate_limits import pdf_limited
from clinic_consent.oversight import charts, queries
from clinic_consent.oversight.forms import FilterForm
from clinic_consent.oversight.queries import Filters, Row
from clinic_consent.spreadsheet import safe_cell

bp = Blueprint("oversight", __name__)
MAX_KEY: Final = 40  # a list page's ?after=: a date and an id at most

Page = Response | str | tuple[str, int]

# What a row's detail code means, for the page and the CSV.
DETAIL_LABELS: Final = {
    "consent_required": _l("consent still needed"),
    "refused": _l("refused or withdrawn"),
    "incomplete": _l("incomplete facts"),
    "empty": _l("no one on the access list"),
    "expired": _l("every entry expired or revoked"),
    "overdue": _l("overdue"),
    "due-30": _l("due within 30 days"),
    "due-90": _l("due in 31 to 90 days"),
    "ok": _l("not due yet"),
    "no-date": _l("no destroy-by date"),
    "open": _l("open"),
    "removal_requested": _l("removal requested"),
    "removed": _l("removed"),
    "removal_refused": _l("removal refused"),
    "court": _l("in court"),
}
STATUS_LABELS: Final = {
    "planned": _l("planned"),
    "made": _l("made"),
    "destroyed": _l("destroyed"),
}
CONSENT_STATE_LABELS: Final = {
    "granted": _l("Granted"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}


@bp.before_request
def _practice_managers_only() -> None:
    if not access.is_auditor(access.user()):
        abort(404)


def _filter_form(args: MultiDict[str, str]) -> FilterForm:
    form = FilterForm(formdata=args)
    form.clinician.choices = [("", _("All clinicians"))] + [
        (str(user.id), user.display_name) for user in queries.clinicians()
    ]
    return form


def _filters(form: FilterForm) -> Filters:
    clinician = form.clinician.data
    return Filters(
        clinician_id=int(clinician) if clinician else None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _valid_filters(form: FilterForm) -> bool:
    # An empty choice is no filter; wtforms' pre-validation would call it "not a valid choice".
    if not form.clinician.data:
        form.clinician.data = ""
    return bool(form.validate())


def _detail_label(row: Row) -> str:
    label = DETAIL_LABELS.get(row.detail)
    return str(label) if label is not None else row.detail


def _status_label(row: Row) -> str:
    label = STATUS_LABELS.get(row.status)
    return str(label) if label is not None else row.status


def _month_label(month: date) -> str:
    return str(format_date(month, "MMM yyyy"))


@bp.get("/dashboard")
def dashboard() -> Page:
    form = _filter_form(request.args)
    valid = _valid_filters(form)
    filters = _filters(form) if valid else Filters()
    note_access("dashboard.read", object_type="recordings", object_id=None)
    counted = queries.counts(filters)
    lists = [
        (spec, counted[spec.name], spec.page(filters, size=queries.DASHBOARD_ROWS))
        for spec in queries.LISTS
    ]
    due_by_month = queries.due_per_month(filters)
    due_chart = charts.bar_chart(
        _("Recordings to be destroyed per month"),
        [(_("Overdue"), counted["overdue"])]
        + [(_month_label(month), count) for month, count in due_by_month],
        "chart-due-per-month",
    )
    consent_chart = charts.bar_chart(
        _("Consents by status"),
        [
            (str(CONSENT_STATE_LABELS[state]), count)
            for state, count in queries.consents_by_status(filters)
        ],
        "chart-consents-by-status",
    )
    from clinic_consent.audit.verification import last_verification

    page = render_template(
        "oversight/dashboard.html",
        form=form,
        lists=lists,
        due_chart=due_chart,
        consent_chart=consent_chart,
        verification=last_verification(),
        query_args=_query_args(filters),
        detail_label=_detail_label,
        status_label=_status_label,
        today=filters.today,
    )
    return page if valid else (page, 422)


def _query_args(filters: Filters) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if filters.clinician_id is not None:
        args["clinician"] = filters.clinician_id
    if filters.date_from is not None:
        args["date_from"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        args["date_to"] = filters.date_to.isoformat()
    return args


@bp.get("/dashboard/lists/<list_name>")
def list_page(list_name: str) -> Page:
    """One list, a page at a time: the rows after ``?after=`` (a row's key), in the list's
    order; the filters as on the dashboard."""
    spec = queries.list_spec(list_name)
    if spec is None:
        abort(404)
    form = _filter_form(request.args)
    valid = _valid_filters(form)
    filters = _filters(form) if valid else Filters()
    after = request.args.get("after", "")[:MAX_KEY] or None
    note_access("dashboard.list", object_type="recordings", object_id=None)
    rows = spec.page(filters, after, queries.PAGE_ROWS + 1)
    page = render_template(
        "oversight/list.html",
        spec=spec,
        count=spec.count(filters),
        rows=rows[: queries.PAGE_ROWS],
        next_key=rows[queries.PAGE_ROWS - 1].key if len(rows) > queries.PAGE_ROWS else None,
        first_page=after is None,
        query_args=_query_args(filters),
        detail_label=_detail_label,
        status_label=_status_label,
    )
    return page if valid else (page, 422)


@bp.get("/dashboard/<list_name>.csv")
def export_csv(list_name: str) -> Response:
    spec = queries.list_spec(list_name)
    if spec is None:
        abort(404)
    form = _filter_form(request.args)
    if not _valid_filters(form):
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(map(str, errors))}"
            for name, errors in form.errors.items()
        )
        return Response(
            _("The filters were not understood: %(problems)s", problems=problems),
            status=422,
            mimetype="text/plain",
        )
    filters = _filters(form)
    note_access("dashboard.export", object_type="recordings", object_id=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Recording"),
            _("Session date"),
            _("Clinician"),
            _("Made by"),
            _("Medium"),
            _("Status"),
            _("Destroy by"),
            _("Detail"),
            _("Consent"),
            _("Incident"),
            _("Link"),
        ]
    )
    for row in spec.rows(filters):
        link = (
            url_for("recordings.show", recording_id=row.recording_id, _external=True)
            if row.recording_id is not None
            else ""
        )
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    row.recording_id,
                    row.session_date.isoformat() if row.session_date else "",
                    row.clinician,
                    row.made_by,
                    row.medium,
                    _status_label(row),
                    row.retention_until.isoformat() if row.retention_until else "",
                    _detail_label(row),
                    row.consent_id,
                    row.incident_id,
                    link,
                )
            ]
        )
    filename = f"{list_name}-{filters.today.isoformat()}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/dashboard/quarterly-report.pdf")
@pdf_limited
def quarterly_report() -> Response:
    """Seal and store the audit report of ?year=YYYY&quarter=Q, then serve it."""
    from clinic_consent.errors import OperationError
    from clinic_consent.oversight.report import parse_quarter, seal_quarterly_report

    try:
        quarter = parse_quarter(request.args.get("year"), request.args.get("quarter"))
    except OperationError as error:
        return Response(
            _("No report: %(problem)s", problem=str(error)), status=422, mimetype="text/plain"
        )
    note_access("dashboard.quarterly_report", object_type="recordings", object_id=None)
    document = seal_quarterly_report(quarter, access.user())
    filename = f"audit-report-{quarter.year}-Q{quarter.number}-{document.form_number}.pdf"
    return Response(
        document.content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
