"""The API's lists come a page at a time: ``?limit=``, and the next page in a Link header."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.api.conftest import ApiClient


def _walk(api: ApiClient, path: str) -> tuple[list[dict[str, object]], int]:
    """Every item of a list, following rel="next"; and how many pages it took."""
    items: list[dict[str, object]] = []
    pages = 0
    while path:
        response = api.get(path)
        assert response.status_code == 200, response.get_json()
        items.extend(response.get_json())
        pages += 1
        link = response.headers.get("Link")
        found = re.fullmatch(r'<([^>]+)>; rel="next"', link) if link else None
        path = found.group(1) if found else ""
    return items, pages


@pytest.mark.parametrize("path", ["/api/v1/clients", "/api/v1/sessions"])
def test_a_list_a_page_at_a_time_is_the_whole_list(
    api_as: Callable[[str], ApiClient], path: str
) -> None:
    api = api_as("practice_manager")
    everything = api.get(path).get_json()
    assert len(everything) > 3 and "Link" not in api.get(path).headers
    paged, pages = _walk(api, f"{path}?limit=2")
    assert paged == everything
    assert pages == -(-len(everything) // 2)


def test_sessions_come_newest_first(api_as: Callable[[str], ApiClient]) -> None:
    sessions = api_as("practice_manager").get("/api/v1/sessions").get_json()
    keys = [(s["date"], s["id"]) for s in sessions]
    assert keys == sorted(keys, reverse=True)


def test_the_next_page_keeps_the_filters(api_as: Callable[[str], ApiClient]) -> None:
    api = api_as("therapist")
    everything = api.get("/api/v1/sessions?from=2000-01-01").get_json()
    first = api.get("/api/v1/sessions?from=2000-01-01&limit=1")
    assert "from=2000-01-01" in first.headers["Link"]
    assert _walk(api, "/api/v1/sessions?from=2000-01-01&limit=1")[0] == everything


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "after=nonsense"])
def test_a_bad_page_is_refused_with_the_field(
    api_as: Callable[[str], ApiClient], query: str
) -> None:
    response = api_as("therapist").get(f"/api/v1/sessions?{query}")
    assert response.status_code == 422
    assert response.get_json()["field"] == query.split("=")[0]
