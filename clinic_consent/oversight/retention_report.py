"""The retention report's rows: every kept recording with its destroy-by date and state.

One definition for the ``retention report`` command and the API's ``/reports/retention``: the
command writes every row, the API a page at a time (by recording id, after a cursor), each page
with the count of every state.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from clinic_consent.oversight.queries import Filters, Row, retention_list

REPORT_FIELDS: Final = (
    "recording_id",
    "session_date",
    "clinician",
    "made_by",
    "medium",
    "retention_until",
    "days_left",
    "state",
)


def report_row(row: Row, filters: Filters) -> dict[str, Any]:
    until = row.retention_until
    assert row.session_date is not None
    return {
        "recording_id": row.recording_id,
        "session_date": row.session_date.isoformat(),
        "clinician": row.clinician,
        "made_by": row.made_by,
        "medium": row.medium,
        "retention_until": until.isoformat() if until is not None else None,
        "days_left": (until - filters.today).days if until is not None else None,
        "state": row.detail,
    }


def report_rows(filters: Filters, state: str | None = None) -> Iterator[dict[str, Any]]:
    """Every kept recording (of one state), read a batch at a time."""
    for row in retention_list(state).rows(filters):
        yield report_row(row, filters)


def report_page(
    filters: Filters, state: str | None, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the report and the cursor of the next (None on the last page)."""
    rows = retention_list(state).page(filters, str(after) if after else None, limit + 1)
    more = len(rows) > limit
    page = [report_row(row, filters) for row in rows[:limit]]
    return page, (page[-1]["recording_id"] if more and page else None)
