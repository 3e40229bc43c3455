"""Runs of the audit chain check, stored so the dashboard can show when the trail was last proven.

The chain alone cannot reveal entries cut off its end (the remaining entries still link up), so
each run compares its count with the last run's: fewer entries than last time is reported as
entries missing since the last verification, naming the last entry still present.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from clinic_consent.audit import chain
from clinic_consent.audit.models import AuditVerification
from clinic_consent.extensions import db
from clinic_consent.timeutil import now_utc

TAIL_MISSING = (
    "entries after it are missing since the last verification ({then} entries then, {now} now)"
)


class _Actor(Protocol):
    id: int


def last_verification() -> AuditVerification | None:
    """The most recent run of the chain check, or None when it never ran."""
    return db.session.scalars(
        select(AuditVerification)
        .order_by(AuditVerification.verified_at.desc(), AuditVerification.id.desc())
        .limit(1)
    ).first()


def _last_intact_count() -> int | None:
    return db.session.scalar(
        select(AuditVerification.entries_checked)
        .where(AuditVerification.first_broken_id.is_(None))
        .order_by(AuditVerification.verified_at.desc(), AuditVerification.id.desc())
        .limit(1)
    )


def run_verification(actor: _Actor | None) -> chain.ChainReport:
    """Verify the chain and store the outcome (flushed, not committed)."""
    proven_count = _last_intact_count()
    report = chain.verify()
    if report.intact and proven_count is not None and report.entries_checked < proven_count:
        # The chain alone cannot show that its end was cut off: the count can. Name the last
        # entry still there (0 when none is left), after which entries went missing.
        report = chain.ChainReport(
            report.entries_checked,
            chain.last_entry_id() or 0,
            TAIL_MISSING.format(then=proven_count, now=report.entries_checked),
        )
    db.session.add(
        AuditVerification(
            verified_at=now_utc(),
            entries_checked=report.entries_checked,
            first_broken_id=report.first_broken_id,
            reason=report.reason,
            verified_by_id=actor.id if actor is not None else None,
        )
    )
    db.session.flush()
    return report
