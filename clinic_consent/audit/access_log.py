"""NEN 7513 access logging: who looked at or changed which health data, when, from where, why.

Views note accesses during the request; the request cycle writes them at its end, also when
the request failed or was denied (a denied attempt is exactly what an auditor wants to see).

Retention: NEN 7513 asks for at least five years. The application never deletes or changes an
access log entry (no operation, command or page does; the entries hold ids only, so erasing a
client's personal data need not touch them); removing older entries is left to the database
administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Table, insert

from clinic_consent.audit.models import AccessLogEntry
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc


@dataclass(frozen=True)
class Access:
    event: str
    action: str
    object_type: str
    object_id: int | None
    client_id: int | None
    outcome: str


def note_access(
    event: str,
    *,
    object_type: str,
    object_id: int | None,
    client_id: int | None = None,
    action: str = "read",
    outcome: str = "success",
) -> None:
    """Remember an access to write at the end of the request."""
    if not has_request_context():
        return
    g.setdefault("accesses", []).append(
        Access(event, action, object_type, object_id, client_id, outcome)
    )


def _purpose(role: str | None) -> str:
    return "audit" if role == "practice_manager" else "treatment"


def write_noted_accesses() -> None:
    """Write the request's accesses in its transaction (the caller commits). A plain INSERT,
    not ORM objects: every request writes one, and the unit of work would cost more than the
    database does."""
    accesses: list[Access] = g.pop("accesses", [])
    if not accesses:
        return
    user = current_user if current_user.is_authenticated else None
    role = user.role if user is not None else None
    occurred_at = now_utc()
    token_id = g.get("api_token_id")
    db.session.execute(
        insert(cast(Table, AccessLogEntry.__table__)),
        [
            {
                "occurred_at": occurred_at,
                "event": a.event,
                "action": a.action,
                "outcome": a.outcome,
                "user_id": user.id if user is not None else None,
                "user_role": role,
                "responsible_user_id": user.id if user is not None else None,
                "purpose_of_use": _purpose(role),
                "network_address": request.remote_addr,
                "client_id": a.client_id,
                "object_type": a.object_type,
                "object_id": a.object_id,
                "api_token_id": token_id,
            }
            for a in accesses
        ],
    )
