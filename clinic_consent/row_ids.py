"""Object ids in URLs: the numbers a row id can be, and nothing else.

Flask's ``int`` converter takes any size of number; PostgreSQL's integer columns stop at 2**31-1,
and a larger id would fail in the database (a 500) instead of finding no row (a 404). Every
route's ``<int:...>`` uses this converter instead, and the OpenAPI document shows its bounds.
"""

from __future__ import annotations

from typing import Any, Final

from werkzeug.routing import IntegerConverter, Map

MAX_ROW_ID: Final = 2**31 - 1


class RowIdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)
