"""Numbered pages of a list that is bounded by the practice (clients, a week's sessions, a
client's sessions or accesses): a count and one page of rows, two queries whatever the size.
The manager's lists and the audit log, which grow without bound, use keysets instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select

from clinic_consent.extensions import db

T = TypeVar("T")
MAX_PAGE: Final = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # from 1
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        """The position of the page's first item in the whole list, from 1."""
        return (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def requested_page() -> int:
    """?page=N (1 when absent or not a number)."""
    number = request.args.get("page", 1, type=int) or 1
    return min(max(number, 1), MAX_PAGE)


def page_of(statement: Select[*tuple[Any, ...]], size: int, number: int | None = None) -> Page[Any]:
    """The ``number``-th page (default: the requested one; past the end: the last) of an
    ordered statement, as ORM objects or rows as the statement gives them: a count and a
    page, two queries however many rows there are."""
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.scalar(counted) or 0
    pages = max(1, -(-total // size))
    number = min(number or requested_page(), pages)
    result = db.session.execute(statement.limit(size).offset((number - 1) * size))
    single = len(statement.column_descriptions) == 1  # one entity or one column
    return Page(list(result.scalars() if single else result), number, pages, total, size)
