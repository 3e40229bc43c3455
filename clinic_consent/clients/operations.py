"""Registering clients, their representatives (R6) and capacity judgements."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from clinic_consent.audit.operations import log_change
from clinic_consent.clients.models import (
    CAPACITY_SCOPES,
    REPRESENTATIVE_RELATIONS,
    CapacityJudgement,
    Client,
    Representative,
)
from clinic_consent.errors import OperationError
from clinic_consent.extensions import db
from clinic_consent.practice.models import LANGUAGES
from clinic_consent.sessions.models import SessionParticipant
from clinic_consent.timeutil import now_utc, today_utc
from clinic_consent.users.models import User
from clinic_consent.validation import not_after, one_of, optional_text, required_text

OLDEST_AGE_YEARS = 130


def _checked_birth_date(birth_date: date) -> date:
    today = today_utc()
    not_after(birth_date, today, "birth_date", _l("today"))
    if birth_date.year < today.year - OLDEST_AGE_YEARS:
        raise OperationError("birth_date", _l("is more than %(n)s years ago", n=OLDEST_AGE_YEARS))
    return birth_date


def _unique_external_ref(value: str | None, client: Client | None = None) -> str | None:
    """The EHR patient id, refused when another client has it (a clear error, not a crash)."""
    ref = optional_text(value, "external_ref", 100)
    if ref is not None:
        other = db.session.scalar(select(Client.id).where(Client.external_ref == ref))
        if other is not None and (client is None or other != client.id):
            raise OperationError("external_ref", _l("belongs to another client"))
    return ref


def create_client(
    *,
    given_name: str,
    family_name: str,
    birth_date: date,
    actor: User,
    language: str = "nl",
    external_ref: str | None = None,
) -> Client:
    client = Client(
        given_name=required_text(given_name, "given_name"),
        family_name=required_text(family_name, "family_name"),
        birth_date=_checked_birth_date(birth_date),
        language=one_of(language, LANGUAGES, "language"),
        external_ref=_unique_external_ref(external_ref),
        created_by_id=actor.id,
    )
    db.session.add(client)
    db.session.flush()
    log_change("client.created", client, actor, client_id=client.id)
    return client


def update_client(
    client: Client,
    *,
    given_name: str,
    family_name: str,
    birth_date: date,
    actor: User,
    language: str,
    external_ref: str | None = None,
) -> None:
    """Correct a client's personal data; the audit entry names the fields that changed."""
    if client.erased_at is not None:
        raise OperationError(None, _l("the personal data of this client have been erased"))
    values = {
        "given_name": required_text(given_name, "given_name"),
        "family_name": required_text(family_name, "family_name"),
        "birth_date": _checked_birth_date(birth_date),
        "language": one_of(language, LANGUAGES, "language"),
        "external_ref": _unique_external_ref(external_ref, client),
    }
    changed = sorted(name for name, value in values.items() if getattr(client, name) != value)
    for name in changed:
        setattr(client, name, values[name])
    if changed:
        log_change("client.updated", client, actor, client_id=client.id, fields=changed)


def add_representative(
    represented: Client | SessionParticipant,
    *,
    name: str,
    relation: str,
    actor: User,
    contact: str | None = None,
    has_authority: bool = True,
) -> Representative:
    """Register who decides for a client, or for a companion (role 'other') in one session."""
    if isinstance(represented, SessionParticipant) and represented.role != "other":
        raise OperationError(
            "represented", _l("a client's representatives are registered on the client")
        )
    representative = Representative(
        name=required_text(name, "name"),
        relation=one_of(relation, REPRESENTATIVE_RELATIONS, "relation"),
        contact=optional_text(contact, "contact", 300),
        has_authority=has_authority,
        registered_by_id=actor.id,
    )
    if isinstance(represented, Client):
        representative.client = represented
    else:
        representative.participant = represented
    db.session.add(representative)
    db.session.flush()  # sets client_id / participant_id from the relationship
    log_change(
        "representative.added",
        representative,
        actor,
        client_id=representative.client_id,
        participant_id=representative.participant_id,
        relation=relation,
    )
    return representative


def end_representation(representative: Representative, *, actor: User) -> None:
    if representative.ended_at is not None:
        raise OperationError(None, _l("this representation has already ended"))
    representative.ended_at = now_utc()
    log_change("representative.ended", representative, actor, client_id=representative.client_id)


def record_capacity_judgement(
    client: Client,
    *,
    has_capacity: bool,
    decision: str,
    judged_by: User,
    decision_scope: str = "recording",
    judged_at: datetime | None = None,
    note: str | None = None,
) -> CapacityJudgement:
    judged_at = judged_at or now_utc()
    if judged_at > now_utc():
        raise OperationError("judged_at", _l("cannot be in the future"))
    judgement = CapacityJudgement(
        client=client,
        has_capacity=has_capacity,
        decision_scope=one_of(decision_scope, CAPACITY_SCOPES, "decision_scope"),
        decision=required_text(decision, "decision", 500),
        judged_by_id=judged_by.id,
        judged_at=judged_at,
        note=optional_text(note, "note"),
    )
    db.session.add(judgement)
    log_change(
        "capacity.judged",
        judgement,
        judged_by,
        client_id=client.id,
        has_capacity=has_capacity,
        decision_scope=decision_scope,
    )
    return judgement
