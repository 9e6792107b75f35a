"""A participant's calendar feed: the secret address their calendar app subscribes to.

Calendar apps cannot send a token in a header, so the address itself is the permission. Only the SHA-256 of
its token is stored (`token_hash`), for lookup; the token exists in the answer that made it and in the
person's calendar app. A new address replaces the row, so the old one stops working at once.
"""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.ownership import Owned


class CalendarFeed(Owned, UUIDv7AuditBase):
    """At most one per participant: `created_at` is when its current address was made."""

    __tablename__ = "calendar_feed"
    __table_args__ = (UniqueConstraint("participant_id", name="uq_calendar_feed_participant_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token, hex."""
    token_hint: Mapped[str] = mapped_column(String(8))
    """The token's last characters, so the person can tell which address their calendar app holds."""
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """When a calendar app last read the feed, to the nearest few minutes."""
