from __future__ import annotations

from datetime import datetime
from uuid import UUID

from followthrough.enums import DeliveryStatus, Event
from followthrough.schemas import OutSchema


class DeliveryTap(OutSchema):
    """An answer given through the message's link ("Done from email, 08:03")."""

    choice: str
    """What was chosen: done, partly, not_done, skipped, snooze_15m, snooze_1h, snooze_tonight, encourage."""
    at: datetime
    channel_label: str
    """The channel the message went to, so the tap came through it."""


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
    key_action_title: str | None
    """The key action the message is about; null when it is about none (a digest, a test)."""
    tap: DeliveryTap | None
    """The answer given through the message's link, if any (undone answers are not shown)."""
