"""The facts the rule set is evaluated on, and their parsing from the contract's JSON.

Parsing is strict: bad input is a FactsError naming the field at fault, never a verdict. The
checks follow the last paragraph of the domain contract plus the fields every verdict depends on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from clinic_consent.domain import vocabulary as v

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FactsError(ValueError):
    """Bad input; ``field`` is the path of the field at fault (e.g. ``participants[1].role``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Representative:
    id: str
    name: str | None = None
    relation: str | None = None


@dataclass(frozen=True)
class Participant:
    id: str
    role: str
    birth_date: date | None = None
    has_capacity: bool = True
    representatives: tuple[Representative, ...] = ()


@dataclass(frozen=True)
class Recording:
    made_by: str
    recorder: str
    medium: str
    covert: bool
    public: bool
    scope: str
    purpose: str | None = None
    access_list: tuple[str, ...] = ()
    retention_until: date | None = None


@dataclass(frozen=True)
class ConsentEntry:
    party: str
    decision: str


@dataclass(frozen=True)
class Facts:
    session_kind: str
    session_date: date
    recording: Recording
    participants: tuple[Participant, ...]
    consents: tuple[ConsentEntry, ...] = field(default=())

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.id == participant_id), None)


def parse_facts(data: object) -> Facts:
    """Turn the contract's facts JSON (already decoded) into Facts, or raise FactsError."""
    root = _object(data, "facts")
    session = _object(_required(root, "session", ""), "session")
    kind = _choice(session, "kind", "session.", v.SESSION_KINDS)
    session_date = _date(_required(session, "date", "session."), "session.date")
    participants = _participants(_required(root, "participants", ""), session_date)
    recording = _recording(_object(_required(root, "recording", ""), "recording"))
    consents = _consents(root.get("consents"))
    facts = Facts(kind, session_date, recording, participants, consents)
    _check_coherence(facts)
    return facts


def _participants(raw: object, session_date: date) -> tuple[Participant, ...]:
    items = _list(raw, "participants")
    if not items:
        raise FactsError("participants", "at least one participant is required")
    parsed = tuple(
        _participant(item, f"participants[{i}]", session_date) for i, item in enumerate(items)
    )
    seen: set[str] = set()
    for i, participant in enumerate(parsed):
        if participant.id in seen:
            raise FactsError(
                f"participants[{i}].id", f"duplicate participant id {participant.id!r}"
            )
        seen.add(participant.id)
    return parsed


def _participant(raw: object, path: str, session_date: date) -> Participant:
    obj = _object(raw, path)
    pid = _identifier(obj, "id", f"{path}.")
    role = _choice(obj, "role", f"{path}.", v.PARTICIPANT_ROLES)
    birth_date = None
    if obj.get("birth_date") is not None:
        birth_date = _date(obj["birth_date"], f"{path}.birth_date")
        if birth_date > session_date:
            raise FactsError(f"{path}.birth_date", "is after the session date")
    has_capacity = _boolean(obj, "has_capacity", f"{path}.", default=True)
    reps_raw = obj.get("representatives")
    reps_items = [] if reps_raw is None else _list(reps_raw, f"{path}.representatives")
    representatives: list[Representative] = []
    for j, rep_raw in enumerate(reps_items):
        rep_path = f"{path}.representatives[{j}]"
        rep = _object(rep_raw, rep_path)
        rep_id = _identifier(rep, "id", f"{rep_path}.")
        if rep_id == pid:
            raise FactsError(f"{rep_path}.id", "a participant cannot represent themselves")
        if any(r.id == rep_id for r in representatives):
            raise FactsError(f"{rep_path}.id", f"duplicate representative id {rep_id!r}")
        representatives.append(
            Representative(
                rep_id,
                _optional_text(rep, "name", f"{rep_path}."),
                _optional_text(rep, "relation", f"{rep_path}."),
            )
        )
    return Participant(pid, role, birth_date, has_capacity, tuple(representatives))


