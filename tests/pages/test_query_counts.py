"""The SQL queries a main page costs do not grow with the rows behind it: each page lists a
page of rows with a fixed number of queries (eager loading, counts, keyset pages)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.pages import counting
from tests.pages import world as pages_world

# Past every page size (25 sessions a week, 50 clients, 100 list rows): a second page must not
# cost a query more.
ROWS_BEFORE, ROWS_AFTER = 3, 120


def test_queries_per_page_do_not_grow_with_the_rows(app: Flask, client: FlaskClient) -> None:
    world = pages_world.build()
    pages_world.grow(world, ROWS_BEFORE)
    few = counting.measure(client, world)
    pages_world.grow(world, ROWS_AFTER - ROWS_BEFORE)
    many = counting.measure(client, world)
    assert set(many) == set(few)
    grown = {
        page: (few[page][0], count, [s[:120] for s, n in statements.items() if n > 1])
        for page, (count, statements) in many.items()
        if count != few[page][0]
    }
    assert not grown, f"(before, after, repeated statements) per page: {grown}"
