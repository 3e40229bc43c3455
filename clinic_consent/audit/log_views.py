"""The practice's audit log for the practice manager: every change (the hash-chained audit
trail) and every access to health data (the NEN 7513 access log), newest first.

Both logs grow with every request, so they are read a page at a time by keyset (the rows
before the oldest one shown), never counted or skipped through; a page costs the same with a
hundred entries or ten million. Practice managers only; reading the log is itself logged.
"""

from __future__ import annotations

from typing import Any, Final

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from clinic_consent import access
from clinic_consent.admin.forms import ROLE_LABELS
from clinic_consent.audit.access_log import note_access
from clinic_consent.audit.models import ACCESS_OUTCOMES, AccessLogEntry, AuditEntry
from clinic_consent.audit.views import ACTION_LABELS, OBJECT_LABELS, OUTCOME_LABELS, PURPOSE_LABELS
from clinic_consent.extensions import db
from clinic_consent.keyset import Keyset, id_key
from clinic_consent.users.models import User

bp = Blueprint("audit_log", __name__, url_prefix="/audit-log")

ENTRIES_PER_PAGE: Final = 50
MAX_KEY: Final = 12
CHANGES: Final = Keyset((AuditEntry.id,), id_key, lambda row: str(row[0].id), descending=True)
ACCESSES: Final = Keyset((AccessLogEntry.id,), id_key, lambda row: str(row[0].id), descending=True)
VIEWS: Final = {"changes": _l("Changes"), "accesses": _l("Accesses")}


@bp.before_request
def _practice_managers_only() -> None:
    if not access.is_auditor(access.user()):
        abort(404)


def _client_filter() -> int | None:
    """?client=<id>: one client's entries (a number; anything else shows all)."""
    value = request.args.get("client", type=int)
    return value if value is not None and 0 < value < 2**31 else None


def _page(statement: Select[*tuple[Any, ...]], keyset: Keyset) -> tuple[list[Any], str | None]:
    after = request.args.get("after", "")[:MAX_KEY] or None
    rows = list(db.session.execute(keyset.after(statement, after).limit(ENTRIES_PER_PAGE + 1)))
    more = len(rows) > ENTRIES_PER_PAGE
    rows = rows[:ENTRIES_PER_PAGE]
    return rows, (keyset.write(rows[-1]) if more else None)


@bp.get("")
def changes() -> str:
    client_id = _client_filter()
    actor = aliased(User)
    statement = select(AuditEntry, actor.display_name).outerjoin(
        actor, actor.id == AuditEntry.actor_user_id
    )
    if client_id is not None:
        statement = statement.where(AuditEntry.client_id == client_id)
    rows, older = _page(statement, CHANGES)
    note_access(
        "audit_entries.list", object_type="audit_entries", object_id=None, client_id=client_id
    )
    return render_template(
        "audit/log.html",
        view="changes",
        views=VIEWS,
        rows=rows,
        older=older,
        client_id=client_id,
        labels={"object": OBJECT_LABELS},
    )


@bp.get("/accesses")
def accesses() -> str:
    client_id = _client_filter()
    outcome = request.args.get("outcome")
    outcome = outcome if outcome in ACCESS_OUTCOMES else None
    user = aliased(User)
    statement = select(AccessLogEntry, user.display_name).outerjoin(
        user, user.id == AccessLogEntry.user_id
    )
    if client_id is not None:
        statement = statement.where(AccessLogEntry.client_id == client_id)
    if outcome is not None:
        statement = statement.where(AccessLogEntry.outcome == outcome)
    rows, older = _page(statement, ACCESSES)
    note_access(
        "access_log_entries.list",
        object_type="access_log_entries",
        object_id=None,
        client_id=client_id,
    )
    return render_template(
        "audit/log.html",
        view="accesses",
        views=VIEWS,
        rows=rows,
        older=older,
        client_id=client_id,
        outcome=outcome,
        outcomes={o: OUTCOME_LABELS[o] for o in ACCESS_OUTCOMES},
        labels={
            "object": OBJECT_LABELS,
            "action": ACTION_LABELS,
            "outcome": OUTCOME_LABELS,
            "purpose": PURPOSE_LABELS,
            "role": ROLE_LABELS,
        },
    )
