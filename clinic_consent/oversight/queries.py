"""The practice manager's lists: one function per list, the single source for the dashboard,
its CSV exports, the charts, the quarterly report and ``clinic-consent retention report``.

Definitions (``today`` is the UTC date the question is asked on, see ``Filters``):

- **kept**: a recording with status ``made`` (planned ones do not exist yet, destroyed ones
  no longer do).
- **overdue**: kept and ``retention_until < today``.
- **due within 30 days**: kept and ``today <= retention_until <= today + 30``.
- **due in 31 to 90 days**: kept and ``today + 31 <= retention_until <= today + 90``. The two
  "due" lists are separate buckets: a recording is in at most one of them, so their counts
  add up.
- **kept although a consent was withdrawn**: kept, and at least one of its consents has been
  withdrawn (R7 obliges destruction of what the withdrawal covers).
- **without all required consents**: status ``planned`` or ``made`` and the rule set's verdict
  (``verdict_for_recording``, computed per recording in Python) is ``consent_required``,
  ``refused`` or ``incomplete``.
- **empty or expired access list**: a clinician's recording (``made_by == "clinician"``) that
  is not destroyed and has no access-list entry active today (``AccessListEntry.is_active``):
  nobody may currently see or hear it (R4).
- **consents needing re-consent**: the union over all form templates of
  ``forms_pdf.operations.consents_needing_reconsent``: standing granted consents on a template
  version older than the template's latest material change.
- **open publication incidents**: every incident whose status is not ``closed``.

Filters: *clinician* is the user who planned the recording (``Recording.created_by_id``; for
an incident, the recording's); *period* is the session date, from and to inclusive (for an
incident, the date of its recording's session, or of its own session).

A recording without a destroy-by date is never overdue or due; the retention report calls it
``no-date`` so that it is not overlooked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, TypeVarTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased, selectinload

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import CLINICAL_ROLES, User

DUE_SOON_DAYS: Final = 30
DUE_LATER_DAYS: Final = 90
VERDICTS_MISSING_CONSENT: Final = ("consent_required", "refused", "incomplete")
RETENTION_STATES: Final = ("overdue", "due-30", "due-90", "ok", "no-date")
CHART_MONTHS: Final = 12
CONSENT_STATES: Final = ("granted", "refused", "withdrawn")


@dataclass(frozen=True)
class Filters:
    """What the manager narrowed the lists to; ``today`` fixes the reference date."""

    clinician_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    today: date = field(default_factory=today_utc)


@dataclass(frozen=True)
class Row:
    """One line of a list: the recording it is about and what makes it belong there."""

    recording_id: int | None
    session_date: date | None
    clinician: str
    made_by: str
    medium: str
    status: str
    retention_until: date | None
    detail: str = ""
    consent_id: int | None = None
    incident_id: int | None = None


def retention_state(retention_until: date | None, today: date) -> str:
    """overdue, due-30, due-90, ok or no-date (see the module's definitions)."""
    if retention_until is None:
        return "no-date"
    days = (retention_until - today).days
    if days < 0:
        return "overdue"
    if days <= DUE_SOON_DAYS:
        return "due-30"
    if days <= DUE_LATER_DAYS:
        return "due-90"
    return "ok"


# --- the recordings the lists read -----------------------------------------------------------

Creator = aliased(User)


Columns = TypeVarTuple("Columns")


def _filtered(query: Select[*Columns], filters: Filters) -> Select[*Columns]:
    """The filters, on a query that joins Recording and its TreatmentSession."""
    if filters.clinician_id is not None:
        query = query.where(Recording.created_by_id == filters.clinician_id)
    if filters.date_from is not None:
        query = query.where(TreatmentSession.date >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(TreatmentSession.date <= filters.date_to)
    return query


def _recordings(filters: Filters) -> Select[Recording, date, str]:
    query = (
        select(Recording, TreatmentSession.date, Creator.display_name)
        .join(TreatmentSession, Recording.session_id == TreatmentSession.id)
        .join(Creator, Recording.created_by_id == Creator.id)
    )
    query = _filtered(query, filters)
    return query.order_by(
        Recording.retention_until.is_(None), Recording.retention_until, Recording.id
    )


def _row(recording: Recording, session_date: date, clinician: str, detail: str = "") -> Row:
    return Row(
        recording_id=recording.id,
        session_date=session_date,
        clinician=clinician,
        made_by=recording.made_by,
        medium=recording.medium,
        status=recording.status,
        retention_until=recording.retention_until,
        detail=detail,
    )


def kept_recordings(filters: Filters) -> list[tuple[Recording, date, str]]:
    """Every kept recording (status made) with its session date and clinician's name."""
    query = _recordings(filters).where(Recording.status == "made")
    return [(r, d, name) for r, d, name in db.session.execute(query)]


def kept_rows(filters: Filters) -> list[Row]:
    """Every kept recording; a row's detail is its retention state (``retention_state``)."""
    return [
        _row(r, d, name, retention_state(r.retention_until, filters.today))
        for r, d, name in kept_recordings(filters)
    ]


def _in_state(filters: Filters, state: str) -> list[Row]:
    return [row for row in kept_rows(filters) if row.detail == state]


def overdue(filters: Filters) -> list[Row]:
    """Kept and past their destroy-by date."""
    return _in_state(filters, "overdue")


def due_within_30(filters: Filters) -> list[Row]:
    """Kept, to be destroyed between today and today + 30 days (inclusive)."""
    return _in_state(filters, "due-30")


def due_within_90(filters: Filters) -> list[Row]:
    """Kept, to be destroyed in 31 to 90 days (the 0-30 bucket is its own list)."""
    return _in_state(filters, "due-90")


def kept_after_withdrawal(filters: Filters) -> list[Row]:
    """Kept although at least one consent was withdrawn (R7: to be destroyed)."""
    withdrawn = select(Consent.recording_id).where(Consent.withdrawn_at.is_not(None))
    query = _recordings(filters).where(Recording.status == "made", Recording.id.in_(withdrawn))
    return [_row(r, d, name) for r, d, name in db.session.execute(query)]


def missing_consents(filters: Filters) -> list[Row]:
    """Planned or kept, and the verdict is consent_required, refused or incomplete."""
    from clinic_consent.recordings.facts import verdict_for_recording

    query = _recordings(filters).where(Recording.status.in_(("planned", "made")))
    rows = []
    for recording, session_date, name in db.session.execute(query):
        verdict = verdict_for_recording(recording)
        if verdict.status in VERDICTS_MISSING_CONSENT:
            rows.append(_row(recording, session_date, name, verdict.status))
    return rows


def access_lapsed(filters: Filters) -> list[Row]:
    """A clinician's recording, not destroyed, with no access-list entry active today."""
    query = (
        _recordings(filters)
        .where(Recording.made_by == "clinician", Recording.status != "destroyed")
        .options(selectinload(Recording.access_entries))
    )
    rows = []
    for recording, session_date, name in db.session.execute(query):
        if not any(entry.is_active(filters.today) for entry in recording.access_entries):
            detail = "expired" if recording.access_entries else "empty"
            rows.append(_row(recording, session_date, name, detail))
    return rows


def _matches(filters: Filters, created_by_id: int | None, session_date: date | None) -> bool:
    if filters.clinician_id is not None and created_by_id != filters.clinician_id:
        return False
    if filters.date_from is not None and (session_date is None or session_date < filters.date_from):
        return False
    return not (
        filters.date_to is not None and (session_date is None or session_date > filters.date_to)
    )


def _user_names() -> dict[int, str]:
    return {
        user_id: name for user_id, name in db.session.execute(select(User.id, User.display_name))
    }


def reconsent_needed(filters: Filters) -> list[Row]:
    """Standing consents on a template version before the template's latest material change."""
    from clinic_consent.forms_pdf.models import FormTemplate
    from clinic_consent.forms_pdf.operations import consents_needing_reconsent

    names = _user_names()
    rows = []
    templates = db.session.scalars(select(FormTemplate).order_by(FormTemplate.id))
    for template in templates:
        for consent in consents_needing_reconsent(template):
            recording = consent.recording
            session_date = recording.session.date
            if not _matches(filters, recording.created_by_id, session_date):
                continue
            version = consent.template_version
            detail = f"{template.kind}/{template.language} v{version.version}" if version else ""
            rows.append(
                Row(
                    recording_id=recording.id,
                    session_date=session_date,
                    clinician=names.get(recording.created_by_id, ""),
                    made_by=recording.made_by,
                    medium=recording.medium,
                    status=recording.status,
                    retention_until=recording.retention_until,
                    detail=detail,
                    consent_id=consent.id,
                )
            )
    return sorted(rows, key=lambda row: row.consent_id or 0)


def open_incidents(filters: Filters) -> list[Row]:
    """Publication incidents not (yet) closed."""
    from clinic_consent.recordings.incidents import open_incidents as not_closed

    incidents = not_closed()
    names = _user_names()
    rows = []
    for incident in incidents:
        recording = (
            db.session.get(Recording, incident.recording_id) if incident.recording_id else None
        )
        session_id = recording.session_id if recording is not None else incident.session_id
        session = db.session.get(TreatmentSession, session_id) if session_id else None
        session_date = session.date if session is not None else None
        created_by = recording.created_by_id if recording is not None else None
        if not _matches(filters, created_by, session_date):
            continue
        rows.append(
            Row(
                recording_id=recording.id if recording is not None else None,
                session_date=session_date,
                clinician=names.get(created_by, "") if created_by is not None else "",
                made_by=recording.made_by if recording is not None else "",
                medium=recording.medium if recording is not None else "",
                status=recording.status if recording is not None else "",
                retention_until=recording.retention_until if recording is not None else None,
                detail=incident.status,
                incident_id=incident.id,
            )
        )
    return rows


@dataclass(frozen=True)
class ListSpec:
    name: str
    title: object  # a lazy translated string
    rows: Callable[[Filters], list[Row]]


LISTS: Final = (
    ListSpec("overdue", _l("Overdue for destruction"), overdue),
    ListSpec("due-30", _l("To be destroyed within 30 days"), due_within_30),
    ListSpec("due-90", _l("To be destroyed in 31 to 90 days"), due_within_90),
    ListSpec("withdrawn", _l("Kept although a consent was withdrawn"), kept_after_withdrawal),
    ListSpec("missing-consents", _l("Without all required consents"), missing_consents),
    ListSpec("access-lapsed", _l("Empty or expired access list"), access_lapsed),
    ListSpec("reconsent", _l("Consents on a form version needing re-consent"), reconsent_needed),
    ListSpec("incidents", _l("Open publication incidents"), open_incidents),
)
LIST_NAMES: Final = tuple(spec.name for spec in LISTS)


def list_spec(name: str) -> ListSpec | None:
    return next((spec for spec in LISTS if spec.name == name), None)


# --- the charts' data ------------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def due_per_month(filters: Filters) -> tuple[int, list[tuple[date, int]]]:
    """Kept recordings overdue, and to be destroyed per month from today on: this month and
    the next eleven (later ones are not shown)."""
    months = [_month_start(filters.today)]
    while len(months) < CHART_MONTHS:
        months.append(_next_month(months[-1]))
    dates = [r.retention_until for r, _d, _n in kept_recordings(filters) if r.retention_until]
    counts: Counter[date] = Counter(_month_start(d) for d in dates if d >= filters.today)
    return sum(1 for d in dates if d < filters.today), [(m, counts[m]) for m in months]


def consents_by_status(filters: Filters) -> list[tuple[str, int]]:
    """Consents on the filtered recordings: granted (standing), refused, withdrawn."""
    query = (
        select(Consent.decision, Consent.withdrawn_at)
        .join(Recording, Consent.recording_id == Recording.id)
        .join(TreatmentSession, Recording.session_id == TreatmentSession.id)
    )
    query = _filtered(query, filters)
    counts: Counter[str] = Counter()
    for decision, withdrawn_at in db.session.execute(query):
        counts["withdrawn" if withdrawn_at is not None else decision] += 1
    return [(status, counts[status]) for status in CONSENT_STATES]


def clinicians() -> list[User]:
    """Who the clinician filter offers: everyone who planned a recording, or is a clinician."""
    planners = select(Recording.created_by_id)
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.id.in_(planners), User.role.in_(CLINICAL_ROLES)))
            .order_by(User.display_name, User.id)
        )
    )


def counts(filters: Filters, names: Iterable[str] = LIST_NAMES) -> dict[str, int]:
    result = {}
    for name in names:
        spec = list_spec(name)
        assert spec is not None
        result[name] = len(spec.rows(filters))
    return result
