"""Every string a user can see exists in Dutch, and the compiled catalog is current."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "clinic_consent" / "translations" / "nl" / "LC_MESSAGES"


def _ids(catalog: object) -> set[str]:
    return {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog  # type: ignore[attr-defined]
        if m.id
    }


def test_every_string_in_the_code_has_a_dutch_translation(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",  # a global option: before the command
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        wanted = _ids(read_po(handle))
    with (CATALOG / "messages.po").open("rb") as handle:
        dutch = read_po(handle, locale="nl")
    untranslated = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in dutch
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    )
    missing = sorted(wanted - _ids(dutch))
    assert not missing, f"not in the Dutch catalog (run the update in README): {missing[:10]}"
    assert not [m for m in untranslated if m in wanted], f"untranslated: {untranslated[:10]}"


def test_the_compiled_catalog_matches_its_source() -> None:
    with (CATALOG / "messages.po").open("rb") as handle:
        source = read_po(handle, locale="nl")
    compiled = BytesIO()
    write_mo(compiled, source)
    compiled.seek(0)
    fresh = _entries(read_mo(compiled))
    with (CATALOG / "messages.mo").open("rb") as handle:
        committed = _entries(read_mo(handle))
    assert committed == fresh, "run: pybabel compile -d clinic_consent/translations"


def _entries(catalog: Catalog) -> dict[object, object]:
    """msgid -> msgstr; a plural's ids and strings come as lists, which are made hashable."""

    def plain(value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    return {plain(m.id): plain(m.string) for m in catalog if m.id}
