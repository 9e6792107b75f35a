from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from followthrough.schemas import OutSchema


class SnoozeChoice(StrEnum):
    FIFTEEN_MINUTES = "15m"
    ONE_HOUR = "1h"
    TONIGHT = "tonight"
    """20:00 local time, or 08:00 the next morning when it is already past 20:00."""


class SnoozeOut(OutSchema):
    occurrence_id: UUID
    key_action_title: str
    choice: SnoozeChoice
    remind_at: datetime | None
    """When the reminder comes again (a GET: would come, if posted); empty when it will not (no channel
    takes reminders, or already checked in)."""
    time_zone: str
    already_checked_in: bool
    """The occurrence has a check-in: nothing more is sent."""
