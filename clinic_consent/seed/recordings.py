"""The seed's recordings of one session, with their access lists and consents.

Who must consent is asked of the rule core (``domain.evaluate``) on facts built the way
``recordings.facts.facts_for_recording`` builds them from stored rows; the stored verdict is
the rule core's answer with the consents registered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from clinic_consent.demo import signature_png
from clinic_consent.domain import (
    Facts,
    Participant,
    Representative,
    RequiredConsent,
    evaluate,
)
from clinic_consent.domain import Recording as RecordingFacts
from clinic_consent.domain.terms import ConsentTerms
from clinic_consent.forms_pdf.operations import form_kind_for
from clinic_consent.practice.operations import MEDICAL_FILE_DAYS
from clinic_consent.recordings.derived import access_open_until
from clinic_consent.seed.bulk import Ids, Rows, as_json, day, stamp
from clinic_consent.seed.schedule import SeedParticipant, SeedSession
from clinic_consent.seed.trail import Trail

RECORDING_COLUMNS: Final = (
    "id",
    "session_id",
    "made_by",
    "recorder_participant_id",
    "medium",
    "covert",
    "public",
    "scope",
    "scope_description",
    "purpose",
    "motive",
    "agreements",
    "retention_class_id",
    "retention_until",
    "storage_location",
    "status",
    "made_at",
    "destroyed_at",
    "destroyed_by_id",
    "destruction_method",
    "destruction_witness",
    "created_at",
    "created_by_id",
    "version",
    "verdict",
    "access_open_until",
    "withdrawals",
)
ACCESS_ENTRY_COLUMNS: Final = (
    "id",
    "recording_id",
    "user_id",
    "role",
    "outside_name",
    "purpose",
    "valid_until",
    "granted_by_id",
    "granted_at",
    "revoked_at",
    "revoked_by_id",
)
CONSENT_COLUMNS: Final = (
    "id",
    "recording_id",
    "party_participant_id",
    "party_representative_id",
    "for_participant_id",
    "decision",
    "method",
    "witness_name",
    "decided_at",
    "registered_at",
    "registered_by_id",
    "template_version_id",
    "signature_png",
    "terms",
    "withdrawn_at",
    "withdrawal_reason",
    "withdrawal_registered_by_id",
)
SIGNATURE: Final = signature_png(48, 12)
PARTIAL_SCOPE: Final = "Only the role play at the end"
STORAGE: Final = {
    "treatment": "Electronic health record, attachment",
    "training": "Encrypted training archive",
    "supervision": "Practice file server, folder Supervisie",
    "research": "Research data vault, study CC-2026",
}
SUPERVISOR: Final = "Drs. J. Bos (supervisor)"


@dataclass(frozen=True)
class Plan:
    """What is recorded, before the recorder is chosen."""

    made_by: str
    medium: str
    purpose: str
    scope: str = "whole"
    covert: bool = False
    public: bool = False


# (chance per session, plan); a client's private recordings are sometimes covert (R1 allows
# it for audio in an individual session; anything else covert is forbidden).
INDIVIDUAL_PLANS: Final = (
    (0.50, Plan("client", "audio", "private")),
    (0.70, Plan("clinician", "audio", "treatment")),
    (0.60, Plan("clinician", "video", "supervision")),
    (0.50, Plan("clinician", "video", "training", scope="partial")),
    (0.10, Plan("clinician", "audio", "research")),
    (0.15, Plan("client", "video", "private")),
    (0.04, Plan("client", "audio", "private", public=True)),
    (0.005, Plan("client", "video", "private", covert=True)),
)
GROUP_PLANS: Final = (
    (0.80, Plan("clinician", "audio", "supervision")),
    (0.60, Plan("clinician", "video", "training", scope="partial")),
    (0.40, Plan("clinician", "video", "treatment")),
    (0.10, Plan("client", "video", "private")),
    (0.005, Plan("client", "audio", "private", covert=True)),
)
MEMBER_RECORDS: Final = 0.12  # chance that a group member records the session for themselves


@dataclass(frozen=True)
class Catalogue:
    """Ids the seed refers to: retention classes by code, template versions by kind/language."""

    retention_classes: dict[str, int]
    template_versions: dict[tuple[str, str], int]
    labels: dict[int, str]  # user id -> display name (access list labels)


@dataclass
class Grant:
    user_id: int | None
    role: str | None
    outside_name: str | None
    purpose: str
    valid_until: date | None
    revoked_at: datetime | None = None

    @property
    def label(self) -> str:
        return self.outside_name or self.role or str(self.user_id)


class SessionRecordings:
    """Writes the recordings of sessions, with access entries, consents and their trail."""

    def __init__(
        self,
        catalogue: Catalogue,
        now: datetime,
        rng: random.Random,
        ids: Ids,
        rows: Rows,
        trail: Trail,
    ) -> None:
        self.catalogue = catalogue
        self.now = now
        self.today = now.date()
        self.rng = rng
        self.ids = ids
        self.rows = rows
        self.trail = trail
        self.recordings = 0
        self.consents = 0

    def record(self, session: SeedSession) -> None:
        rng = self.rng
        staff = [p for p in session.participants if p.role == "staff"]
        clients = [p for p in session.participants if p.role == "client"]
        if not clients:
            return
        people = tuple(_participant_facts(p) for p in session.participants)
        plans = INDIVIDUAL_PLANS if session.kind == "individual" else GROUP_PLANS
        for chance, plan in plans:
            if rng.random() < chance:
                recorder = staff[0] if plan.made_by == "clinician" else rng.choice(clients)
                self._recording(session, people, plan, recorder)
        if session.kind == "group":
            for member in clients:
                if rng.random() < MEMBER_RECORDS:
                    self._recording(session, people, Plan("client", "audio", "private"), member)

    # --- one recording -----------------------------------------------------------------------

    def _recording(
        self,
        session: SeedSession,
        people: tuple[Participant, ...],
        plan: Plan,
        recorder: SeedParticipant,
    ) -> None:
        rng = self.rng
        recording_id = self.ids.take("recordings")
        creator = session.lead
        created = session.created_at + timedelta(minutes=1 + 59 * rng.random())
        created_text = stamp(created)
        clinician = plan.made_by == "clinician"
        retention_class, retention_until = (
            self._retention(plan, session.on) if clinician else (None, None)
        )
        grants = self._access_list(session, creator.id, creator.role) if clinician else []
        terms = ConsentTerms(
            medium=plan.medium,
            scope=plan.scope,
            scope_description=PARTIAL_SCOPE if plan.scope == "partial" else None,
            public=plan.public,
            purpose=plan.purpose,
            access_list=frozenset(self._label(g) for g in grants if g.revoked_at is None),
            retention_until=retention_until,
        )
        before = evaluate(self._facts(session, people, plan, recorder, terms))
        client_id = recorder.client_id
        decisions = self._decisions(session, before.status, created)
        self.consents += self._consents(
            session, recording_id, plan, before.required, decisions, creator.id, terms
        )
        # Made: what needed no consent, what was cleared beforehand, a covert recording (found
        # out afterwards) and, now and then, one made while consents were still missing.
        made = before.status in ("not_required", "forbidden", "cleared") or (
            before.status == "consent_required" and (decisions.all_granted or rng.random() < 0.3)
        )
        status, made_at, destroyed_at = self._lifecycle(session, made, retention_until, decisions)
        open_until = access_open_until(
            (g.valid_until, g.revoked_at.date() if g.revoked_at else None) for g in grants
        )
        self.rows.add(
            "recordings",
            RECORDING_COLUMNS,
            (
                recording_id,
                session.id,
                plan.made_by,
                recorder.id,
                plan.medium,
                plan.covert,
                plan.public,
                plan.scope,
                terms.scope_description,
                plan.purpose,
                "To listen back at home" if not clinician else None,
                "The recording stays private" if not clinician and not plan.public else None,
                retention_class,
                day(retention_until),
                STORAGE[plan.purpose] if clinician else None,
                status,
                stamp(made_at) if made_at else None,
                stamp(destroyed_at) if destroyed_at else None,
                creator.id if destroyed_at else None,
                "Deleted and overwritten" if destroyed_at else None,
                "Practice manager" if destroyed_at and rng.random() < 0.5 else None,
                created_text,
                creator.id,
                1,
                decisions.verdict(before.status),
                day(open_until),
                1 if decisions.withdrawn_at is not None else 0,
            ),
        )
        for grant in grants:
            self._access_entry(recording_id, grant, creator.id, created_text)
        if destroyed_at is not None:
            self.trail.change(
                stamp(destroyed_at),
                creator.id,
                "recording.destroyed",
                "recordings",
                recording_id,
                client_id,
                "{}",
            )
        self.recordings += 1

    def _retention(self, plan: Plan, on: date) -> tuple[int | None, date | None]:
        classes = self.catalogue.retention_classes
        if self.rng.random() < 0.01:
            return None, None  # forgotten: incomplete (R4)
        if plan.purpose == "treatment":
            return classes["medical_file"], on + timedelta(days=MEDICAL_FILE_DAYS)
        if plan.purpose == "research":
            return classes["research"], on + timedelta(days=365 * self.rng.randint(3, 5))
        return classes[plan.purpose], on + timedelta(days=365)

    def _label(self, grant: Grant) -> str:
        if grant.user_id is not None:
            return self.catalogue.labels[grant.user_id]
        return grant.label

    def _access_list(self, session: SeedSession, creator_id: int, role: str) -> list[Grant]:
        """Usually the clinician's own role or the clinician, sometimes a supervisor for half a
        year; now and then the list is missing (R4: incomplete) or every entry has lapsed."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return []
        grants = []
        if roll < 0.04:  # lapsed: revoked half a year after the session
            revoked = datetime.combine(session.on + timedelta(days=200), session.starts_at.time())
            grants.append(
                Grant(
                    creator_id,
                    None,
                    None,
                    "Own supervision",
                    None,
                    revoked if revoked <= self.now else None,
                )
            )
        elif rng.random() < 0.6:
            grants.append(Grant(None, role, None, "Treatment and supervision", None))
        else:
            grants.append(Grant(creator_id, None, None, "Own supervision", None))
        if rng.random() < 0.35:
            grants.append(
                Grant(
                    None,
                    None,
                    SUPERVISOR,
                    "Supervision of the treatment",
                    session.on + timedelta(days=180),
                )
            )
        return grants

    def _access_entry(self, recording_id: int, grant: Grant, creator_id: int, at: str) -> None:
        self.rows.add(
            "access_list_entries",
            ACCESS_ENTRY_COLUMNS,
            (
                self.ids.take("access_list_entries"),
                recording_id,
                grant.user_id,
                grant.role,
                grant.outside_name,
                grant.purpose,
                day(grant.valid_until),
                creator_id,
                at,
                stamp(grant.revoked_at) if grant.revoked_at else None,
                creator_id if grant.revoked_at else None,
            ),
        )

    # --- the rule core's facts ---------------------------------------------------------------

    def _facts(
        self,
        session: SeedSession,
        people: tuple[Participant, ...],
        plan: Plan,
        recorder: SeedParticipant,
        terms: ConsentTerms,
    ) -> Facts:
        """The facts before any decision: who must consent."""
        return Facts(
            session_kind=session.kind,
            session_date=session.on,
            recording=RecordingFacts(
                made_by=plan.made_by,
                recorder=recorder.key,
                medium=plan.medium,
                covert=plan.covert,
                public=plan.public,
                scope=plan.scope,
                purpose=plan.purpose,
                access_list=tuple(sorted(terms.access_list)),
                retention_until=terms.retention_until,
            ),
            participants=people,
        )

    # --- decisions ---------------------------------------------------------------------------

    def _decisions(self, session: SeedSession, status: str, created: datetime) -> Decisions:
        """How this recording's required consents went: all granted (most), some not asked
        yet, one refused, or all granted and one withdrawn later."""
        if status in ("not_required", "forbidden"):
            return Decisions("none", created)
        roll = self.rng.random()
        scenario = (
            "granted"
            if roll < 0.84
            else "pending"
            if roll < 0.90
            else "refused"
            if roll < 0.94
            else "withdrawn"
        )
        return Decisions(scenario, created)

    def _consents(
        self,
        session: SeedSession,
        recording_id: int,
        plan: Plan,
        required: tuple[RequiredConsent, ...],
        decisions: Decisions,
        registrar: int,
        terms: ConsentTerms,
    ) -> int:
        """Write the consents (with their audit entries) of the scenario; returns how many."""
        if decisions.scenario == "none" or not required:
            return 0
        rng = self.rng
        by_key = {p.key: p for p in session.participants}
        pairs = list(required)
        skipped = set()
        odd = rng.randrange(len(pairs))
        if decisions.scenario == "pending":
            skipped = {odd} | ({rng.randrange(len(pairs))} if rng.random() < 0.3 else set())
        earliest = decisions.created + timedelta(hours=1)
        latest = min(session.starts_at - timedelta(minutes=30), self.now - timedelta(minutes=5))
        terms_json = as_json(terms.to_json())
        kinds = {by: form_kind_for(plan, by) for by in (False, True)}
        versions = self.catalogue.template_versions
        written = 0
        for number, pair in enumerate(pairs):
            if number in skipped:
                continue
            party, for_key = pair.party, pair.for_
            decided = _moment(rng, earliest, latest)
            decision = "refused" if decisions.scenario == "refused" and number == odd else "granted"
            withdrawn = None
            if decisions.scenario == "withdrawn" and number == odd:
                after = max(decided, session.starts_at) + timedelta(days=1)
                if after < self.now:
                    withdrawn = _moment(rng, after, self.now - timedelta(minutes=5))
                    decisions.withdrawn_at = withdrawn
            consent_id = self.ids.take("consents")
            for_participant = by_key[for_key]
            by_representative = party.startswith("r")
            language = for_participant.client.language if for_participant.client else "nl"
            method = _method(rng)
            registered = decided + timedelta(seconds=5 + 595 * rng.random())
            decided_text = stamp(decided)
            row = (
                consent_id,
                recording_id,
                None if by_representative else by_key[party].id,
                int(party[1:]) if by_representative else None,
                for_participant.id,
                decision,
                method,
                "Practice assistant" if method == "verbal_witness" else None,
                decided_text,
                stamp(min(registered, self.now)),
                registrar,
                versions[(kinds[by_representative], language)],
                SIGNATURE if method == "drawn_signature" else None,
                terms_json,
                stamp(withdrawn) if withdrawn else None,
                "Changed their mind" if withdrawn and rng.random() < 0.5 else None,
                registrar if withdrawn else None,
            )
            self.rows.add("consents", CONSENT_COLUMNS, row)
            client_id = for_participant.client_id
            self.trail.change(
                decided_text,
                registrar,
                f"consent.{decision}",
                "consents",
                consent_id,
                client_id,
                f'{{"method":"{method}","recording_id":{recording_id}}}',
            )
            if withdrawn is not None:
                consequence = "destroy" if session.starts_at < withdrawn else "blocked"
                self.trail.change(
                    stamp(withdrawn),
                    registrar,
                    "consent.withdrawn",
                    "consents",
                    consent_id,
                    client_id,
                    f'{{"consequence":"{consequence}","recording_id":{recording_id}}}',
                )
            written += 1
        return written

    # --- made, kept, destroyed ---------------------------------------------------------------

    def _lifecycle(
        self, session: SeedSession, made: bool, retention_until: date | None, decisions: Decisions
    ) -> tuple[str, datetime | None, datetime | None]:
        rng = self.rng
        made_at = session.starts_at + timedelta(minutes=55)
        if made_at > self.now or not made:
            return "planned", None, None
        if decisions.withdrawn_at is not None and rng.random() < 0.6:
            destroyed = decisions.withdrawn_at + timedelta(days=rng.randint(1, 14))
            if destroyed < self.now:
                return "destroyed", made_at, destroyed
        if retention_until is not None and retention_until < self.today and rng.random() < 0.85:
            destroyed = datetime.combine(retention_until, made_at.time()) + timedelta(
                days=rng.randint(1, 20)
            )
            if destroyed < self.now:
                return "destroyed", made_at, destroyed
        return "made", made_at, None


