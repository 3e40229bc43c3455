"""How many of everything a seed of N sessions holds, and the period it spans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

# The sessions span roughly two years up to today, plus four weeks planned ahead.
DAYS_BACK: Final = 700
DAYS_AHEAD: Final = 27
GROUP_SHARE: Final = 0.4  # of the sessions, group sessions
GROUP_MEETINGS: Final = 16  # weekly sessions a group treatment has
SESSIONS_PER_CLINICIAN: Final = 800  # over the period: about eight a week
SESSIONS_PER_CLIENT: Final = 6


@dataclass(frozen=True)
class Scale:
    sessions: int
    today: date

    @property
    def clinicians(self) -> int:
        return max(4, self.sessions // SESSIONS_PER_CLINICIAN)

    @property
    def facilitators(self) -> int:
        return max(1, self.clinicians // 4)

    @property
    def therapists(self) -> int:
        return self.clinicians - self.facilitators

    @property
    def managers(self) -> int:
        return max(1, self.clinicians // 50)

    @property
    def clients(self) -> int:
        return max(20, self.sessions // SESSIONS_PER_CLIENT)

    @property
    def groups(self) -> int:
        return max(1, round(self.sessions * GROUP_SHARE / GROUP_MEETINGS))

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=DAYS_BACK)

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=DAYS_AHEAD)

    def weekdays(self) -> list[date]:
        """Every Monday to Friday of the period, in order."""
        days = (self.last_day - self.first_day).days + 1
        every = (self.first_day + timedelta(days=n) for n in range(days))
        return [day for day in every if day.weekday() < 5]
