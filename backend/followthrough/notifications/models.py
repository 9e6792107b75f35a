from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC, EncryptedText
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import ChannelKind, column_enum
from followthrough.notifications.keys import channel_key
from followthrough.ownership import Owned


class Channel(Owned, UUIDv7AuditBase):
    """A notification destination. Its URL is a secret: encrypted at rest, shown back only masked."""

    __tablename__ = "channel"

    kind: Mapped[ChannelKind] = mapped_column(column_enum(ChannelKind, "channel_kind"))
    label: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(EncryptedText(key=channel_key))
    """The Apprise URL, or for Web Push the subscription as JSON."""
    masked_url: Mapped[str] = mapped_column(String(500))
    """Apprise's privacy form, kept so lists and logs never need the secret."""
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The `Event` values this channel receives."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    """Why the system disabled it (repeated failures); empty when the owner switched it off."""
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Kind-specific, non-secret details (e.g. the Web Push device's user agent)."""
