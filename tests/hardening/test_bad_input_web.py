"""The bad-input corpus against every form of the web pages, field by field.

The forms are not listed here: every POST route of the URL map is one test, and its form is
found on the pages themselves. Per role, the pages of that role's part of the demo are walked
(every GET route, and the links on them one step further) and every <form> read: its fields,
its defaults, its CSRF token. Each field then gets each class of the corpus (corpus.py) while
the other fields keep valid values; the (field, class) pairs are shared out over the roles that
see the form, so every role that can reach a route is tried on it. On top of that, per route:
the ids in its URL swapped for another clinician's, a huge, a negative and a non-numeric one;
the form sent as JSON; and a body over MAX_CONTENT_LENGTH.

Every answer: no 5xx; on a refusal no table but the access log changed; text accepted into a
text field is stored exactly; our markup never comes back unescaped (also not on the page a
successful post redirects to). The GET forms (search, filters) get the same on their query.

The walk is done once per role per run and kept (``_WALKS``): the demo is a copy of one
snapshot, so its ids are the same in every test's database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from clinic_consent import create_app
from clinic_consent.api.paths import API_PREFIX
from clinic_consent.api.tokens import create_token
from clinic_consent.auth import lockout
from clinic_consent.clients.operations import create_client
from clinic_consent.demo import DemoResult
from clinic_consent.extensions import db
from clinic_consent.sessions.models import GroupTreatment, TreatmentSession
from clinic_consent.sessions.operations import add_group_member, add_other_participant
from clinic_consent.timeutil import today_utc
from clinic_consent.users.models import User
from clinic_consent.users.operations import create_user
from tests.hardening import corpus, demo_parts
from tests.hardening.corpus import CLASS_NAMES, HUGE_ID, TEXT_CLASSES, Form, Tally

ROLES = ("therapist", "group_facilitator", "practice_manager", "administrator")
ANONYMOUS = "anonymous"
NOBODYS = 10**6  # no object has this id
LOCKED_EMAIL = "locked@example.org"
# Shown only between the password and the code of a practice manager's or administrator's
# sign-in, which the tests leave to login_as (it knows how to get through the second step).
MID_SIGN_IN = frozenset({"auth.second_factor"})
SKIPPED_PAGES = (".pdf", ".csv", "/static/")  # files, not pages with forms
SIGNS_OUT = frozenset({"auth.logout"})
BODY_LIMIT = 2 * 1024 * 1024
# Fields that are never stored as text: what is typed is checked, hashed or looked up.
NOT_STORED = frozenset({"password", "current_password", "new_password", "confirm", "q", "code"})
# A select's or box's name -> the URL parameter whose kind of id it holds.
ID_KINDS = {"client": "client_id", "user": "user_id", "facilitators": "user_id"}


def _web_post_endpoints() -> list[str]:
    """Every POST route of the web pages, read from an app without a database."""
    app = create_app(
        {
            "CLINIC_CONSENT_ENV": "testing",
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    return sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or set()) and not rule.rule.startswith(API_PREFIX)
        }
        - MID_SIGN_IN
    )


# --- the demo, per role ----------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """The ids a role works with (``own``) and ids of the same kinds it may not see."""

    own: dict[str, Any]
    others: dict[str, Any]


def _demo_user(role: str) -> User:
    user = db.session.scalars(select(User).where(User.role == role).order_by(User.id)).first()
    assert user is not None
    return user


def _show_every_form(client: FlaskClient) -> None:
    """What the demo lacks for a form to be shown: a token per user (the token page's revoke
    button), a companion in a session (adding their representative), a group member who has
    not accepted the agreement yet, and an account locked by failed sign-ins (unlocking it)."""
    for role in ROLES:
        create_token(_demo_user(role), name=f"bad-input token of {role}", days=30)
    therapist, facilitator = _demo_user("therapist"), _demo_user("group_facilitator")
    session = db.session.get(TreatmentSession, demo_parts.therapists_part()["session_id"])
    assert session is not None
    add_other_participant(session, name="Tolk Yilmaz", relation="interpreter", actor=therapist)
    group = db.session.scalars(select(GroupTreatment)).one()
    newcomer = create_client(
        given_name="Noor", family_name="Bos", birth_date=date(1990, 5, 1), actor=facilitator
    )
    add_group_member(group, newcomer, joined_on=group.start_date, actor=facilitator)
    create_user(
        email=LOCKED_EMAIL, display_name="Locked Out", role="therapist", password="right one here"
    )
    db.session.commit()
    for _attempt in range(lockout.MAX_FAILED_SIGN_INS):
        client.post("/login", data={"email": LOCKED_EMAIL, "password": "a wrong password"})


def _parts(client: FlaskClient) -> dict[str, Part]:
    """Every role's part of the demo, after the demo has been made to show every form."""
    _show_every_form(client)
    therapist, facilitator, practice = (
        demo_parts.therapists_part(),
        demo_parts.facilitators_part(),
        demo_parts.practice_part(),
    )
    locked = db.session.scalars(select(User.id).where(User.email == LOCKED_EMAIL)).one()
    nobodys = dict.fromkeys(therapist | facilitator, NOBODYS)
    everything = practice | facilitator | therapist
    return {
        "therapist": Part(practice | {"group_id": NOBODYS} | therapist, facilitator),
        "group_facilitator": Part(practice | therapist | facilitator, therapist),
        "practice_manager": Part(everything, nobodys),
        "administrator": Part(everything | {"user_id": locked}, nobodys),
        ANONYMOUS: Part(everything, nobodys),
    }


