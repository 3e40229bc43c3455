"""The practice's own setup: its settings row and the default retention classes (R8)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from clinic_consent.audit.operations import log_change
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.models import LANGUAGES, SETTINGS_ID, PracticeSettings
from clinic_consent.recordings.models import Recording, RetentionClass
from clinic_consent.timeutil import now_utc
from clinic_consent.users.models import User
from clinic_consent.validation import one_of, optional_text, required_text

_AGB_CODE = re.compile(r"^[0-9]{8}$")
_CLASS_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
# WGBO art. 7:454 BW: the medical file is kept 20 years after its last change. A recording in
# the file is kept at least that long after its session (a later change of the file moves the
# date on: the clinician then gives a later date with that reason).
MEDICAL_FILE_DAYS = 20 * 365 + 5
MAX_PERIOD_DAYS = 100 * 366


@dataclass(frozen=True)
class RetentionDefault:
    code: str
    name: str
    period_days: int | None
    basis: str
    follows_medical_file: bool = False


def N_(text: str) -> str:
    """Marks a default that is stored in English for extraction; ``stored_text`` shows it."""
    return text


def stored_text(text: str) -> str:
    """A stored default (e.g. a retention class's name) in the reader's language; a text an
    administrator changed is not in the catalog and is shown as typed."""
    return gettext(text) if text else text  # gettext("") would answer the catalog's header


# Dutch defaults, stored in English and shown in the reader's language (``stored_text``); an
# administrator edits them. A class without a period needs an explicit date.
DEFAULT_RETENTION_CLASSES = (
    RetentionDefault(
        "medical_file",
        N_("Part of the medical file"),
        MEDICAL_FILE_DAYS,
        N_("WGBO art. 7:454 BW: kept 20 years after the last change to the medical file"),
        follows_medical_file=True,
    ),
    RetentionDefault(
        "training",
        N_("Training"),
        365,
        N_("Short-lived: destroyed one year after the session at the latest"),
    ),
    RetentionDefault(
        "supervision",
        N_("Supervision"),
        365,
        N_("Short-lived: destroyed when the supervision ends, one year at the latest"),
    ),
    RetentionDefault(
        "research",
        N_("Research"),
        None,
        N_("Follows the research protocol: state the protocol's destroy-by date"),
    ),
)


def ensure_practice_settings(name: str) -> PracticeSettings:
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    if settings is None:
        settings = PracticeSettings(id=SETTINGS_ID, name=name, address="")
        db.session.add(settings)
        db.session.flush()
    return settings


def ensure_default_retention_classes() -> list[RetentionClass]:
    """Create the default classes that do not exist yet; never overwrite an edited one."""
    existing = set(db.session.scalars(select(RetentionClass.code)))
    created = [
        RetentionClass(
            code=d.code,
            name=d.name,
            period_days=d.period_days,
            basis=d.basis,
            follows_medical_file=d.follows_medical_file,
        )
        for d in DEFAULT_RETENTION_CLASSES
        if d.code not in existing
    ]
    db.session.add_all(created)
    db.session.flush()
    return created


def retention_class(code: str) -> RetentionClass | None:
    return db.session.scalars(select(RetentionClass).where(RetentionClass.code == code)).first()


def update_practice_settings(
    settings: PracticeSettings,
    *,
    name: str,
    address: str,
    agb_code: str | None,
    default_language: str,
    waiting_room_notice_up: bool,
    actor: User,
) -> list[str]:
    """Change the practice's settings; returns the names of the fields changed.

    R10: confirming the waiting-room notice stamps when; an already confirmed notice keeps its
    date, and taking it down clears it.
    """
    agb = (agb_code or "").strip() or None
    if agb is not None and not _AGB_CODE.match(agb):
        raise OperationError("agb_code", _l("must be 8 digits, or empty"))
    values: dict[str, object] = {
        "name": required_text(name, "name"),
        "address": optional_text(address, "address", 1000) or "",
        "agb_code": agb,
        "default_language": one_of(default_language, LANGUAGES, "default_language"),
    }
    if waiting_room_notice_up and settings.waiting_room_notice_confirmed_at is None:
        values["waiting_room_notice_confirmed_at"] = now_utc()
    elif not waiting_room_notice_up:
        values["waiting_room_notice_confirmed_at"] = None
    changed = [key for key, value in values.items() if getattr(settings, key) != value]
    for key in changed:
        setattr(settings, key, values[key])
    if changed:
        log_change("practice.settings_updated", settings, actor, changed=changed)
    return changed


# --- retention classes, edited by an administrator (R8) --------------------------------------


@dataclass(frozen=True)
class RetentionClassInput:
    """What an administrator states about a class; ``period_days`` None: no fixed period
    (e.g. research: each recording states its protocol's date)."""

    name: str
    basis: str
    period_days: int | None = None
    follows_medical_file: bool = False
    active: bool = True


def _checked_class(values: RetentionClassInput) -> dict[str, object]:
    period = values.period_days
    if values.follows_medical_file:
        period = MEDICAL_FILE_DAYS
    elif period is not None and not 1 <= period <= MAX_PERIOD_DAYS:
        raise OperationError(
            "period_days", _l("must be between 1 and %(n)s days", n=MAX_PERIOD_DAYS)
        )
    return {
        "name": required_text(values.name, "name", 200),
        "basis": required_text(values.basis, "basis", 2000),
        "period_days": period,
        "follows_medical_file": values.follows_medical_file,
        "active": values.active,
    }


def create_retention_class(
    code: str, values: RetentionClassInput, *, actor: User
) -> RetentionClass:
    code = required_text(code, "code", 50).lower()
    if not _CLASS_CODE.match(code):
        raise OperationError(
            "code", _l("use lower-case letters, digits and underscores, starting with a letter")
        )
    if retention_class(code) is not None:
        raise OperationError("code", _l("another class already has this code"))
    checked = _checked_class(values)
    new_class = RetentionClass(code=code, **checked)
    db.session.add(new_class)
    log_change(
        "retention_class.created",
        new_class,
        actor,
        code=code,
        period_days=new_class.period_days,
        follows_medical_file=new_class.follows_medical_file,
    )
    return new_class


def update_retention_class(
    existing: RetentionClass, values: RetentionClassInput, *, actor: User
) -> list[str]:
    """Change a class; returns the names of the changed fields. Recordings keep the date
    they were given: a new period applies to recordings planned from now on."""
    checked = _checked_class(values)
    changed = [key for key, value in checked.items() if getattr(existing, key) != value]
    for key in changed:
        setattr(existing, key, checked[key])
    if changed:
        log_change(
            "retention_class.updated",
            existing,
            actor,
            changed=changed,
            period_days=existing.period_days,
            active=existing.active,
        )
    return changed


def retention_class_in_use(existing: RetentionClass) -> bool:
    return bool(
        db.session.scalar(select(exists().where(Recording.retention_class_id == existing.id)))
    )


def delete_retention_class(existing: RetentionClass, *, actor: User) -> None:
    """Only a class no recording uses is deleted; one in use is deactivated instead."""
    if retention_class_in_use(existing):
        raise OperationError(
            None, _l("recordings use this class, so it cannot be deleted: deactivate it instead")
        )
    log_change("retention_class.deleted", existing, actor, code=existing.code)
    db.session.delete(existing)
    db.session.flush()
