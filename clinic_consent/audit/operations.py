"""Audit an operation's change in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any, Protocol

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditEntry
from clinic_consent.extensions import db


class _Identified(Protocol):
    __tablename__: str
    id: int


class _Actor(Protocol):
    id: int


def log_change(
    action: str,
    obj: _Identified,
    actor: _Actor | None,
    *,
    client_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Append ``action`` on ``obj`` to the audit chain; details hold ids and codes only."""
    db.session.flush()  # gives new objects their id
    return chain.append(
        action,
        obj.__tablename__,
        obj.id,
        actor_user_id=actor.id if actor is not None else None,
        client_id=client_id,
        details=details,
    )