# --- finding the forms -----------------------------------------------------------------------


@dataclass(frozen=True)
class FormPlace:
    page: str  # the URL of the page that shows the form
    index: int  # which <form> of that page
    preview: bool  # the live-verdict endpoint the form also posts to, not its action


_WALKS: dict[str, dict[str, FormPlace]] = {}


def _endpoint_of(app: Flask, url: str, method: str) -> tuple[str, dict[str, Any]] | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(urlsplit(url).path, method=method)
    except HTTPException:
        return None
    return str(endpoint), values


def _form_target(app: Flask, page: str, form: Form, preview: bool) -> tuple[str, str] | None:
    """(endpoint, url) that the form sends to."""
    url = (form.preview if preview else form.action) or page
    match = _endpoint_of(app, url, "POST" if preview or form.method == "post" else "GET")
    return (match[0], url) if match else None


def _page_urls(app: Flask, params: dict[str, Any]) -> list[str]:
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or rule.rule.startswith(API_PREFIX):
            continue
        if any(s in rule.rule for s in SKIPPED_PAGES) or not rule.arguments <= params.keys():
            continue
        values = {name: params[name] for name in rule.arguments}
        if "list_name" in rule.arguments:
            continue  # reached through the dashboard's links
        urls.append(rule.build(values, append_unknown=False)[1])  # type: ignore[index]
    return urls


def _walk(app: Flask, client: FlaskClient, params: dict[str, Any]) -> dict[str, FormPlace]:
    """Every form the signed-in user is shown, by the endpoint it sends to (first seen)."""
    found: dict[str, FormPlace] = {}
    queue = _page_urls(app, params)
    seen = set(queue)
    per_endpoint: dict[str, int] = {}
    while queue:
        url = queue.pop(0)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        for index, form in enumerate(corpus.forms_of(page)):
            for preview in (False, True) if form.preview else (False,):
                target = _form_target(app, url, form, preview)
                if target:
                    found.setdefault(target[0], FormPlace(url, index, preview))
        for link in corpus.links_of(page):
            match = _endpoint_of(app, link, "GET")
            if link in seen or match is None or any(s in link for s in SKIPPED_PAGES):
                continue
            # a page's variants (query strings, other rows) are looked at twice, not all
            if per_endpoint.get(match[0], 0) < 2:
                per_endpoint[match[0]] = per_endpoint.get(match[0], 0) + 1
                seen.add(link)
                queue.append(link)
    return found


@dataclass
class Bench:
    """A signed-in client over the demo, with everything the checks need."""

    app: Flask
    client: FlaskClient
    sign_in: Callable[[str], None]
    parts: dict[str, Part]
    tally: Tally
    failures: list[str]

    def places(self, role: str) -> dict[str, FormPlace]:
        if role not in _WALKS:
            self.sign_in(role)
            _WALKS[role] = _walk(self.app, self.client, self.parts[role].own)
        return _WALKS[role]


@pytest.fixture
def bench(
    app: Flask,
    client: FlaskClient,
    demo: DemoResult,
    login_as: Callable[[str], User],
    request: pytest.FixtureRequest,
) -> Iterator[Bench]:
    def sign_in(role: str) -> None:
        if role == ANONYMOUS:
            client.post("/logout")
        else:
            login_as(role)

    tally = Tally(request.node.name)
    bench = Bench(app, client, sign_in, _parts(client), tally, [])
    yield bench
    print("\n" + tally.report())


# --- sending the corpus ----------------------------------------------------------------------


