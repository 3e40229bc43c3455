"""The practice's settings: one row that pages, forms and the R10 check read."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import CheckConstraint, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from clinic_consent.db import Base
from clinic_consent.timeutil import now_utc

# The languages the practice works in: user interface, forms and letters.
LANGUAGES: Final = ("nl", "en")

SETTINGS_ID: Final = 1


class PracticeSettings(Base):
    """The single settings row (its id is always 1, so a second row cannot appear)."""

    __tablename__ = "practice_settings"
    __table_args__ = (
        CheckConstraint(column("id") == SETTINGS_ID, name="single_row"),
        CheckConstraint(column("default_language").in_(LANGUAGES), name="language_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=SETTINGS_ID)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    # AGB code: the Dutch healthcare provider code (8 digits); not every practice has one.
    agb_code: Mapped[str | None] = mapped_column(String(8))
    default_language: Mapped[str] = mapped_column(String(2), default="nl")
    # R10: when the practice confirmed that the waiting-room notice on recording is up.
    waiting_room_notice_confirmed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
