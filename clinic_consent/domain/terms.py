"""R7: a consent is specific to the recording's terms at the time it was given.

Making a recording video, widening its scope or access list, extending its retention, making it
public or changing its purpose needs a new consent; narrowing any of them does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ConsentTerms:
    medium: str
    scope: str
    scope_description: str | None
    public: bool
    purpose: str | None
    access_list: frozenset[str]
    retention_until: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "medium": self.medium,
            "scope": self.scope,
            "scope_description": self.scope_description,
            "public": self.public,
            "purpose": self.purpose,
            "access_list": sorted(self.access_list),
            "retention_until": self.retention_until.isoformat() if self.retention_until else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConsentTerms:
        retention = data.get("retention_until")
        return cls(
            medium=data["medium"],
            scope=data["scope"],
            scope_description=data.get("scope_description"),
            public=bool(data["public"]),
            purpose=data.get("purpose"),
            access_list=frozenset(data.get("access_list") or ()),
            retention_until=date.fromisoformat(retention) if retention else None,
        )


def covers(given: ConsentTerms, now: ConsentTerms) -> bool:
    """Whether a consent given on ``given`` still covers the recording as it is ``now``."""
    medium_ok = now.medium == given.medium or given.medium == "video"
    scope_ok = given.scope == "whole" or (
        now.scope == "partial" and now.scope_description == given.scope_description
    )
    public_ok = given.public or not now.public
    access_ok = now.access_list <= given.access_list
    if given.retention_until is None:
        retention_ok = now.retention_until is None
    else:
        retention_ok = (
            now.retention_until is not None and now.retention_until <= given.retention_until
        )
    return (
        medium_ok
        and scope_ok
        and public_ok
        and now.purpose == given.purpose
        and access_ok
        and retention_ok
    )
