"""R9: a recording published without consent, the removal request, its outcome, escalation.

An incident concerns one recording (and so its session and the client who made or published
it). Its steps are registered in order: removal requested (on a date, by whom), the outcome
(removed, or the request refused), an escalation (a civil procedure considered) and closing.
Each step is audited; the audit details hold ids and codes only, never a client's name or the
incident's description.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic_consent.audit.operations import log_change
from clinic_consent.errors import OperationError, refused_transition
from clinic_consent.extensions import db
from clinic_consent.recordings.models import PublicationIncident, Recording
from clinic_consent.timeutil import now_utc, today_utc
from clinic_consent.users.models import User
from clinic_consent.validation import not_after, optional_text, required_text

OPEN_STATUSES = ("open", "removal_requested", "removed", "removal_refused", "court")

# Which steps may follow which status: removal is asked before its outcome, a refusal may be
# escalated, and an incident can be closed at any time (e.g. the recording was taken down).
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "open": ("removal_requested", "closed"),
    "removal_requested": ("removed", "removal_refused", "closed"),
    "removed": ("closed",),
    "removal_refused": ("court", "removal_requested", "closed"),
    "court": ("closed",),
    "closed": (),
}


def open_incidents() -> list[PublicationIncident]:
    """Incidents not closed yet, oldest discovery first (for the manager's dashboard)."""
    return list(
        db.session.scalars(
            select(PublicationIncident)
            .where(PublicationIncident.status != "closed")
            .options(selectinload(PublicationIncident.steps))
            .order_by(PublicationIncident.discovered_on, PublicationIncident.id)
        )
    )


def register_incident(
    recording: Recording,
    *,
    discovered_on: date,
    actor: User,
    description: str | None = None,
) -> PublicationIncident:
    """Register that ``recording`` was published without the consent it needed (R9)."""
    not_after(discovered_on, today_utc(), "discovered_on", _l("today"))
    if discovered_on < recording.session.date:
        raise OperationError("discovered_on", _l("cannot be before the session date"))
    client_id = recording.recorder.client_id
    if client_id is None:
        raise OperationError(
            None, _l("an incident concerns a recording a client made or took with them")
        )
    incident = PublicationIncident(
        recording_id=recording.id,
        session_id=recording.session_id,
        client_id=client_id,
        discovered_on=discovered_on,
        description=optional_text(description, "description"),
        status="open",
        created_by_id=actor.id,
    )
    db.session.add(incident)
    log_change(
        "incident.registered",
        incident,
        actor,
        client_id=client_id,
        recording_id=recording.id,
        discovered_on=discovered_on.isoformat(),
    )
    return incident


@dataclass(frozen=True)
class StepInput:
    """One step as the user states it; ``on`` is the day it happened (today by default)."""

    step: str
    on: date | None = None
    by_whom: str | None = None  # removal requested: who asked (e.g. the therapist, a lawyer)
    note: str | None = None


def _note(step: StepInput) -> str | None:
    if step.step == "removal_requested":
        by_whom = required_text(step.by_whom, "by_whom", 200)
        note = optional_text(step.note, "note")
        return f"{by_whom}: {note}" if note else by_whom
    return optional_text(step.note, "note")


def add_incident_step(incident: PublicationIncident, step: StepInput, *, actor: User) -> None:
    """Register the next step of an incident; a step out of order is refused."""
    if step.step not in NEXT_STEPS.get(incident.status, ()):
        if incident.status == "closed":
            raise OperationError(None, _l("the incident is closed"))
        raise OperationError("step", _l("this step cannot follow the incident's current state"))
    on = step.on or today_utc()
    not_after(on, today_utc(), "on", _l("today"))
    if on < incident.discovered_on:
        raise OperationError("on", _l("cannot be before the incident was discovered"))
    if incident.steps and on < incident.steps[-1].at.date():
        raise OperationError("on", _l("cannot be before the previous step"))
    at = now_utc() if on == today_utc() else datetime.combine(on, time(12, 0), tzinfo=UTC)
    note = _note(step)
    with refused_transition():
        incident.add_step(step.step, actor.id, at, note)
    log_change(
        f"incident.{step.step}",
        incident,
        actor,
        client_id=incident.client_id,
        recording_id=incident.recording_id,
        on=on.isoformat(),
    )
