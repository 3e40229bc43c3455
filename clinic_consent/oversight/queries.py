"""The practice manager's lists: one definition per list, the single source for the dashboard,
its list pages and CSV exports, the charts, the quarterly report and the retention report.

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
  is ``consent_required``, ``refused`` or ``incomplete``: the stored ``Recording.verdict``,
  which ``recordings.derived`` keeps equal to ``verdict_for_recording`` in the transaction of
  every change it depends on.
- **empty or expired access list**: a clinician's recording (``made_by == "clinician"``) that
  is not destroyed and has no access-list entry active today (``AccessListEntry.is_active``;
  stored as ``Recording.access_open_until``): nobody may currently see or hear it (R4).
- **consents needing re-consent**: standing granted consents on a form version older than its
  template's latest material change (``forms_pdf.operations.standing_consents_on``).
- **open publication incidents**: every incident whose status is not ``closed``.

Filters: *clinician* is the user who planned the recording (``Recording.created_by_id``; for
an incident, the recording's); *period* is the session date, from and to inclusive (for an
incident, the date of its recording's session, or of its own session).

Every list is counted with one SQL count and read a page at a time, in a fixed order with a
keyset (the sort key of the last row shown), so that a page costs the same with ten rows or a
hundred thousand behind it. A recording without a destroy-by date is never overdue or due; the
retention report calls it ``no-date`` so that it is not overlooked.

The statements take the filters and the dates derived from ``today`` as bound parameters, so
each is built once per process for each combination of filters in use (``Shape``): building
the dashboard's two dozen statements cost more than the database took to answer them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any, Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from clinic_consent.consents.models import CONSENT_STATES, Consent
from clinic_consent.consents.tallies import tallies
from clinic_consent.extensions import db
from clinic_consent.keyset import Keyset, date_id, date_id_key, id_key
from clinic_consent.recordings.models import AccessListEntry, PublicationIncident, Recording
from clinic_consent.sessions.models import TreatmentSession
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import CLINICAL_ROLES, User

DUE_SOON_DAYS: Final = 30
DUE_LATER_DAYS: Final = 90
VERDICTS_MISSING_CONSENT: Final = ("consent_required", "refused", "incomplete")
RETENTION_STATES: Final = ("overdue", "due-30", "due-90", "ok", "no-date")
CHART_MONTHS: Final = 12
DASHBOARD_ROWS: Final = 10  # rows of each list on the dashboard itself
PAGE_ROWS: Final = 100  # rows of a list page
EXPORT_BATCH: Final = 1000  # rows read at a time for a CSV or a report


TODAY = bindparam("today", type_=Date)
DUE_SOON = bindparam("due_soon", type_=Date)  # the last day of "due within 30 days"
DUE_LATER = bindparam("due_later", type_=Date)  # the last day of "due in 31 to 90 days"
CLINICIAN = bindparam("clinician_id", type_=Integer)
DATE_FROM = bindparam("date_from", type_=Date)
DATE_TO = bindparam("date_to", type_=Date)


@dataclass(frozen=True)
class Shape:
    """Which filters are set: the statements differ by these, not by the filters' values."""

    clinician: bool = False
    date_from: bool = False
    date_to: bool = False

    @property
    def by_period(self) -> bool:
        return self.date_from or self.date_to


