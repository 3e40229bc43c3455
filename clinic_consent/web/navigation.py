"""The main menu: which pages each role reaches. Entries whose page does not exist are skipped."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from clinic_consent.extensions import db
from clinic_consent.practice.models import SETTINGS_ID, PracticeSettings

CLINICIANS = ("therapist", "group_facilitator")
CLINICAL_READERS = (*CLINICIANS, "practice_manager")


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    roles: tuple[str, ...]


NAVIGATION = (
    NavItem("sessions.agenda", _l("My sessions"), CLINICAL_READERS),
    NavItem("clients.index", _l("Clients"), CLINICAL_READERS),
    NavItem("groups.index", _l("Groups"), CLINICAL_READERS),
    NavItem("recordings.waiting_room_notice", _l("Waiting-room notice"), CLINICAL_READERS),
    NavItem("oversight.dashboard", _l("Dashboard"), ("practice_manager",)),
    NavItem("audit_log.changes", _l("Audit log"), ("practice_manager",)),
    NavItem("verify.verify", _l("Check a form"), ("practice_manager",)),
    NavItem("admin.users", _l("Users"), ("administrator",)),
    NavItem("admin.settings", _l("Practice settings"), ("administrator",)),
    NavItem("form_templates.index", _l("Forms"), ("administrator",)),
    NavItem("retention.index", _l("Retention classes"), ("administrator",)),
)

HOME_BY_ROLE = {
    "therapist": "sessions.agenda",
    "group_facilitator": "sessions.agenda",
    "practice_manager": "clients.index",
    "administrator": "admin.users",
}


def menu() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [i for i in NAVIGATION if current_user.role in i.roles and i.endpoint in views]


def practice_name() -> str:
    """The name the administrator set, else the configured one (before setup)."""
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    return settings.name if settings is not None else str(current_app.config["PRACTICE_NAME"])


def template_globals() -> dict[str, object]:
    return {"menu": menu(), "practice_name": practice_name()}


def home_endpoint(role: str) -> str | None:
    endpoint = HOME_BY_ROLE.get(role)
    return endpoint if endpoint in current_app.view_functions else None
