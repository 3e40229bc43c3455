"""The ids each role works with in the demo practice, for the bad-input corpus: a therapist's
client, session, video recording and its consent, a representative and access entry; a group
facilitator's group, member, session and recording; the practice's templates and classes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clinic_consent.clients.models import Client
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import FormTemplate
from clinic_consent.recordings.facts import participant_key, representative_key
from clinic_consent.recordings.models import PublicationIncident, Recording, RetentionClass
from clinic_consent.sessions.models import GroupTreatment


def therapists_part() -> dict[str, Any]:
    sanne = db.session.scalars(select(Client).where(Client.given_name == "Sanne")).one()
    recording = db.session.scalars(
        select(Recording).where(Recording.medium == "video", Recording.covert.is_(False))
    ).one()
    participant = next(p for p in recording.session.participants if p.client_id == sanne.id)
    parent = sanne.representatives[0]
    return {
        "client_id": sanne.id,
        "session_id": recording.session_id,
        "recording_id": recording.id,
        "consent_id": recording.consents[0].id,
        "participant_id": participant.id,
        "representative_id": parent.id,
        "entry_id": recording.access_entries[0].id,
        "party_key": representative_key(parent),
        "for_key": participant_key(participant),
        "user_id": recording.created_by_id,
        "incident_id": db.session.scalars(select(PublicationIncident.id)).one(),
    }


def facilitators_part() -> dict[str, Any]:
    group = db.session.scalars(select(GroupTreatment)).one()
    session = group.sessions[0]
    recording = session.recordings[0]
    member = group.members[1]
    participant = next(p for p in session.participants if p.client_id == member.client_id)
    return {
        "client_id": member.client_id,
        "session_id": session.id,
        "recording_id": recording.id,
        "consent_id": recording.consents[0].id,
        "participant_id": participant.id,
        "party_key": participant_key(participant),
        "for_key": participant_key(participant),
        "group_id": group.id,
        "membership_id": member.id,
        "user_id": group.created_by_id,
    }


def practice_part() -> dict[str, Any]:
    template = db.session.scalars(select(FormTemplate).order_by(FormTemplate.id)).first()
    retention_class = db.session.scalars(select(RetentionClass).order_by(RetentionClass.id)).first()
    assert template is not None and retention_class is not None
    return {"template_id": template.id, "version": 1, "class_id": retention_class.id}
