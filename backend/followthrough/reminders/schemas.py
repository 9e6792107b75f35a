from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from followthrough.enums import DeliveryStatus, Event
from followthrough.schemas import OutSchema


class SnoozeChoice(StrEnum):
    FIFTEEN_MINUTES = "15m"
    ONE_HOUR = "1h"
    TONIGHT = "tonight"
    """20:00 local time, or 08:00 the next morning when it is already past 20:00."""


class DeliveryOut(OutSchema):
    id: UUID
    event: Event
    status: DeliveryStatus
    channel_id: UUID
    channel_label: str
    occurrence_id: UUID | None
    attempts: int
    last_error: str | None
    """Already masked: never contains the channel's secret URL."""
    due_at: datetime
    """When it was meant to arrive (after quiet hours and snoozes)."""
    next_attempt_at: datetime | None
    """When a pending or retrying delivery is tried next; empty once it is settled."""
    sent_at: datetime | None
    created_at: datetime


class SnoozeOut(OutSchema):
    occurrence_id: UUID
    key_action_title: str
    choice: SnoozeChoice
    remind_at: datetime | None
    """When the reminder comes again; empty when it will not (no channel takes reminders)."""
    time_zone: str
    already_checked_in: bool
    """The occurrence has a check-in: nothing more is sent."""
