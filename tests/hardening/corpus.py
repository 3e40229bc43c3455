"""The bad-input corpus, and the checks every answer to it must pass.

Each class of bad input is a list of values; a field gets every class, and within a class the
value is picked by the field's position, so that every value of a class is sent somewhere and
a run is the same every time (no randomness). The checks: no 5xx, no write on a refusal (the
access log, which records the attempt, aside), nothing accepted that is not stored as sent, and
no markup of ours reflected unescaped.
"""

from __future__ import annotations

import html.parser
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, select, union_all
from sqlalchemy.sql import func

from clinic_consent.extensions import db

MARKUP = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
# What must never appear in an answer as sent (escaped, &lt;script&gt;, is fine).
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror")

HUGE_ID = "99999999999999999999"

CLASSES: dict[str, tuple[str, ...]] = {
    "overlong": ("x" * 10_000, "y" * 100_000),
    "control": ("a\x00b", "a\x1b[31mb", "a\x7fb", "a\u0085b"),
    "bidi": ("abc\u202efdp.exe", "\u2066abc\u2069def"),
    "markup": MARKUP,
    "sql": ("' OR 1=1 --", "Robert'); DROP TABLE clients;--"),
    "date": ("2026-02-30", "0000-00-00", "99999-01-01", "1899-12-31", "-1"),
    # "other" is replaced by an id of the same kind that the signed-in user may not see.
    "id": ("other", HUGE_ID, "-5", "abc", "0"),
}
CLASS_NAMES = tuple(CLASSES)
# The classes whose values are ordinary (if odd) text: where one is accepted into a text field,
# it must be stored exactly (the surrounding spaces trimmed), not cut short or changed.
TEXT_CLASSES = ("bidi", "markup", "sql")

# Tables whose rows record the attempt itself, so they may grow on a refused request.
ATTEMPT_TABLES = frozenset({"access_log_entries"})


def pick(class_name: str, index: int) -> str:
    values = CLASSES[class_name]
    return values[index % len(values)]


def row_counts() -> dict[str, int]:
    """The row count of every table (but the attempt tables), in one query."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in ATTEMPT_TABLES]
    query = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    row = db.session.execute(query).one()
    db.session.rollback()  # end the read transaction: the app's own requests come next
    return {t.name: count for t, count in zip(tables, row, strict=True)}


def changed_counts(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def stored_altered(value: str, prefix_length: int = 6) -> str | None:
    """A text column that starts like ``value`` but holds something else: the value cut short
    or changed on the way in. (Not stored at all is fine: a field may not apply, e.g. the
    description of a part when the whole session is recorded.)"""
    prefix = value[:prefix_length]
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    selects = [
        select(column.label("text"))
        .select_from(table)
        .where(column.like(pattern, escape="\\"), column != value)
        for table in db.metadata.sorted_tables
        if table.name not in ATTEMPT_TABLES
        for column in table.columns
        if isinstance(column.type, (String, Text))
    ]
    found = db.session.execute(union_all(*selects).limit(1)).scalar()
    db.session.rollback()
    return found


def reflected_markup(body: str) -> str | None:
    return next((raw for raw in RAW_MARKUP if raw in body), None)


@dataclass
class Tally:
    """Requests tried per endpoint, printed at the end of a test for the closing note."""

    title: str
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, endpoint: str) -> None:
        self.counts[endpoint] += 1

    def report(self) -> str:
        lines = [f"{self.title}: {sum(self.counts.values())} requests"]
        lines += [f"  bad-input {name}: {n}" for name, n in sorted(self.counts.items())]
        return "\n".join(lines)


# --- reading forms out of a page ---------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, or "select" / "textarea"
    value: str | None  # None: not sent unless a value is set (an unchecked box)
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str | None  # None: the page's own URL
    enctype: str
    preview: str | None  # data-verdict-preview: the live-verdict URL the form also posts to
    fields: list[FormField] = field(default_factory=list)

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.fields:
            if f.kind not in ("submit", "button", "reset", "image"):
                seen.setdefault(f.name)
        return list(seen)

    def get(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                method=a.get("method", "get").lower(),
                action=a.get("action") or None,
                enctype=a.get("enctype", "application/x-www-form-urlencoded"),
                preview=a.get("data-verdict-preview") or None,
            )
            self.forms.append(self._form)
        if self._form is None or (tag != "option" and "name" not in a):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            checked = "checked" in a
            value: str | None = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio") and not checked:
                value = None
            if kind == "radio":
                existing = [f for f in self._form.fields if f.name == a["name"]]
                if existing:
                    existing[0].options.append(a.get("value", "on"))
                    if checked:
                        existing[0].value = value
                    return
            self._form.fields.append(
                FormField(a["name"], kind, value, [a.get("value", "on")] if kind == "radio" else [])
            )
        elif tag == "select":
            self._select = FormField(a["name"], "select", None)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = [] if value is None else None
            if value is not None:
                self._select.options.append(value)
                if "selected" in a:
                    self._select.value = value
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", "")
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value = (self._textarea.value or "") + data
        if self._option is not None:
            self._option.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and self._select.value is None and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "option" and self._select is not None and self._option is not None:
            self._select.options.append("".join(self._option).strip())
            self._option = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


class _LinkParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith("/"):
                self.links.append(href)


def links_of(page: str) -> Iterator[str]:
    parser = _LinkParser()
    parser.feed(page)
    yield from parser.links


def plausible(f: FormField, today: str) -> str | None:
    """A valid-looking value for a field the page leaves empty, so one bad field is the fault."""
    if f.value:
        return f.value
    if f.kind in ("checkbox", "radio"):
        return f.value if f.kind == "checkbox" else (f.options[0] if f.options else None)
    return {
        "date": today,
        "time": "10:00",
        "number": "1",
        "email": "nobody@example.org",
        "password": "not the password of anyone",
        "file": None,
        "hidden": f.value or "",
    }.get(f.kind, "Test " + f.name)


def as_data(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
