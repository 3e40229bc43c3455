"""What a form shows, as plain values: built from the stored consent at the moment of sealing,
so the PDF template never touches the database (see rendering.render_pdf)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any, Final

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplateVersion
from clinic_consent.forms_pdf.text import paragraphs
from clinic_consent.practice.models import SETTINGS_ID, PracticeSettings
from clinic_consent.recordings.facts import (
    consent_party_key,
    current_terms,
    participant_key,
    verdict_for_recording,
)
from clinic_consent.recordings.models import Recording
from clinic_consent.recordings.presentation import RULE_REASONS, participant_name

Context = dict[str, Any]

# The rule basis in plain words: the verdict's reasons, and R7 on every form.
FORM_RULE_REASONS: Final = {
    **RULE_REASONS,
    "R7": _l(
        "The consent covers this recording as described here and no more; it can be withdrawn "
        "at any time."
    ),
}


MEDIUM_WORDS: Final = {"audio": _l("audio"), "video": _l("video")}
PURPOSE_WORDS: Final = {
    "private": _l("private use"),
    "treatment": _l("treatment"),
    "training": _l("training"),
    "supervision": _l("supervision"),
    "research": _l("research"),
}


def practice_context() -> Context:
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    if settings is None:
        from flask import current_app

        return {"name": current_app.config["PRACTICE_NAME"], "address": "", "agb_code": None}
    return {"name": settings.name, "address": settings.address, "agb_code": settings.agb_code}


def _png_data_url(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


def _terms(consent: Consent) -> Context:
    terms = dict(consent.terms)
    retention = terms.get("retention_until")
    terms["retention_until"] = date.fromisoformat(retention) if retention else None
    return terms


def party_name(consent: Consent) -> str:
    if consent.party_representative is not None:
        return consent.party_representative.name
    assert consent.party_participant is not None
    return participant_name(consent.party_participant)


def _rules(consent: Consent) -> list[Context]:
    pair = (consent_party_key(consent), participant_key(consent.for_participant))
    verdict = verdict_for_recording(consent.recording)
    rules = sorted({r.rule for r in verdict.required if (r.party, r.for_) == pair} | {"R7"})
    return [{"id": rule, "text": str(FORM_RULE_REASONS[rule])} for rule in rules]


def _recording(recording: Recording) -> Context:
    session = recording.session
    return {
        "session_date": session.date,
        "group": session.group_treatment.name if session.group_treatment else None,
        "recorder": participant_name(recording.recorder),
        "made_by": recording.made_by,
    }


def _long_date(value: date | None) -> str:
    return str(format_date(value, "long")) if value is not None else "—"


def placeholder_values(
    practice: Context, recording: Context, terms: Context, person: str, client: str
) -> dict[str, str]:
    """The values of the template text's placeholders (text.PLACEHOLDERS), in the language of
    the locale in force."""
    purpose = terms.get("purpose")
    return {
        "practice": practice["name"],
        "person": person,
        "client": client,
        "session_date": _long_date(recording["session_date"]),
        "recorder": recording["recorder"],
        "medium": str(MEDIUM_WORDS[terms["medium"]]),
        "purpose": str(PURPOSE_WORDS[purpose]) if purpose else "—",
        "destroy_by": _long_date(terms.get("retention_until")),
    }


def form_text(
    recording: Recording, version: FormTemplateVersion, *, person: str, client: str
) -> Context:
    """The template text as the person reads it before deciding, on the recording's current
    terms (call within the person's locale)."""
    terms = current_terms(recording).to_json()
    terms["retention_until"] = recording.retention_until
    values = placeholder_values(practice_context(), _recording(recording), terms, person, client)
    return {
        "title": version.title,
        "paragraphs": paragraphs(version.body, values),
        "version_id": version.id,
        "label": f"{version.template.kind} {version.template.language} v{version.version}",
    }


def roster_context(
    recording: Recording, version: FormTemplateVersion, *, form_number: str, sealed_at: datetime
) -> Context:
    """A group recording's roster: every required decision, with its signature and form."""
    from clinic_consent.forms_pdf.operations import consent_documents
    from clinic_consent.recordings.presentation import verdict_view

    practice = practice_context()
    facts = _recording(recording)
    view = verdict_view(recording)
    terms = current_terms(recording).to_json()
    terms["retention_until"] = recording.retention_until
    forms = consent_documents(recording.id)
    values = placeholder_values(practice, facts, terms, "", "")
    roster = []
    for row in view.rows:
        consent = row.consent
        stored = forms.get(consent.id, []) if consent is not None else []
        roster.append(
            {
                "party": row.party.name,
                "on_behalf_of": row.for_party.name if row.on_behalf else None,
                "decision": row.decision,
                "decided_at": consent.decided_at if consent is not None else None,
                "method": consent.method if consent is not None else None,
                "signature": _png_data_url(consent.signature_png) if consent is not None else None,
                "form_number": next(
                    (d.form_number for d in stored if d.kind == "consent_form"), None
                ),
            }
        )
    rules = sorted(set(view.verdict.rules) & set(FORM_RULE_REASONS) | {"R7"})
    return {
        "language": version.template.language,
        "practice": practice,
        "form": {
            "number": form_number,
            "kind": "group_roster",
            "title": version.title,
            "paragraphs": paragraphs(version.body, values),
            "template": version.template.kind,
            "template_version": version.version,
            "sealed_at": sealed_at,
        },
        "recording": facts,
        "terms": terms,
        "rules": [{"id": rule, "text": str(FORM_RULE_REASONS[rule])} for rule in rules],
        "person": None,
        "decision": None,
        "withdrawal": None,
        "roster": roster,
    }


def consent_context(
    consent: Consent,
    version: FormTemplateVersion,
    *,
    form_number: str,
    sealed_at: datetime,
    receipt: bool,
) -> Context:
    """Everything a consent form or withdrawal receipt shows about ``consent``."""
    practice = practice_context()
    recording = _recording(consent.recording)
    terms = _terms(consent)
    person = party_name(consent)
    client = participant_name(consent.for_participant)
    values = placeholder_values(practice, recording, terms, person, client)
    return {
        "language": version.template.language,
        "practice": practice,
        "form": {
            "number": form_number,
            "kind": "withdrawal_receipt" if receipt else "consent_form",
            "title": version.title,
            "paragraphs": paragraphs(version.body, values),
            "template": version.template.kind,
            "template_version": version.version,
            "sealed_at": sealed_at,
        },
        "recording": recording,
        "terms": terms,
        "rules": _rules(consent),
        "person": {
            "name": person,
            "representative": consent.party_representative is not None,
            "on_behalf_of": client if consent.party_representative is not None else None,
        },
        "decision": {
            "value": consent.decision,
            "method": consent.method,
            "witness": consent.witness_name,
            "decided_at": consent.decided_at,
            "signature": _png_data_url(consent.signature_png),
        },
        "withdrawal": (
            {"at": consent.withdrawn_at, "reason": consent.withdrawal_reason}
            if receipt and consent.withdrawn_at is not None
            else None
        ),
        "roster": None,
    }
