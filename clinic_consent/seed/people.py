"""The seed's people: staff, clients of every age with their representatives and capacity
judgements, and the group treatments with their facilitators and members."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final

from clinic_consent.seed.bulk import Ids, Rows, day, stamp
from clinic_consent.seed.scale import GROUP_MEETINGS, Scale
from clinic_consent.seed.trail import Trail

GIVEN_NAMES: Final = (
    "Anouk",
    "Bas",
    "Daan",
    "Emma",
    "Fenna",
    "Gijs",
    "Hanna",
    "Ilse",
    "Jesse",
    "Kees",
    "Lotte",
    "Milan",
    "Noor",
    "Olaf",
    "Pien",
    "Ruben",
    "Sara",
    "Thijs",
    "Umut",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
    "Mohamed",
    "Fatima",
    "Sem",
    "Julia",
    "Luuk",
    "Tess",
    "Bram",
    "Nadia",
    "Joris",
)
FAMILY_NAMES: Final = (
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Yilmaz",
    "El Idrissi",
    "Kartosen",
    "Bouzid",
    "Nguyen",
    "Sedney",
    "Haddou",
)
USER_COLUMNS: Final = (
    "id",
    "email",
    "display_name",
    "password_hash",
    "role",
    "language",
    "is_active",
    "created_at",
    "session_version",
    "failed_login_count",
)
CLIENT_COLUMNS: Final = (
    "id",
    "given_name",
    "family_name",
    "birth_date",
    "language",
    "external_ref",
    "created_at",
    "created_by_id",
)
REPRESENTATIVE_COLUMNS: Final = (
    "id",
    "client_id",
    "participant_id",
    "name",
    "relation",
    "contact",
    "has_authority",
    "registered_at",
    "registered_by_id",
)
CAPACITY_COLUMNS: Final = (
    "id",
    "client_id",
    "has_capacity",
    "decision_scope",
    "decision",
    "judged_by_id",
    "judged_at",
    "note",
)
GROUP_COLUMNS: Final = (
    "id",
    "name",
    "start_date",
    "end_date",
    "agreement_text",
    "agreement_made_on",
    "created_at",
    "created_by_id",
)
GROUP_AGREEMENT: Final = (
    "What is said in the group stays in the group. Audio recording for private use only with "
    "the consent of every member, asked beforehand."
)
GROUP_THEMES: Final = (
    "Emotieregulatie",
    "Schematherapie",
    "Mindfulness",
    "Sociale vaardigheden",
    "Rouw",
    "Assertiviteit",
    "Angst de baas",
    "Jongeren en stress",
)


@dataclass
class Staff:
    id: int
    role: str
    name: str


@dataclass
class SeedClient:
    id: int
    birth_date: date
    language: str
    has_capacity: bool  # the latest capacity judgement about recordings (none: capacity)
    deciding_representatives: list[int]  # with authority: their consent counts (R6)
    therapist: Staff
    minor: bool


@dataclass
class Membership:
    client: SeedClient
    joined_on: date
    left_on: date | None


@dataclass
class SeedGroup:
    id: int
    facilitators: list[Staff]
    meetings: list[date]
    members: list[Membership] = field(default_factory=list)


@dataclass
class People:
    therapists: list[Staff]
    facilitators: list[Staff]
    managers: list[Staff]
    administrators: list[Staff]
    caseloads: dict[int, list[SeedClient]]  # therapist id -> their individual clients
    groups: list[SeedGroup]

    @property
    def staff(self) -> list[Staff]:
        return [*self.therapists, *self.facilitators, *self.managers, *self.administrators]


def birth_date_for(age: int, today: date, rng: random.Random) -> date:
    return today - timedelta(days=age * 365 + rng.randrange(365))


class PeopleBuilder:
    def __init__(self, scale: Scale, rng: random.Random, ids: Ids, rows: Rows, trail: Trail):
        self.scale = scale
        self.rng = rng
        self.ids = ids
        self.rows = rows
        self.trail = trail
        self.created_at = datetime.combine(scale.first_day - timedelta(days=30), time(8, 0))

    def build(self, password_hash: str) -> People:
        scale = self.scale
        numbered = {
            "therapist": scale.therapists,
            "group_facilitator": scale.facilitators,
            "practice_manager": scale.managers,
            "administrator": 1,
        }
        staff = {
            role: [self._user(role, n + 1, password_hash) for n in range(count)]
            for role, count in numbered.items()
        }
        people = People(
            therapists=staff["therapist"],
            facilitators=staff["group_facilitator"],
            managers=staff["practice_manager"],
            administrators=staff["administrator"],
            caseloads={t.id: [] for t in staff["therapist"]},
            groups=[],
        )
        group_pool_size = max(8, scale.groups * 4)
        individual = scale.clients - group_pool_size
        for n in range(max(individual, len(people.therapists))):
            therapist = people.therapists[n % len(people.therapists)]
            people.caseloads[therapist.id].append(self._client(therapist, adolescent=False))
        group_pool = [
            self._client(self.rng.choice(people.therapists), adolescent=n % 10 == 0)
            for n in range(group_pool_size)
        ]
        people.groups = [
            self._group(n, people.facilitators, group_pool) for n in range(scale.groups)
        ]
        return people

    # --- staff -------------------------------------------------------------------------------

    def _user(self, role: str, number: int, password_hash: str) -> Staff:
        user_id = self.ids.take("users")
        name = f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(FAMILY_NAMES)}"
        email = f"{role.replace('_', '-')}-{number:04d}@seed.clinic-consent.test"
        self.rows.add(
            "users",
            USER_COLUMNS,
            (user_id, email, name, password_hash, role, "nl", True, stamp(self.created_at), 0, 0),
        )
        self.trail.change(
            stamp(self.created_at),
            None,
            "user.created",
            "users",
            user_id,
            None,
            f'{{"role":"{role}"}}',
        )
        return Staff(user_id, role, name)

    # --- clients -----------------------------------------------------------------------------

    def _age(self, adolescent: bool) -> int:
        if adolescent:
            return self.rng.randint(12, 17)
        roll = self.rng.random()
        if roll < 0.10:
            return self.rng.randint(5, 11)
        if roll < 0.22:
            return self.rng.randint(12, 15)
        if roll < 0.28:
            return self.rng.randint(16, 17)
        return self.rng.randint(18, 88)

    def _client(self, therapist: Staff, *, adolescent: bool) -> SeedClient:
        rng = self.rng
        client_id = self.ids.take("clients")
        age = self._age(adolescent)
        birth = birth_date_for(age, self.scale.today, rng)
        language = "en" if rng.random() < 0.15 else "nl"
        family = rng.choice(FAMILY_NAMES)
        registered = self.created_at + timedelta(
            days=rng.randrange(30), seconds=rng.randrange(9000)
        )
        external = f"EPD-{client_id:08d}" if rng.random() < 0.7 else None
        self.rows.add(
            "clients",
            CLIENT_COLUMNS,
            (
                client_id,
                rng.choice(GIVEN_NAMES),
                family,
                day(birth),
                language,
                external,
                stamp(registered),
                therapist.id,
            ),
        )
        client = SeedClient(client_id, birth, language, True, [], therapist, age < 18)
        if age < 18:
            self._parents(client, family, registered)
        elif rng.random() < 0.06:
            self._capacity(client, registered)
        return client

    def _parents(self, client: SeedClient, family: str, at: datetime) -> None:
        """Minors: one or two parents, mostly with authority; now and then none registered
        yet (R6 then makes the verdict incomplete)."""
        if self.rng.random() < 0.03:
            return
        count = 2 if self.rng.random() < 0.7 else 1
        for n in range(count):
            authority = n == 0 or self.rng.random() > 0.05
            self._representative(
                client, f"{self.rng.choice(GIVEN_NAMES)} {family}", "parent", authority, at
            )

    def _capacity(self, client: SeedClient, at: datetime) -> None:
        """Adults: a capacity judgement about recordings; most who were judged lack it and are
        represented by a curator or mentor."""
        lacks = self.rng.random() < 0.7
        self.rows.add(
            "capacity_judgements",
            CAPACITY_COLUMNS,
            (
                self.ids.take("capacity_judgements"),
                client.id,
                not lacks,
                "recording",
                "Consent to recording of treatment sessions",
                client.therapist.id,
                stamp(at + timedelta(hours=1)),
                "Judged at intake",
            ),
        )
        client.has_capacity = not lacks
        if lacks and self.rng.random() < 0.95:
            relation = "curator" if self.rng.random() < 0.5 else "mentor"
            name = f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(FAMILY_NAMES)}"
            self._representative(client, name, relation, True, at)

    def _representative(
        self, client: SeedClient, name: str, relation: str, authority: bool, at: datetime
    ) -> None:
        rep_id = self.ids.take("representatives")
        self.rows.add(
            "representatives",
            REPRESENTATIVE_COLUMNS,
            (
                rep_id,
                client.id,
                None,
                name,
                relation,
                "+31 6 0000 0000",
                authority,
                stamp(at + timedelta(minutes=5)),
                client.therapist.id,
            ),
        )
        if authority:
            client.deciding_representatives.append(rep_id)

    # --- groups ------------------------------------------------------------------------------

    def _group(self, number: int, facilitators: list[Staff], pool: list[SeedClient]) -> SeedGroup:
        rng = self.rng
        scale = self.scale
        group_id = self.ids.take("group_treatments")
        span = (scale.last_day - scale.first_day).days
        start = scale.first_day + timedelta(days=rng.randrange(max(1, span - 7)))
        while start.weekday() > 4:  # groups meet on weekdays, from the period's first on
            start += timedelta(days=1)
        meetings = [start + timedelta(weeks=n) for n in range(GROUP_MEETINGS)]
        meetings = [m for m in meetings if m <= scale.last_day]
        lead = facilitators[number % len(facilitators)]
        staff = [lead]
        if len(facilitators) > 1 and rng.random() < 0.3:
            staff.append(rng.choice([f for f in facilitators if f.id != lead.id]))
        group = SeedGroup(group_id, staff, meetings)
        created = datetime.combine(start - timedelta(days=14), time(9, 0))
        self.rows.add(
            "group_treatments",
            GROUP_COLUMNS,
            (
                group_id,
                f"{rng.choice(GROUP_THEMES)} groep {number + 1}",
                day(start),
                day(meetings[-1]),
                GROUP_AGREEMENT,
                day(start),
                stamp(created),
                lead.id,
            ),
        )
        for facilitator in staff:
            self.rows.add(
                "group_staff",
                ("id", "group_treatment_id", "user_id"),
                (self.ids.take("group_staff"), group_id, facilitator.id),
            )
        adolescent = number % 10 == 0
        candidates = [c for c in pool if c.minor == adolescent] or pool
        for client in rng.sample(candidates, min(len(candidates), rng.randint(6, 9))):
            self._member(group, client, start, meetings)
        return group

    def _member(
        self, group: SeedGroup, client: SeedClient, start: date, meetings: list[date]
    ) -> None:
        rng = self.rng
        joined = start if rng.random() > 0.1 or len(meetings) < 3 else rng.choice(meetings[1:3])
        left = rng.choice(meetings[len(meetings) // 2 :]) if rng.random() < 0.12 else None
        accepted = datetime.combine(joined, time(10, 0))
        self.rows.add(
            "group_memberships",
            (
                "id",
                "group_treatment_id",
                "client_id",
                "joined_on",
                "left_on",
                "agreement_accepted_at",
            ),
            (
                self.ids.take("group_memberships"),
                group.id,
                client.id,
                day(joined),
                day(left),
                stamp(accepted) if accepted.date() <= self.scale.today else None,
            ),
        )
        group.members.append(Membership(client, joined, left))
