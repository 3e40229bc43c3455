"""Keyset pages of the API's lists: ``?limit=`` rows after ``?after=``, and the next page's
address in a ``Link: <...>; rel="next"`` header (RFC 8288), as GitHub's API does; the body
stays a plain array."""

from __future__ import annotations

from typing import Any, Final

from flask import request, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from clinic_consent.api.problems import abort_problem
from clinic_consent.extensions import db
from clinic_consent.keyset import Keyset

PAGE_DEFAULT: Final = 50
PAGE_MAX: Final = 1000
LINK_DESCRIPTION: Final = (
    "A page of at most `limit` items. When there are more, the `Link` header names the next "
    'page (`<...?after=...>; rel="next"`).'
)


class PageQuerySchema(Schema):
    limit = fields.Integer(
        strict=False,
        load_default=PAGE_DEFAULT,
        validate=validate.Range(1, PAGE_MAX),
        metadata={"description": "Items per page"},
    )
    after = fields.String(
        validate=validate.Length(1, 40),
        metadata={"description": "Where the page starts: from the `Link` header's next page"},
    )


def keyset_rows(
    statement: Select[Any], keyset: Keyset, after: str | None, limit: int, *, field: str = "after"
) -> tuple[list[Any], str | None]:
    """At most ``limit`` rows of ``statement`` after the position ``after`` in the keyset's
    order, and the position the next page starts after (None on the last page). A position
    that cannot be read is a 422 naming ``field``."""
    if after is not None:
        try:
            keyset.parse(after)
        except ValueError:
            abort_problem(422, "Not a position in this list.", field=field)
    items = list(db.session.scalars(keyset.after(statement, after).limit(limit + 1)))
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, keyset.write(items[-1])


def keyset_page(
    statement: Select[Any], keyset: Keyset, query: dict[str, Any]
) -> tuple[list[Any], dict[str, str]]:
    """A page of ``statement`` in the keyset's order, and the headers that link the next."""
    limit = query["limit"]
    items, next_after = keyset_rows(statement, keyset, query.get("after"), limit)
    if next_after is None:
        return items, {}
    arguments = {**request.args.to_dict(), "after": next_after, "limit": limit}
    assert request.endpoint is not None
    return items, {"Link": f'<{url_for(request.endpoint, **arguments)}>; rel="next"'}