@dataclass
class Target:
    role: str
    endpoint: str
    url: str
    method: str
    form: Form
    baseline: dict[str, Any]


def _baseline(form: Form) -> dict[str, Any]:
    today = today_utc().isoformat()
    values: dict[str, Any] = {}
    for name in form.names():
        f = form.get(name)
        if f.kind == "file":
            values[name] = None
        elif f.kind == "checkbox":
            boxes = [x for x in form.fields if x.name == name and x.value is not None]
            values[name] = [x.value for x in boxes] or None
        else:
            values[name] = corpus.plausible(f, today)
    return values


def _target(bench: Bench, role: str, endpoint: str) -> Target | None:
    place = bench.places(role).get(endpoint)
    if place is None:
        return None
    bench.sign_in(role)
    response = bench.client.get(place.page)
    assert response.status_code == 200, (role, place.page, response.status_code)
    form = corpus.forms_of(response.get_data(as_text=True))[place.index]
    target = _form_target(bench.app, place.page, form, place.preview)
    assert target is not None and target[0] == endpoint, (role, place, target)
    method = "POST" if place.preview or form.method == "post" else "GET"
    return Target(role, endpoint, target[1], method, form, _baseline(form))


def _body(target: Target, values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if any(f.name == name and f.kind == "file" for f in target.form.fields):
            content = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
            data[name] = (BytesIO(content), value if isinstance(value, str) else "form.pdf")
        else:
            data[name] = value
    return data


def _send(bench: Bench, target: Target, url: str, **kwargs: Any) -> Any:
    bench.tally.add(target.endpoint)
    if target.method == "GET":
        query = urlencode(kwargs.pop("data", {}), doseq=True)
        base = url.split("?")[0]
        kept = [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k not in query]
        url = base + "?" + "&".join(filter(None, [urlencode(kept), query]))
        return bench.client.get(url, **kwargs)
    return bench.client.post(url, **kwargs)


def _check(
    bench: Bench,
    target: Target,
    what: str,
    response: Any,
    before: dict[str, int],
    *,
    stored: str | None = None,
    refused: tuple[int, ...] = (),
) -> None:
    """The expectations for one answer; a failure is noted, so that one run shows them all."""
    where = f"{target.role} {target.endpoint} {what}: {response.status_code}"
    body = response.get_data(as_text=True)
    after = corpus.row_counts()
    accepted = response.status_code < 400  # what the request cycle commits
    if response.status_code >= 500:
        bench.failures.append(f"{where}: server error")
    if refused and response.status_code not in refused:
        bench.failures.append(f"{where}: expected one of {refused}")
    if raw := corpus.reflected_markup(body):
        bench.failures.append(f"{where}: {raw!r} reflected unescaped")
    changes = corpus.changed_counts(before, after)
    if changes and not accepted:
        bench.failures.append(f"{where}: refused, yet rows changed {changes}")
    if accepted and stored is not None and (altered := corpus.stored_altered(stored.strip())):
        bench.failures.append(f"{where}: accepted, but stored as {altered[:60]!r}")
    if accepted and stored in corpus.MARKUP and "Location" in response.headers:
        page = bench.client.get(response.headers["Location"])
        if raw := corpus.reflected_markup(page.get_data(as_text=True)):
            bench.failures.append(f"{where}: {raw!r} unescaped on the page after it")
    if target.endpoint in SIGNS_OUT or "/login" in response.headers.get("Location", ""):
        bench.sign_in(target.role)


def _other_id(bench: Bench, role: str, name: str) -> str:
    kind = ID_KINDS.get(name, "client_id")
    return str(bench.parts[role].others.get(kind, NOBODYS))


def _field_attacks(bench: Bench, targets: list[Target]) -> None:
    """Each field of the form with each class of the corpus, once, over the roles in turn."""
    names = list(dict.fromkeys(n for t in targets for n in t.form.names()))
    for i, name in enumerate(names):
        holders = [t for t in targets if name in t.form.names()]
        for k, class_name in enumerate(CLASS_NAMES):
            target = holders[(i + k) % len(holders)]
            value = corpus.pick(class_name, i + k)
            if value == "other":
                value = _other_id(bench, target.role, name)
            field = target.form.get(name)
            before = corpus.row_counts()
            values = target.baseline | {name: value}
            response = _send(
                bench, target, target.url, data=_body(target, values), follow_redirects=False
            )
            text_field = field.kind in ("text", "textarea", "search") and name not in NOT_STORED
            stored = value if class_name in TEXT_CLASSES and text_field else None
            what = f"{name}={class_name}:{value[:30]!r}"
            _check(bench, target, what, response, before, stored=stored)


def _url_id_attacks(bench: Bench, target: Target) -> None:
    """The ids in the URL: another's (404 for a clinician), huge, negative, not a number."""
    match = _endpoint_of(bench.app, target.url, target.method)
    assert match is not None
    rule: Rule = next(r for r in bench.app.url_map.iter_rules(target.endpoint))
    ints = [
        n for n, conv in rule._converters.items() if conv.__class__.__name__ == "RowIdConverter"
    ]
    clinician = target.role in ("therapist", "group_facilitator")
    for name in ints:
        own = match[1][name]
        replacements = [HUGE_ID, "-5", "abc"]
        other = bench.parts[target.role].others.get(name)
        if clinician and other is not None and other != own:
            replacements.insert(0, str(other))
        for value in replacements:
            url = _replace_segment(rule, match[1], name, value)
            before = corpus.row_counts()
            response = _send(bench, target, url, data=_body(target, target.baseline))
            _check(bench, target, f"url {name}={value}", response, before, refused=(403, 404))


def _replace_segment(rule: Rule, values: dict[str, Any], name: str, new: str) -> str:
    path = rule.rule
    for key, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{key}>", new if key == name else str(value), path)
    return path


def _body_attacks(bench: Bench, target: Target) -> None:
    """The form sent as JSON, as malformed JSON, and a body over the limit (413)."""
    before = corpus.row_counts()
    response = _send(bench, target, target.url, json=target.baseline)
    _check(bench, target, "form as JSON", response, before)
    before = corpus.row_counts()
    response = _send(bench, target, target.url, data=b'{"a": [1, ', content_type="application/json")
    _check(bench, target, "malformed JSON", response, before)
    before = corpus.row_counts()
    first = target.form.names()[:1] or ["x"]
    # Encoded here: werkzeug's test client spools a multipart body this big to a temporary
    # file that it never closes (a ResourceWarning that fails the suite).
    body = urlencode(
        corpus.as_data(target.baseline | dict.fromkeys(first, "z" * (BODY_LIMIT + 10))),
        doseq=True,
    )
    if target.method == "GET":
        response = _send(
            bench, target, target.url, data={}, input_stream=BytesIO(b"z" * BODY_LIMIT * 2)
        )
        _check(bench, target, "huge query body", response, before)
        return
    # With the CSRF check on, as in production: it reads every form, so even a route that
    # reads no field of its own answers 413 (the tests' configuration turns the check off).
    bench.app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = _send(
            bench,
            target,
            target.url,
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
    finally:
        bench.app.config["WTF_CSRF_ENABLED"] = False
    _check(bench, target, "huge body", response, before, refused=(413,))


@pytest.mark.parametrize("endpoint", _web_post_endpoints())
def test_every_form_field_survives_the_bad_input_corpus(bench: Bench, endpoint: str) -> None:
    targets = [
        t
        for role in (*ROLES, ANONYMOUS)
        if (t := _target(bench, role, endpoint)) is not None and t.method == "POST"
    ]
    assert targets, f"no page shows a form that posts to {endpoint}: add the way to it"
    _field_attacks(bench, targets)
    for target in targets:
        bench.sign_in(target.role)
        _url_id_attacks(bench, target)
    bench.sign_in(targets[0].role)
    _body_attacks(bench, targets[0])
    assert not bench.failures, "\n".join(bench.failures)


def test_every_search_and_filter_form_survives_the_bad_input_corpus(bench: Bench) -> None:
    """The GET forms: what is typed ends up in the query string."""
    endpoints = sorted(
        {e for role in ROLES for e, p in bench.places(role).items() if _is_get_form(bench, e)}
    )
    assert len(endpoints) >= 3, endpoints  # the client search, the dashboard, the audit logs
    for endpoint in endpoints:
        targets = [
            t for role in ROLES if (t := _target(bench, role, endpoint)) and t.method == "GET"
        ]
        _field_attacks(bench, targets)
    assert not bench.failures, "\n".join(bench.failures)


def _is_get_form(bench: Bench, endpoint: str) -> bool:
    rule = next(bench.app.url_map.iter_rules(endpoint))
    return "POST" not in (rule.methods or set())


def test_the_walk_finds_every_form_of_the_web_pages(bench: Bench) -> None:
    """The corpus reaches a form only through a page that shows it: none may be missed."""
    reached = {e for role in (*ROLES, ANONYMOUS) for e in bench.places(role)}
    missing = set(_web_post_endpoints()) - reached
    assert not missing, f"no page shows a form for {sorted(missing)}"
