"""Keyset pages: the rows after the last one shown, in a fixed order, found by index however
far down the list they are (an OFFSET would read and skip every row before them).

A row's position is written as a short key for a link (``?after=``): ids and dates only,
never a name, since a link ends up in browser histories and server logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, tuple_


@dataclass(frozen=True)
class Keyset:
    """An order of ``columns`` (all ascending, or all descending) and its keys."""

    columns: tuple[Any, ...]
    parse: Callable[[str], tuple[Any, ...]]  # a key back to column values; ValueError if bad
    write: Callable[[Any], str]  # an item of the page to its key
    descending: bool = False

    def after(self, query: Select[*tuple[Any, ...]], key: str | None) -> Select[*tuple[Any, ...]]:
        """The query ordered, from the row after ``key`` on; an unreadable key starts at the
        top (a link cut short must not be an error page)."""
        if key:
            try:
                position = tuple_(*self.parse(key))
            except ValueError:
                position = None
            if position is not None:
                row = tuple_(*self.columns)
                query = query.where(row < position if self.descending else row > position)
        if self.descending:
            return query.order_by(*(column.desc() for column in self.columns))
        return query.order_by(*self.columns)


def id_key(key: str) -> tuple[int]:
    return (int(key),)


def date_id_key(key: str) -> tuple[date, int]:
    day, _, number = key.partition("_")
    return date.fromisoformat(day), int(number)


def date_id(day: date | None, number: int | None) -> str:
    assert day is not None
    return f"{day.isoformat()}_{number}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment_id_key(key: str) -> tuple[datetime, int]:
    """A timestamp (microseconds since 1970, UTC) and an id: digits only in a link."""
    micros, _, number = key.partition("_")
    if not micros.isdigit() or not number.isdigit() or len(micros) > 17:
        raise ValueError(key)
    return EPOCH + timedelta(microseconds=int(micros)), int(number)


def moment_id(moment: datetime, number: int) -> str:
    return f"{(moment - EPOCH) // timedelta(microseconds=1)}_{number}"
