"""The retention report's rows: every kept recording with its destroy-by date and state.

One definition for the ``retention report`` command and the API's ``/reports/retention``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from clinic_consent.oversight.queries import Filters, kept_recordings, retention_state
from clinic_consent.recordings.models import Recording

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


def report_row(
    recording: Recording, session_date: date, clinician: str, today: date
) -> dict[str, Any]:
    until = recording.retention_until
    return {
        "recording_id": recording.id,
        "session_date": session_date.isoformat(),
        "clinician": clinician,
        "made_by": recording.made_by,
        "medium": recording.medium,
        "retention_until": until.isoformat() if until is not None else None,
        "days_left": (until - today).days if until is not None else None,
        "state": retention_state(until, today),
    }


def report_rows(filters: Filters) -> list[dict[str, Any]]:
    return [report_row(*item, filters.today) for item in kept_recordings(filters)]
