"""Where the top-level resource folders (templates/, migrations/) are found.

In a source checkout (editable install) they sit beside the package; a wheel carries them inside
the package (see ``force-include`` in pyproject.toml).
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"clinic-consent resource folder {name!r} is missing")
