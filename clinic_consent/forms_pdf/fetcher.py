"""The only way a form being rendered reaches anything outside its own HTML.

WeasyPrint asks its URL fetcher for every stylesheet, image, font and attachment. This one
answers ``data:`` URLs and the application's packaged assets (fonts, logo), named as
``asset:<path>`` and read from the package by path; everything else, ``file://`` and
``http(s)://`` included, is refused and the refusal logged. Template text is escaped before
it gets here; this is the second wall, for whatever might slip past the first.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Final

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_SCHEME: Final = "asset:"
ASSETS_DIR: Final = Path(__file__).parent / "assets"

log = logging.getLogger(__name__)


class FetchRefused(ValueError):
    """A URL the form may not load."""


def asset_path(name: str) -> Path:
    """The packaged asset called ``name``; refuses anything that would leave the folder."""
    path = (ASSETS_DIR / name).resolve()
    if not path.is_relative_to(ASSETS_DIR.resolve()) or not path.is_file():
        raise FetchRefused(f"no such asset: {name}")
    return path


class RestrictedFetcher(URLFetcher):
    """``data:`` URLs and packaged assets; no redirects, no files, no network."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(ASSET_SCHEME):
            try:
                path = asset_path(url.removeprefix(ASSET_SCHEME))
            except FetchRefused:
                log.warning("PDF rendering: refused to load %s (not a packaged asset)", url)
                raise
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": media_type})
        # Only the scheme and a little of the rest: a URL in a template may itself be data.
        log.warning("PDF rendering: refused to load %s", url[:200])
        raise FetchRefused(f"refused to load {url[:200]}")
