"""Per client: who accessed their recordings and consents, and when (Wabvpz; NEN 7513).

A client has the right to know who looked at their data. The page lists the access log
entries about one client, newest first, by period, and offers the same as a CSV file to hand
to the client. The practice manager sees it for every client, a clinician for the clients
they may see (access.load_client, which logs this look too).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Result, Select, and_, or_, select
from sqlalchemy.orm import aliased

from clinic_consent import access
from clinic_consent.admin.forms import ROLE_LABELS
from clinic_consent.audit.access_log import note_access
from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.extensions import db
from clinic_consent.recordings.models import Recording
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.spreadsheet import safe_cell
from clinic_consent.users.models import User
from clinic_consent.web.paging import page_of

bp = Blueprint("audit", __name__)

PER_PAGE = 50
INVALID = 422
PURPOSE_LABELS = {"treatment": _l("treatment"), "audit": _l("audit")}
ACTION_LABELS = {
    "create": _l("create"),
    "read": _l("view"),
    "update": _l("change"),
    "delete": _l("delete"),
    "execute": _l("execute"),
}
OUTCOME_LABELS = {"success": _l("allowed"), "denied": _l("denied"), "failure": _l("failed")}
OBJECT_LABELS = {
    "clients": _l("client file"),
    "recordings": _l("recording"),
    "consents": _l("consent"),
    "session_participants": _l("session participation"),
    "representatives": _l("representative"),
    "access_list_entries": _l("recording access list"),
    "stored_documents": _l("signed document"),
    "access_log_entries": _l("access overview"),
}


@dataclass(frozen=True)
class Row:
    occurred_at: datetime
    event: str
    action: str
    outcome: str
    user_name: str
    role: str
    responsible_name: str
    purpose: str
    network_address: str
    object_label: str
    object_id: int | None


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    error: str | None


def _read_period() -> Period:
    """The optional from/to dates (YYYY-MM-DD, both inclusive)."""
    values: list[date | None] = []
    for name in ("from", "to"):
        raw = request.args.get(name, "").strip()
        if not raw:
            values.append(None)
            continue
        try:
            values.append(date.fromisoformat(raw))
        except ValueError:
            return Period(None, None, _("Enter dates as YYYY-MM-DD."))
    start, end = values
    if start is not None and end is not None and start > end:
        return Period(None, None, _("The period ends before it starts."))
    return Period(start, end, None)


def _local_midnight(day: date) -> datetime:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam"))
    return datetime.combine(day, time(), zone)


def _of_their_recordings(client_id: int) -> ColumnElement[bool]:
    """A recording is logged under the client who made it, if any; the recordings of the
    sessions the client took part in are theirs too (e.g. a group session the therapist
    recorded)."""
    sessions = select(SessionParticipant.session_id).where(
        SessionParticipant.client_id == client_id
    )
    recordings = select(Recording.id).where(Recording.session_id.in_(sessions))
    return and_(
        AccessLogEntry.object_type == Recording.__tablename__,
        AccessLogEntry.object_id.in_(recordings),
    )


def _query(client_id: int, period: Period) -> Select[AccessLogEntry, User, User]:
    """The entries about the client, with the user and the responsible user (outer joins)."""
    responsible = aliased(User)
    statement = (
        select(AccessLogEntry, User, responsible)
        .outerjoin(User, User.id == AccessLogEntry.user_id)
        .outerjoin(responsible, responsible.id == AccessLogEntry.responsible_user_id)
        .where(or_(AccessLogEntry.client_id == client_id, _of_their_recordings(client_id)))
    )
    if period.start is not None:
        statement = statement.where(AccessLogEntry.occurred_at >= _local_midnight(period.start))
    if period.end is not None:
        end = _local_midnight(period.end + timedelta(days=1))
        statement = statement.where(AccessLogEntry.occurred_at < end)
    return statement


def _label(labels: dict[str, object], value: str | None) -> str:
    if value is None:
        return ""
    return str(labels.get(value, value))


def _row(entry: AccessLogEntry, user: User | None, responsible: User | None) -> Row:
    return Row(
        occurred_at=entry.occurred_at,
        event=entry.event,
        action=_label(ACTION_LABELS, entry.action),
        outcome=_label(OUTCOME_LABELS, entry.outcome),
        user_name=user.display_name if user is not None else _("unknown user"),
        role=_label(ROLE_LABELS, entry.user_role),
        responsible_name=responsible.display_name if responsible is not None else "",
        purpose=_label(PURPOSE_LABELS, entry.purpose_of_use),
        network_address=entry.network_address or "",
        object_label=_label(OBJECT_LABELS, entry.object_type),
        object_id=entry.object_id,
    )


def _rows(results: Result[AccessLogEntry, User, User]) -> list[Row]:
    return [_row(entry, user, responsible) for entry, user, responsible in results]


@bp.get("/clients/<int:client_id>/accesses")
def client_accesses(client_id: int) -> Response | str | tuple[str, int]:
    client = access.load_client(client_id)
    period = _read_period()
    if period.error is not None:
        refused = render_template(
            "audit/client_accesses.html",
            client=client,
            rows=[],
            period=period,
            page=1,
            pages=1,
            total=0,
        )
        return refused, INVALID
    statement = _query(client.id, period)
    ordered = statement.order_by(AccessLogEntry.occurred_at.desc(), AccessLogEntry.id.desc())
    if request.args.get("format") == "csv":
        note_access(
            "access_log_entries.export",
            object_type="access_log_entries",
            object_id=None,
            client_id=client.id,
        )
        return _csv(client.id, _rows(db.session.execute(ordered)))
    page = page_of(ordered, PER_PAGE)
    return render_template(
        "audit/client_accesses.html",
        client=client,
        rows=[_row(*result) for result in page.items],
        period=period,
        page=page.number,
        pages=page.pages,
        total=page.total,
    )


def _csv(client_id: int, rows: Sequence[Row]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Date and time (UTC)"),
            _("Event"),
            _("Action"),
            _("Outcome"),
            _("User"),
            _("Role"),
            _("Responsible user"),
            _("Purpose of use"),
            _("Network address"),
            _("Client"),
            _("Object"),
            _("Object number"),
        ]
    )
    for row in rows:
        writer.writerow(
            safe_cell(value)
            for value in (
                row.occurred_at.isoformat(timespec="seconds"),
                row.event,
                row.action,
                row.outcome,
                row.user_name,
                row.role,
                row.responsible_name,
                row.purpose,
                row.network_address,
                client_id,
                row.object_label,
                row.object_id,
            )
        )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="accesses-client-{client_id}.csv"'},
    )