def _recording(obj: Mapping[str, Any]) -> Recording:
    p = "recording."
    made_by = _choice(obj, "made_by", p, v.MADE_BY)
    recorder = _identifier(obj, "recorder", p)
    medium = _choice(obj, "medium", p, v.MEDIA)
    covert = _boolean(obj, "covert", p)
    public = _boolean(obj, "public", p)
    scope = _choice(obj, "scope", p, v.SCOPES)
    purpose = obj.get("purpose")
    allowed = (v.CLIENT_PURPOSE,) if made_by == "client" else v.CLINICIAN_PURPOSES
    if purpose is not None and purpose not in allowed:
        raise FactsError(
            "recording.purpose",
            f"a {made_by} recording has purpose {_one_of(allowed)}, not {purpose!r}",
        )
    access_raw = obj.get("access_list")
    access = [] if access_raw is None else _list(access_raw, "recording.access_list")
    for i, entry in enumerate(access):
        if not isinstance(entry, str) or not entry.strip():
            raise FactsError(f"recording.access_list[{i}]", "must be a non-empty text")
    retention_raw = obj.get("retention_until")
    retention = None if retention_raw is None else _date(retention_raw, "recording.retention_until")
    return Recording(
        made_by, recorder, medium, covert, public, scope, purpose, tuple(access), retention
    )


def _consents(raw: object) -> tuple[ConsentEntry, ...]:
    if raw is None:
        return ()
    entries = []
    for i, item in enumerate(_list(raw, "consents")):
        obj = _object(item, f"consents[{i}]")
        party = _identifier(obj, "party", f"consents[{i}].")
        decision = _choice(obj, "decision", f"consents[{i}].", v.DECISIONS)
        entries.append(ConsentEntry(party, decision))
    return tuple(entries)


def _check_coherence(facts: Facts) -> None:
    recording = facts.recording
    recorder = facts.participant(recording.recorder)
    if recorder is None:
        raise FactsError("recording.recorder", f"{recording.recorder!r} is not a participant")
    expected_role = "client" if recording.made_by == "client" else "staff"
    if recorder.role != expected_role:
        raise FactsError(
            "recording.recorder",
            f"a recording made by a {recording.made_by} is made by a participant of role "
            f"{expected_role!r}, and {recorder.id!r} is {recorder.role!r}",
        )
    if facts.session_kind == "individual":
        clients = [p for p in facts.participants if p.role == "client"]
        if len(clients) > 1:
            raise FactsError(
                "participants", "an individual session has one client; use kind 'group'"
            )
    known = {p.id for p in facts.participants}
    known.update(r.id for p in facts.participants for r in p.representatives)
    for i, consent in enumerate(facts.consents):
        if consent.party not in known:
            raise FactsError(
                f"consents[{i}].party",
                f"{consent.party!r} is neither a participant nor a registered representative",
            )


# --- small typed readers; each names the field it rejects -------------------------------------


def _one_of(options: Sequence[str]) -> str:
    return " or ".join(repr(o) for o in options)


def _object(raw: object, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FactsError(path, "must be a JSON object")
    return raw


def _list(raw: object, path: str) -> list[Any]:
    if not isinstance(raw, list):
        raise FactsError(path, "must be a JSON list")
    return raw


def _required(obj: Mapping[str, Any], key: str, prefix: str) -> Any:
    if key not in obj or obj[key] is None:
        raise FactsError(f"{prefix}{key}", "is missing")
    return obj[key]


def _identifier(obj: Mapping[str, Any], key: str, prefix: str) -> str:
    value = _required(obj, key, prefix)
    if not isinstance(value, str) or not value.strip():
        raise FactsError(f"{prefix}{key}", "must be a non-empty text")
    return value


def _choice(obj: Mapping[str, Any], key: str, prefix: str, options: Sequence[str]) -> str:
    value = _required(obj, key, prefix)
    if value not in options:
        raise FactsError(f"{prefix}{key}", f"must be {_one_of(options)}, not {value!r}")
    return str(value)


def _boolean(obj: Mapping[str, Any], key: str, prefix: str, default: bool | None = None) -> bool:
    if default is not None and obj.get(key) is None:
        return default
    value = _required(obj, key, prefix)
    if not isinstance(value, bool):
        raise FactsError(f"{prefix}{key}", f"must be true or false, not {value!r}")
    return value


def _optional_text(obj: Mapping[str, Any], key: str, prefix: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise FactsError(f"{prefix}{key}", "must be a text")
    return value


def _date(raw: object, path: str) -> date:
    if not isinstance(raw, str) or not _ISO_DATE.match(raw):
        raise FactsError(path, f"must be a date written YYYY-MM-DD, not {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FactsError(path, f"{raw!r} is not a real date") from None
