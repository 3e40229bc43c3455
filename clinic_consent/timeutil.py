"""Time helpers: every timestamp the application stores is timezone-aware UTC."""

from datetime import UTC, date, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_utc() -> date:
    return now_utc().date()
