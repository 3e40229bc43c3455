"""Imports every model module, so that Base.metadata is complete (app start, Alembic)."""

from clinic_consent.audit import models as audit_models
from clinic_consent.clients import models as client_models
from clinic_consent.consents import models as consent_models
from clinic_consent.forms_pdf import models as form_models
from clinic_consent.practice import models as practice_models
from clinic_consent.recordings import models as recording_models
from clinic_consent.sessions import models as session_models
from clinic_consent.users import models as user_models

__all__ = [
    "audit_models",
    "client_models",
    "consent_models",
    "form_models",
    "practice_models",
    "recording_models",
    "session_models",
    "user_models",
]
