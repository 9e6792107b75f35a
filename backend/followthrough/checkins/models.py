from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Date, Float, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import CheckInResult, column_enum
from followthrough.ownership import Owned


class CheckIn(Owned, UUIDv7AuditBase):
    """The participant's report on one occurrence.

    Its id is made by the client, so a replay is stored once.
    """

    __tablename__ = "check_in"
    __table_args__ = (
        # A key action's check-ins; with the measure, the all-time measure totals read the index alone.
        Index("ix_check_in_key_action_measure", "key_action_id", "participant_id", "measure_value"),
    )

    key_action_id: Mapped[UUID] = mapped_column(ForeignKey("key_action.id", ondelete="CASCADE"))
    occurrence_id: Mapped[UUID] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"), unique=True)
    result: Mapped[CheckInResult] = mapped_column(column_enum(CheckInResult, "check_in_result"))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    measure_value: Mapped[float | None] = mapped_column(Float, default=None)
    checked_in_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    weekly_review_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("weekly_review.id", ondelete="SET NULL"), default=None, index=True
    )


class WeeklyReview(Owned, UUIDv7AuditBase):
    """One per local week: the week's check-ins plus short reflections."""

    __tablename__ = "weekly_review"
    __table_args__ = (UniqueConstraint("participant_id", "week_start", name="uq_weekly_review_week"),)

    week_start: Mapped[date] = mapped_column(Date)
    moved: Mapped[str | None] = mapped_column(String(2000), default=None)
    """What moved this week."""
    in_the_way: Mapped[str | None] = mapped_column(String(2000), default=None)
    next_step: Mapped[str | None] = mapped_column(String(2000), default=None)
    confidence: Mapped[int] = mapped_column(SmallInteger)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class UndoneCheckIn(Owned, UUIDv7AuditBase):
    """The id of a check-in the participant undid, kept so that it is never stored again.

    A request can arrive long after it was made (an offline outbox retrying one whose answer was lost); its
    id names what the participant undid, so it is refused as gone instead of reviving the check-in.
    """

    __tablename__ = "undone_check_in"

    key_action_id: Mapped[UUID] = mapped_column(ForeignKey("key_action.id", ondelete="CASCADE"), index=True)
    undone_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class StreakCheckpoint(Owned, UUIDv7AuditBase):
    """A streak's settled part: its best run and the run it ended on, over every step before `settled_before`
    (a local date weeks back). Progress then counts only the steps since, whatever the length of the history.

    Derived data, kept true by database triggers (see the migration `streak_checkpoints`): a change to an
    occurrence or a check-in on a settled day clears `settled_before`, and the next request makes it anew.
    """

    __tablename__ = "streak_checkpoint"
    __table_args__ = (UniqueConstraint("participant_id", "scope", name="uq_streak_checkpoint_scope"),)

    scope: Mapped[str] = mapped_column(String(64))
    """Whose streak: `account`, `account:` and a digest of the key actions shown (a partner's view), or
    `action:` and the key action's id."""
    settled_before: Mapped[date | None] = mapped_column(Date, default=None)
    """Account streaks count local days before this date; null once a change made the checkpoint untrue."""
    settled_before_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Key action streaks count occurrences due before this instant (the start of that day)."""
    best: Mapped[int] = mapped_column(Integer, default=0)
    trailing: Mapped[int] = mapped_column(Integer, default=0)
    """The run of kept steps that ends at the last settled step; 0 when that step was not kept."""
