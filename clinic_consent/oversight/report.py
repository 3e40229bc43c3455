"""The quarterly audit report: what the lists held, what was overdue at the quarter's end,
the consents decided and withdrawn in it, the last chain verification and how often health
data was accessed. Rendered from plain values, sealed and stored like every form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.audit.operations import log_change
from clinic_consent.consents.models import Consent
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import StoredDocument
from clinic_consent.oversight import queries
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.timeutil import now_utc, today_utc
from clinic_consent.users.models import User

REPORT_TEMPLATE: Final = "audit_report.html"
FIRST_YEAR: Final = 2000


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        return (
            date(self.year + 1, 1, 1)
            if self.number == 4
            else date(self.year, 3 * self.number + 1, 1)
        )

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        """The quarter as [start, end) in UTC."""
        return (
            datetime.combine(self.first_day, time(), UTC),
            datetime.combine(self.next_first_day, time(), UTC),
        )


def parse_quarter(year: str | None, quarter: str | None) -> Quarter:
    """A quarter that has begun; refused with a message otherwise."""
    try:
        number = int(quarter or "")
    except ValueError:
        raise OperationError("quarter", _l("give a quarter from 1 to 4")) from None
    try:
        year_number = int(year or "")
    except ValueError:
        raise OperationError("year", _l("give a year, for example 2026")) from None
    if not 1 <= number <= 4:
        raise OperationError("quarter", _l("give a quarter from 1 to 4"))
    if not FIRST_YEAR <= year_number <= today_utc().year:
        raise OperationError("year", _l("give a year from 2000 up to this year"))
    chosen = Quarter(year_number, number)
    if chosen.first_day > today_utc():
        raise OperationError("quarter", _l("this quarter has not begun yet"))
    return chosen


def reference_day(quarter: Quarter) -> date:
    """The quarter's last day, or today for the quarter still running."""
    return min(quarter.last_day, today_utc())


def overdue_at_quarter_end(quarter: Quarter) -> list[dict[str, Any]]:
    """Recordings kept on the reference day (made before the quarter's end, not destroyed
    before it) whose destroy-by date was before that day: overdue as the lists define it."""
    _start, end = quarter.bounds()
    last = reference_day(quarter)
    query = (
        select(Recording, TreatmentSession.date, User.display_name)
        .join(TreatmentSession, Recording.session_id == TreatmentSession.id)
        .join(User, Recording.created_by_id == User.id)
        .where(
            Recording.made_at.is_not(None),
            Recording.made_at < end,
            or_(Recording.destroyed_at.is_(None), Recording.destroyed_at >= end),
            Recording.retention_until < last,
        )
        .order_by(Recording.retention_until, Recording.id)
    )
    return [
        {
            "recording_id": recording.id,
            "session_date": session_date,
            "clinician": name,
            "retention_until": recording.retention_until,
            "days_overdue": (last - recording.retention_until).days
            if recording.retention_until
            else 0,
            "destroyed_at": recording.destroyed_at,
        }
        for recording, session_date, name in db.session.execute(query)
    ]


def _count(query: Any) -> int:
    return int(db.session.scalar(query) or 0)


def consents_in_quarter(quarter: Quarter) -> dict[str, int]:
    start, end = quarter.bounds()
    decided = (
        select(func.count())
        .select_from(Consent)
        .where(Consent.decided_at >= start, Consent.decided_at < end)
    )
    return {
        "granted": _count(decided.where(Consent.decision == "granted")),
        "refused": _count(decided.where(Consent.decision == "refused")),
        "withdrawn": _count(
            select(func.count())
            .select_from(Consent)
            .where(Consent.withdrawn_at >= start, Consent.withdrawn_at < end)
        ),
    }


def report_context(quarter: Quarter, *, form_number: str, sealed_at: datetime) -> dict[str, Any]:
    """Plain values only (forms_pdf.rendering)."""
    from clinic_consent.audit.verification import last_verification
    from clinic_consent.forms_pdf.content import practice_context

    start, end = quarter.bounds()
    filters = queries.Filters(today=reference_day(quarter))
    counted = queries.counts(filters)
    verification = last_verification()
    return {
        "practice": practice_context(),
        "form": {"number": form_number, "sealed_at": sealed_at},
        "quarter": {
            "year": quarter.year,
            "number": quarter.number,
            "first_day": quarter.first_day,
            "last_day": quarter.last_day,
            "reference_day": reference_day(quarter),
        },
        "lists": [
            {"name": spec.name, "title": str(spec.title), "count": counted[spec.name]}
            for spec in queries.LISTS
        ],
        "lists_on": filters.today,
        "overdue": overdue_at_quarter_end(quarter),
        "consents": consents_in_quarter(quarter),
        "verification": None
        if verification is None
        else {
            "verified_at": verification.verified_at,
            "entries_checked": verification.entries_checked,
            "first_broken_id": verification.first_broken_id,
            "reason": verification.reason,
        },
        "access_log_count": _count(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.occurred_at >= start, AccessLogEntry.occurred_at < end)
        ),
    }


def seal_quarterly_report(quarter: Quarter, actor: User) -> StoredDocument:
    """Render, seal and store the report of ``quarter``; every request makes a new document
    (the report as it was when asked), so earlier ones stay as they were handed out."""
    from clinic_consent.forms_pdf.operations import new_form_number, store_sealed
    from clinic_consent.forms_pdf.rendering import render_pdf

    sealed_at = now_utc()
    number = new_form_number(sealed_at)
    context = report_context(quarter, form_number=number, sealed_at=sealed_at)
    document = store_sealed(
        render_pdf(REPORT_TEMPLATE, context),
        form_number=number,
        kind="audit_report",
        sealed_at=sealed_at,
        location=context["practice"]["name"],
        actor=actor,
    )
    db.session.flush()
    log_change(
        "document.sealed",
        document,
        actor,
        kind="audit_report",
        sha256=document.sha256,
        year=quarter.year,
        quarter=quarter.number,
    )
    return document