@dataclass
class Decisions:
    scenario: str  # none, granted, pending, refused or withdrawn
    created: datetime
    withdrawn_at: datetime | None = None

    @property
    def all_granted(self) -> bool:
        return self.scenario in ("granted", "withdrawn")

    def verdict(self, before: str) -> str:
        """The verdict with these decisions, from the verdict before any (``before``), by the
        contract's precedence: forbidden, incomplete and not_required stay as they are; a
        consent_required one is refused after a refusal or a withdrawal, still
        consent_required while a consent is not registered, and cleared once all are granted.
        (The seed's tests compare every seeded verdict with ``verdict_for_recording``.)"""
        if before != "consent_required":
            return before
        if self.scenario == "refused" or self.withdrawn_at is not None:
            return "refused"
        return "consent_required" if self.scenario == "pending" else "cleared"


def _representative_ids(participant: SeedParticipant) -> list[int]:
    if participant.client is not None:
        return participant.client.deciding_representatives
    return participant.representatives


def _participant_facts(participant: SeedParticipant) -> Participant:
    key = participant.key
    if participant.role == "staff":
        return Participant(key, "staff")
    client = participant.client
    representatives = tuple(Representative(f"r{r}") for r in _representative_ids(participant))
    if client is None:
        return Participant(key, "other", participant.birth_date, True, representatives)
    return Participant(key, "client", client.birth_date, client.has_capacity, representatives)


def _method(rng: random.Random) -> str:
    roll = rng.random()
    return "drawn_signature" if roll < 0.7 else "paper_form" if roll < 0.95 else "verbal_witness"


def _moment(rng: random.Random, earliest: datetime, latest: datetime) -> datetime:
    """A moment between the two, with microseconds as real timestamps have; ``latest`` when
    the window is empty (a session planned minutes ago)."""
    if latest <= earliest:
        return latest
    return earliest + (latest - earliest) * rng.random()
