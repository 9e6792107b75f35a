from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import ActionStatus, KeyHolder, ScheduleKind, Visibility, column_enum
from followthrough.ownership import Owned


class KeyAction(Owned, UUIDv7AuditBase):
    """A participant's commitment about a barrier: what they will do, when, and who holds its key."""

    __tablename__ = "key_action"

    barrier_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("barrier.id", ondelete="SET NULL"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    """What the participant will do."""
    cue: Mapped[str | None] = mapped_column(String(300), default=None)
    """"When X, I will Y"."""
    key_holder: Mapped[KeyHolder] = mapped_column(column_enum(KeyHolder, "key_holder"), default=KeyHolder.ME)
    key_holder_name: Mapped[str | None] = mapped_column(String(120), default=None)
    own_part: Mapped[str | None] = mapped_column(String(500), default=None)
    """When others hold the key: the part that is in the participant's own hands."""
    schedule_kind: Mapped[ScheduleKind] = mapped_column(column_enum(ScheduleKind, "schedule_kind"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    """Local wall time: the due time of a once action, the first occurrence (DTSTART) of a recurring one."""
    rrule: Mapped[str | None] = mapped_column(String(500), default=None)
    reminder_offsets: Mapped[list[int]] = mapped_column(JsonB, default=list)
    """Minutes before each occurrence at which to remind."""
    status: Mapped[ActionStatus] = mapped_column(
        column_enum(ActionStatus, "action_status"), default=ActionStatus.ACTIVE
    )
    status_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    status_changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    visibility: Mapped[Visibility] = mapped_column(
        column_enum(Visibility, "visibility"), default=Visibility.PRIVATE
    )
    measure_unit: Mapped[str | None] = mapped_column(String(40), default=None)
    measure_target: Mapped[float | None] = mapped_column(Float, default=None)
    occurrences_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """How far occurrences are materialised; they are extended as time passes."""


class KeyActionStatusChange(Owned, UUIDv7AuditBase):
    """Pausing, finishing, dropping or resuming an action, with the participant's reason."""

    __tablename__ = "key_action_status_change"

    key_action_id: Mapped[UUID] = mapped_column(ForeignKey("key_action.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ActionStatus | None] = mapped_column(
        column_enum(ActionStatus, "action_from_status"), default=None
    )
    to_status: Mapped[ActionStatus] = mapped_column(column_enum(ActionStatus, "action_to_status"))
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Occurrence(Owned, UUIDv7AuditBase):
    """One due instance of a key action, materialised so that agendas, progress and reminders are queries.

    `local_date` and `week_start` are fixed in the zone the participant had when the row was made, so
    history keeps its dates when they move, and both databases can group by week without time-zone support.
    """

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("key_action_id", "due_at", name="uq_occurrence_action_due"),
        Index("ix_occurrence_participant_date", "participant_id", "local_date"),
        Index("ix_occurrence_due_at", "due_at"),
    )

    key_action_id: Mapped[UUID] = mapped_column(ForeignKey("key_action.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    local_date: Mapped[date] = mapped_column(Date)
    week_start: Mapped[date] = mapped_column(Date)
    time_zone: Mapped[str] = mapped_column(String(64))
