"""The practice manager's reports: retention, and the audit chain's status."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from clinic_consent import access
from clinic_consent.api.problems import abort_problem
from clinic_consent.api.schemas.reports import (
    AuditStatusSchema,
    RetentionQuerySchema,
    RetentionReportSchema,
    VerificationSchema,
)
from clinic_consent.api.spec import error_responses
from clinic_consent.audit import chain
from clinic_consent.audit.access_log import note_access
from clinic_consent.audit.models import AuditVerification
from clinic_consent.audit.verification import last_verification, run_verification
from clinic_consent.oversight.queries import Filters, retention_counts
from clinic_consent.oversight.retention_report import report_page
from clinic_consent.users.models import User

URL_PREFIX = "/api/v1"
blp = Blueprint("api_reports", __name__, description="Reports for the practice manager")


def _practice_manager() -> User:
    """Reports cover every clinician's recordings: the practice manager's, as on the dashboard."""
    who = access.user()
    if not access.is_auditor(who):
        abort_problem(403, "Only the practice manager reads the practice's reports.")
    return who


@blp.route("/reports/retention")
@blp.doc(
    summary="Kept recordings with their destroy-by date and retention state, a page at a time",
    **error_responses(401, 403, 422),
)
@blp.arguments(RetentionQuerySchema, location="query")
@blp.response(200, RetentionReportSchema)
def retention_report(query: dict[str, Any]) -> dict[str, Any]:
    _practice_manager()
    filters = Filters()
    rows, after = report_page(filters, query.get("state"), query.get("after"), query["limit"])
    note_access("retention.report", object_type="recordings", object_id=None)
    counts = retention_counts(filters)
    return {
        "date": filters.today,
        "counts": {state.replace("-", "_"): count for state, count in counts.items()},
        "recordings": rows,
        "next": after,
    }


def _verification(run: AuditVerification) -> dict[str, Any]:
    return {
        "verified_at": run.verified_at,
        "entries_checked": run.entries_checked,
        "intact": run.first_broken_id is None,
        "first_broken_id": run.first_broken_id,
        "reason": run.reason,
    }


@blp.route("/audit")
class AuditStatus(MethodView):
    @blp.doc(
        summary="The audit chain: its size and its last verification", **error_responses(401, 403)
    )
    @blp.response(200, AuditStatusSchema)
    def get(self) -> dict[str, Any]:
        _practice_manager()
        last = last_verification()
        note_access("audit.status", object_type="audit_entries", object_id=None)
        return {
            "entries": chain.entry_count(),
            "last_verification": _verification(last) if last is not None else None,
        }


@blp.route("/audit/verifications", methods=["POST"])
@blp.doc(
    summary="Verify the audit chain now",
    description="Recomputes every entry's hash; the outcome is stored as the last verification.",
    **error_responses(401, 403),
)
@blp.response(201, VerificationSchema)
def verify_audit_chain() -> dict[str, Any]:
    who = _practice_manager()
    run_verification(who)
    note_access("audit.verify", object_type="audit_entries", object_id=None, action="execute")
    last = last_verification()
    assert last is not None
    return _verification(last)
