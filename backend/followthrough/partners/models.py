from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.ownership import Owned


class Invite(Owned, UUIDv7AuditBase):
    """A single-use link a participant gives to a would-be partner. Only the token's SHA-256 is stored."""

    __tablename__ = "partner_invite"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    mutual: Mapped[bool] = mapped_column(Boolean, default=False)
    """Accepting makes each person the other's partner."""
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    accepted_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None, index=True
    )


class Partnership(Owned, UUIDv7AuditBase):
    """`partner_id` supports `participant_id` and sees what the participant shares. Ending it deletes the row,
    so access ends with the request; either account's deletion ends it too (both foreign keys cascade)."""

    __tablename__ = "partnership"
    __table_args__ = (UniqueConstraint("participant_id", "partner_id", name="uq_partnership_pair"),)

    partner_id: Mapped[UUID] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    invite_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("partner_invite.id", ondelete="SET NULL"), default=None, index=True
    )
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # The participant's side of the scope.
    share_details: Mapped[bool] = mapped_column(Boolean, default=False)
    """Check-in notes and barrier details are shown to this partner."""
    show_email: Mapped[bool] = mapped_column(Boolean, default=False)
    participant_missed_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    """The participant agrees that this partner is told of missed check-ins."""
    # The partner's side.
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    """This person appears in the partner's weekly digest (sent to the partner's digest channels)."""
    partner_missed_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    """The partner wants to hear of this person's missed check-ins."""


class Encouragement(Owned, UUIDv7AuditBase):
    """A short message from a partner to `participant_id`, on a shared key action or check-in (or on the
    person as a whole, from a one-tap link)."""

    __tablename__ = "encouragement"
    __table_args__ = (Index("ix_encouragement_partner_sent", "partner_id", "participant_id", "sent_at"),)

    partner_id: Mapped[UUID] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    key_action_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("key_action.id", ondelete="CASCADE"), default=None, index=True
    )
    check_in_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("check_in.id", ondelete="CASCADE"), default=None, index=True
    )
    message: Mapped[str] = mapped_column(String(280))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    link_nonce: Mapped[str | None] = mapped_column(String(32), default=None, unique=True)
    """The one-tap link it came from: unique, so a replayed link posts nothing."""
