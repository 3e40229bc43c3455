"""The seed's sessions, one weekday at a time: the groups that meet that day and the
therapists' individual sessions, each with its participants."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final

from clinic_consent.seed.bulk import Ids, Rows, day, stamp
from clinic_consent.seed.people import (
    FAMILY_NAMES,
    GIVEN_NAMES,
    REPRESENTATIVE_COLUMNS,
    People,
    SeedClient,
    SeedGroup,
    Staff,
    birth_date_for,
)
from clinic_consent.seed.scale import Scale
from clinic_consent.seed.trail import Trail

SESSION_COLUMNS: Final = (
    "id",
    "kind",
    "date",
    "starts_at",
    "group_treatment_id",
    "title",
    "created_at",
    "created_by_id",
)
PARTICIPANT_COLUMNS: Final = (
    "id",
    "session_id",
    "role",
    "client_id",
    "user_id",
    "name",
    "relation",
    "birth_date",
    "has_capacity",
)
COMPANION_SHARE: Final = 0.06
FIRST_HOUR: Final = 7  # UTC: 08:00 in the Netherlands in winter


@dataclass
class SeedParticipant:
    id: int
    role: str
    client: SeedClient | None = None
    staff: Staff | None = None
    birth_date: date | None = None  # companions ('other') only; clients carry their own
    has_capacity: bool = True
    representatives: list[int] = field(default_factory=list)  # companions' own

    @property
    def key(self) -> str:
        return f"p{self.id}"

    @property
    def client_id(self) -> int | None:
        return self.client.id if self.client is not None else None


@dataclass
class SeedSession:
    id: int
    kind: str
    on: date
    starts_at: datetime
    created_at: datetime
    lead: Staff
    participants: list[SeedParticipant]


class Schedule:
    def __init__(
        self, scale: Scale, people: People, rng: random.Random, ids: Ids, rows: Rows, trail: Trail
    ) -> None:
        self.scale = scale
        self.people = people
        self.rng = rng
        self.ids = ids
        self.rows = rows
        self.trail = trail
        self.now = datetime.combine(scale.today, time(0, 0)) + timedelta(hours=6)
        self.meetings: dict[date, list[SeedGroup]] = defaultdict(list)
        for group in people.groups:
            for meeting in group.meetings:
                self.meetings[meeting].append(group)
        self.days = scale.weekdays()
        group_sessions = sum(len(g.meetings) for g in people.groups)
        self.individual_total = max(0, scale.sessions - group_sessions)
        self._therapist_turn = 0

    def individual_count(self, day_number: int) -> int:
        """The individual sessions of the day_number-th weekday: the total spread evenly."""
        days = len(self.days)
        return (day_number + 1) * self.individual_total // days - (
            day_number * self.individual_total // days
        )

    def sessions_on(self, day_number: int) -> list[SeedSession]:
        on = self.days[day_number]
        sessions = [self._group_session(group, on, n) for n, group in enumerate(self.meetings[on])]
        for slot in range(self.individual_count(day_number)):
            sessions.append(self._individual_session(on, slot))
        return sessions

    # --- the two kinds of session -----------------------------------------------------------

    def _created(self, starts_at: datetime) -> datetime:
        created = starts_at - timedelta(
            days=self.rng.randint(1, 21), minutes=self.rng.randrange(600)
        )
        return min(created, self.now - timedelta(minutes=self.rng.randint(30, 3000)))

    def _session(
        self, kind: str, on: date, starts_at: datetime, lead: Staff, group_id: int | None
    ) -> SeedSession:
        session_id = self.ids.take("treatment_sessions")
        created = self._created(starts_at)
        created_text = stamp(created)
        self.rows.add(
            "treatment_sessions",
            SESSION_COLUMNS,
            (session_id, kind, day(on), stamp(starts_at), group_id, None, created_text, lead.id),
        )
        if starts_at <= self.now:
            self.trail.access(
                stamp(starts_at - timedelta(minutes=5)),
                lead.id,
                lead.role,
                "treatment_sessions.read",
                "treatment_sessions",
                session_id,
                None,
            )
        return SeedSession(session_id, kind, on, starts_at, created, lead, [])

    def _group_session(self, group: SeedGroup, on: date, number: int) -> SeedSession:
        starts_at = datetime.combine(on, time(FIRST_HOUR + 6 + 2 * (number % 4), 0))
        session = self._session("group", on, starts_at, group.facilitators[0], group.id)
        for facilitator in group.facilitators:
            self._staff(session, facilitator)
        for member in group.members:
            if member.joined_on <= on and (member.left_on is None or member.left_on >= on):
                self._client(session, member.client)
        return session

    def _individual_session(self, on: date, slot: int) -> SeedSession:
        therapists = self.people.therapists
        therapist = therapists[self._therapist_turn % len(therapists)]
        self._therapist_turn += 1
        client = self.rng.choice(self.people.caseloads[therapist.id])
        hour = FIRST_HOUR + (slot // len(therapists)) % 9
        starts_at = datetime.combine(on, time(hour, 0))
        session = self._session("individual", on, starts_at, therapist, None)
        self._staff(session, therapist)
        self._client(session, client)
        if self.rng.random() < COMPANION_SHARE:
            self._companion(session)
        return session

    # --- participants ------------------------------------------------------------------------

    def _participant(
        self,
        session: SeedSession,
        participant: SeedParticipant,
        name: str | None,
        relation: str | None,
    ) -> None:
        self.rows.add(
            "session_participants",
            PARTICIPANT_COLUMNS,
            (
                participant.id,
                session.id,
                participant.role,
                participant.client_id,
                participant.staff.id if participant.staff is not None else None,
                name,
                relation,
                day(participant.birth_date),
                participant.has_capacity,
            ),
        )
        session.participants.append(participant)

    def _staff(self, session: SeedSession, staff: Staff) -> None:
        participant = SeedParticipant(self.ids.take("session_participants"), "staff", staff=staff)
        self._participant(session, participant, None, None)

    def _client(self, session: SeedSession, client: SeedClient) -> None:
        participant = SeedParticipant(self.ids.take("session_participants"), "client", client)
        self._participant(session, participant, None, None)

    def _companion(self, session: SeedSession) -> None:
        """A partner, a parent or an interpreter; now and then a young sibling, who is
        represented by a parent registered for this session (R6)."""
        rng = self.rng
        sibling = rng.random() < 0.15
        relation = "sibling" if sibling else rng.choice(("partner", "parent", "interpreter"))
        age = rng.randint(6, 11) if sibling else rng.randint(25, 70)
        participant = SeedParticipant(
            self.ids.take("session_participants"),
            "other",
            birth_date=birth_date_for(age, session.on, rng),
        )
        family = rng.choice(FAMILY_NAMES)
        name = f"{rng.choice(GIVEN_NAMES)} {family}"
        self._participant(session, participant, name, relation)
        if sibling:
            rep_id = self.ids.take("representatives")
            self.rows.add(
                "representatives",
                REPRESENTATIVE_COLUMNS,
                (
                    rep_id,
                    None,
                    participant.id,
                    f"{rng.choice(GIVEN_NAMES)} {family}",
                    "parent",
                    None,
                    True,
                    stamp(session.created_at),
                    session.lead.id,
                ),
            )
            participant.representatives.append(rep_id)
