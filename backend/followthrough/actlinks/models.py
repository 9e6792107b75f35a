"""An act link: one per reminder delivery (or per person in a partner digest), answering it without a sign-in.

The token in the message is never stored: only its SHA-256 (`token_hash`), for lookup. The row remembers the
answer given through the link (the tap), so a replayed POST answers the same and the delivery log can say
"Done from email, 08:03".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import column_enum
from followthrough.ownership import Owned


class ActPurpose(StrEnum):
    REMINDER = "reminder"
    """Answer a reminder: check in, or snooze it."""
    ENCOURAGE = "encourage"
    """A partner's one-tap encouragement from their weekly digest."""


class ActLink(Owned, UUIDv7AuditBase):
    """`participant_id` is the delivery's recipient: the person reminded, or the partner who encourages."""

    __tablename__ = "act_link"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token, hex: the token itself exists only in the message."""
    purpose: Mapped[ActPurpose] = mapped_column(column_enum(ActPurpose, "act_purpose"))
    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    occurrence_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), default=None, index=True
    )
    partnership_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), default=None, index=True
    )
    """Encourage links only: ending the partnership deletes the link, so it stops working at once."""
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    choice: Mapped[str | None] = mapped_column(String(16), default=None)
    """The answer given through this link (an `ActChoice` value), until it is undone."""
    answered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    check_in_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("check_in.id", ondelete="SET NULL"), default=None, index=True
    )
    """The check-in this link made (not one made in the app)."""
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    encouragement_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("encouragement.id", ondelete="SET NULL"), default=None, index=True
    )
