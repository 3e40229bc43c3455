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
# A page's statements carry at most a page of ids: a collection that is not paged (a group's
# members, a recording's consents) is loaded through its parent, by join or subquery. Ids sent
# in a list would be sent 500 at a time, a query more for every 500 rows.
MOST_VALUES_A_STATEMENT = 100


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
    wide = {
        page: statements.widest
        for page, (_count, statements) in many.items()
        if statements.widest > MOST_VALUES_A_STATEMENT
    }
    assert not wide, f"values in the widest statement, per page: {wide}"
