"""CSV for spreadsheets: a cell that starts like a formula is written as text (CSV injection),
so a name such as "=HYPERLINK(...)" in an export is shown, never run."""

from __future__ import annotations

from typing import Final

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    if isinstance(value, int | float):
        return str(value)  # a number, -10 included, is data to a spreadsheet
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