@dataclass(frozen=True)
class Filters:
    """What the manager narrowed the lists to; ``today`` fixes the reference date."""

    clinician_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    today: date = field(default_factory=today_utc)

    @property
    def by_period(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def shape(self) -> Shape:
        return Shape(
            self.clinician_id is not None, self.date_from is not None, self.date_to is not None
        )

    def params(self) -> dict[str, Any]:
        """The values of the statements' bound parameters."""
        return {
            "today": self.today,
            "due_soon": self.today + timedelta(days=DUE_SOON_DAYS),
            "due_later": self.today + timedelta(days=DUE_LATER_DAYS),
            "clinician_id": self.clinician_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }


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
    key: str = ""  # the keyset position of the row: the next page starts after it


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


Creator = aliased(User)
Criteria = list[ColumnElement[bool]]


# --- the filters, on queries about recordings -------------------------------------------------


def _filtered(query: Select[Any], shape: Shape, *, joined: bool = False) -> Select[Any]:
    """The filters on a query over Recording; the session is joined for the period unless the
    query has it already."""
    if shape.clinician:
        query = query.where(Recording.created_by_id == CLINICIAN)
    if shape.by_period:
        if not joined:
            query = query.join(TreatmentSession, Recording.session_id == TreatmentSession.id)
        if shape.date_from:
            query = query.where(TreatmentSession.date >= DATE_FROM)
        if shape.date_to:
            query = query.where(TreatmentSession.date <= DATE_TO)
    return query


def _counting(query: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(query.subquery())


def _count(query: Select[Any], filters: Filters) -> int:
    return int(db.session.scalar(_counting(query), filters.params()) or 0)


# --- keysets ---------------------------------------------------------------------------------

BY_RETENTION: Final = Keyset(
    (Recording.retention_until, Recording.id),
    date_id_key,
    lambda row: date_id(row.retention_until, row.recording_id),
)
BY_RECORDING: Final = Keyset((Recording.id,), id_key, lambda row: str(row.recording_id))
BY_CONSENT: Final = Keyset((Consent.id,), id_key, lambda row: str(row.consent_id))
BY_INCIDENT: Final = Keyset((PublicationIncident.id,), id_key, lambda row: str(row.incident_id))


# --- the lists ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ListSpec:
    """One list. ``count`` and ``page`` each cost a fixed number of queries whatever the
    number of rows; ``rows`` reads them all, a batch at a time (CSV, reports). Its statements
    are built once per shape of filters, unless they depend on data (``built_once``)."""

    name: str
    title: object  # a lazy translated string
    counted: Callable[[Shape], Select[Any]]  # the rows' keys (``order``'s last column)
    shown: Callable[[Shape], Select[Any]]  # the rows' columns, filtered, unordered
    order: Keyset
    row: Callable[[Any, Filters], Row]
    built_once: bool = True

    def count(self, filters: Filters) -> int:
        return _count(self.statement("counted", filters.shape), filters)

    def page(self, filters: Filters, after: str | None = None, size: int = PAGE_ROWS) -> list[Row]:
        if after is None:
            query = self.statement("first page", filters.shape)
        else:
            keys = self.order.after(self.statement("counted", filters.shape), after)
            query = _page_of(self, keys, filters.shape)
        rows = []
        for result in db.session.execute(query, {**filters.params(), "size": size}):
            row = self.row(result, filters)
            rows.append(replace(row, key=self.order.write(row)))
        return rows

    def statement(self, part: str, shape: Shape) -> Select[Any]:
        """``counted`` (the rows' keys) or ``first page`` (its rows, ``size`` a parameter)."""
        return _built(self, part, shape) if self.built_once else _build(self, part, shape)

    def rows(self, filters: Filters) -> Iterator[Row]:
        key: str | None = None
        while True:
            page = self.page(filters, key, EXPORT_BATCH)
            yield from page
            if len(page) < EXPORT_BATCH:
                return
            key = page[-1].key


def _page_of(spec: ListSpec, keys: Select[Any], shape: Shape) -> Select[Any]:
    """The rows of the first ``size`` (a parameter) of ``keys``, in the keyset's order. The
    page's keys come first, by index, then their columns: joined for every row that meets the
    criteria, the sessions and names would be read before the LIMIT."""
    limited = keys.limit(bindparam("size", type_=Integer))
    key_column = spec.order.columns[-1]
    return spec.order.after(spec.shown(shape).where(key_column.in_(limited)), None)


def _build(spec: ListSpec, part: str, shape: Shape) -> Select[Any]:
    counted = spec.counted(shape)
    if part == "counted":
        return counted
    return _page_of(spec, spec.order.after(counted, None), shape)


@cache
def _built(spec: ListSpec, part: str, shape: Shape) -> Select[Any]:
    return _build(spec, part, shape)


def _recording_columns() -> tuple[Any, ...]:
    return (
        Recording.id,
        TreatmentSession.date,
        Creator.display_name,
        Recording.made_by,
        Recording.medium,
        Recording.status,
        Recording.retention_until,
    )


def _shown(query: Select[Any], shape: Shape) -> Select[Any]:
    """The session's date and the planner's name for each row of a query over Recording."""
    query = query.join(TreatmentSession, Recording.session_id == TreatmentSession.id).join(
        Creator, Recording.created_by_id == Creator.id
    )
    return _filtered(query, shape, joined=True)


def _recording_row(result: Any, filters: Filters, detail: str = "") -> Row:
    return Row(
        recording_id=result.id,
        session_date=result.date,
        clinician=result.display_name,
        made_by=result.made_by,
        medium=result.medium,
        status=result.status,
        retention_until=result.retention_until,
        detail=detail,
    )


def recording_list(
    name: str,
    title: object,
    criteria: Callable[[], Criteria],
    order: Keyset = BY_RECORDING,
    row: Callable[[Any, Filters], Row] = _recording_row,
    extra: Callable[[], Sequence[Any]] = tuple,
) -> ListSpec:
    """A list of recordings meeting ``criteria``; ``extra`` columns feed ``row``."""
    return ListSpec(
        name,
        title,
        lambda shape: _filtered(select(Recording.id).where(*criteria()), shape),
        lambda shape: _shown(select(*_recording_columns(), *extra()).where(*criteria()), shape),
        order,
        row,
    )


def kept_criteria(state: str | None) -> Criteria:
    """Kept recordings, in a retention state or all (see the module's definitions)."""
    until = Recording.retention_until
    by_state: dict[str | None, Criteria] = {
        None: [],
        "overdue": [until < TODAY],
        "due-30": [until >= TODAY, until <= DUE_SOON],
        "due-90": [until > DUE_SOON, until <= DUE_LATER],
        "ok": [until > DUE_LATER],
        "no-date": [until.is_(None)],
    }
    return [Recording.status == "made", *by_state[state]]


def _retention_row(result: Any, filters: Filters) -> Row:
    return _recording_row(result, filters, retention_state(result.retention_until, filters.today))


def _withdrawn() -> Criteria:
    return [Recording.status == "made", Recording.withdrawals > 0]


def _missing_consents() -> Criteria:
    return [
        Recording.status.in_(("planned", "made")),
        Recording.verdict.in_(VERDICTS_MISSING_CONSENT),
    ]


def _missing_row(result: Any, filters: Filters) -> Row:
    return _recording_row(result, filters, result.verdict)


def _lapsed() -> Criteria:
    """A clinician's recording, not destroyed, with no access-list entry active today (an
    empty list is open until ``derived.NEVER``, before any day)."""
    return [
        Recording.made_by == "clinician",
        Recording.status != "destroyed",
        Recording.access_open_until < TODAY,
    ]


def _listed() -> Sequence[Any]:
    return (exists().where(AccessListEntry.recording_id == Recording.id).label("listed"),)


def _lapsed_row(result: Any, filters: Filters) -> Row:
    return _recording_row(result, filters, "expired" if result.listed else "empty")


def _superseded_consents() -> Select[Any]:
    from clinic_consent.forms_pdf.operations import standing_consents_on, superseded_version_ids

    older = list(db.session.scalars(superseded_version_ids()))
    standing = standing_consents_on(older).order_by(None)
    # No superseded version: nothing to read (an empty IN would still scan every consent).
    return standing if older else standing.where(false())


def _reconsent_counted(shape: Shape) -> Select[Any]:
    return _filtered(_superseded_consents().with_only_columns(Consent.id), shape)


def _reconsent_shown(shape: Shape) -> Select[Any]:
    from clinic_consent.forms_pdf.models import FormTemplate, FormTemplateVersion

    query = (
        _superseded_consents()
        .with_only_columns(
            *_recording_columns(),
            Consent.id.label("consent_id"),
            FormTemplate.kind,
            FormTemplate.language,
            FormTemplateVersion.version,
        )
        .join(FormTemplateVersion, Consent.template_version_id == FormTemplateVersion.id)
        .join(FormTemplate, FormTemplateVersion.template_id == FormTemplate.id)
    )
    return _shown(query, shape)


def _reconsent_row(result: Any, filters: Filters) -> Row:
    row = _recording_row(result, filters, f"{result.kind}/{result.language} v{result.version}")
    return replace(row, consent_id=result.consent_id)


def _incidents(shape: Shape) -> Select[Any]:
    """Open incidents, with their recording's (or their own) session for the filters."""
    session_id = func.coalesce(Recording.session_id, PublicationIncident.session_id)
    query = (
        select(
            PublicationIncident.id.label("incident_id"),
            PublicationIncident.status.label("incident_status"),
            *_recording_columns(),
        )
        .select_from(PublicationIncident)
        .outerjoin(Recording, PublicationIncident.recording_id == Recording.id)
        .outerjoin(TreatmentSession, TreatmentSession.id == session_id)
        .outerjoin(Creator, Recording.created_by_id == Creator.id)
        .where(PublicationIncident.status != "closed")
    )
    return _filtered(query, shape, joined=True)


def _incident_row(result: Any, filters: Filters) -> Row:
    return Row(
        recording_id=result.id,
        session_date=result.date,
        clinician=result.display_name or "",
        made_by=result.made_by or "",
        medium=result.medium or "",
        status=result.status or "",
        retention_until=result.retention_until,
        detail=result.incident_status,
        incident_id=result.incident_id,
    )


def _in_state(state: str) -> Callable[[], Criteria]:
    return lambda: kept_criteria(state)


LISTS: Final = (
    recording_list(
        "overdue", _l("Overdue for destruction"), _in_state("overdue"), BY_RETENTION, _retention_row
    ),
    recording_list(
        "due-30",
        _l("To be destroyed within 30 days"),
        _in_state("due-30"),
        BY_RETENTION,
        _retention_row,
    ),
    recording_list(
        "due-90",
        _l("To be destroyed in 31 to 90 days"),
        _in_state("due-90"),
        BY_RETENTION,
        _retention_row,
    ),
    recording_list("withdrawn", _l("Kept although a consent was withdrawn"), _withdrawn),
    recording_list(
        "missing-consents",
        _l("Without all required consents"),
        _missing_consents,
        row=_missing_row,
        extra=lambda: (Recording.verdict,),
    ),
    recording_list(
        "access-lapsed",
        _l("Empty or expired access list"),
        _lapsed,
        row=_lapsed_row,
        extra=_listed,
    ),
    ListSpec(
        "reconsent",
        _l("Consents on a form version needing re-consent"),
        _reconsent_counted,
        _reconsent_shown,
        BY_CONSENT,
        _reconsent_row,
        built_once=False,  # the superseded form versions are read first
    ),
    ListSpec(
        "incidents",
        _l("Open publication incidents"),
        lambda shape: _incidents(shape).with_only_columns(PublicationIncident.id),
        _incidents,
        BY_INCIDENT,
        _incident_row,
    ),
)
LIST_NAMES: Final = tuple(spec.name for spec in LISTS)


def list_spec(name: str) -> ListSpec | None:
    return next((spec for spec in LISTS if spec.name == name), None)


def _counted_together(specs: Sequence[ListSpec], filters: Filters) -> list[int]:
    """The lists' counts in one statement (a subquery each)."""
    shape = filters.shape
    counted = [_counting(spec.statement("counted", shape)).scalar_subquery() for spec in specs]
    found = db.session.execute(select(*counted), filters.params()).one()
    return [int(value) for value in found]


def counts(filters: Filters, names: Sequence[str] = LIST_NAMES) -> dict[str, int]:
    """Every list's count, in one statement."""
    specs = [spec for spec in (list_spec(name) for name in names) if spec is not None]
    return {
        spec.name: value
        for spec, value in zip(specs, _counted_together(specs, filters), strict=True)
    }


# --- the kept recordings, for the retention report ----------------------------------------------


@cache
def retention_list(state: str | None) -> ListSpec:
    """Kept recordings, of one retention state or all, by recording id."""
    return recording_list(
        state or "kept", _l("Kept recordings"), lambda: kept_criteria(state), row=_retention_row
    )


def retention_counts(filters: Filters) -> dict[str, int]:
    """Kept recordings per retention state (each counted on the destroy-by date index), in one
    statement."""
    specs = [retention_list(state) for state in RETENTION_STATES]
    return dict(zip(RETENTION_STATES, _counted_together(specs, filters), strict=True))


# --- the charts' data ------------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def due_per_month(filters: Filters) -> list[tuple[date, int]]:
    """Kept recordings to be destroyed per month from today on: this month and the next eleven
    (later ones are not shown; the overdue ones are the dashboard's overdue list)."""
    months = [_month_start(filters.today)]
    while len(months) < CHART_MONTHS + 1:
        months.append(_next_month(months[-1]))
    bounds = {f"month_{n}": month for n, month in enumerate(months) if n}
    found = db.session.execute(_due_per_month(filters.shape), {**filters.params(), **bounds})
    return list(zip(months[:-1], (int(c) for c in found.one()), strict=True))


@cache
def _due_per_month(shape: Shape) -> Select[Any]:
    # One count per month, each a range of the destroy-by date index, in one statement (a
    # GROUP BY over the year's dates would read and group every one of them). This month
    # counts from today: what is due before today is overdue.
    bounds = [TODAY, *(bindparam(f"month_{n}", type_=Date) for n in range(1, CHART_MONTHS + 1))]

    def in_month(start: Any, end: Any) -> Any:
        counted = select(func.count()).select_from(Recording)
        counted = _filtered(counted, shape).where(
            *kept_criteria(None),
            Recording.retention_until >= start,
            Recording.retention_until < end,
        )
        return counted.scalar_subquery()

    return select(*(in_month(start, end) for start, end in itertools.pairwise(bounds)))


def consents_by_status(filters: Filters) -> list[tuple[str, int]]:
    """Consents on the filtered recordings: granted (standing), refused, withdrawn. Unfiltered,
    the practice's tallies (consents.tallies); filtered, counted."""
    if filters.clinician_id is None and not filters.by_period:
        counted = tallies(db.session())
        return [(state, counted[state]) for state in CONSENT_STATES]

    def count(*criteria: ColumnElement[bool]) -> int:
        query = select(Consent.id).join(Recording, Consent.recording_id == Recording.id)
        return _count(_filtered(query.where(*criteria), filters.shape), filters)

    withdrawn = count(Consent.withdrawn_at.is_not(None))
    found = {
        "granted": count(Consent.decision == "granted") - withdrawn,
        "refused": count(Consent.decision == "refused"),
        "withdrawn": withdrawn,
    }
    return [(state, found[state]) for state in CONSENT_STATES]


def clinicians() -> list[User]:
    """Who the clinician filter offers: everyone who planned a recording, or is a clinician."""
    # EXISTS by the planner index, per user: the distinct planners of every recording would
    # be read from all of them.
    planned = exists().where(Recording.created_by_id == User.id)
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.role.in_(CLINICAL_ROLES), planned))
            .order_by(User.display_name, User.id)
        )
    )
