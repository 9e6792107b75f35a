"""Reading snoozes: a snoozed reminder is a reminder delivery queued again for later under a subject key
`occurrence:<id>:snooze:<link>:<choice>...` (see `reminders.SnoozeService.snooze_occurrence`), one row per
channel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import ScalarSelect

from followthrough.deliveries.models import Delivery
from followthrough.enums import DeliveryStatus, Event

SETTLED = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.MISSED}
)
"""Done with: neither waiting nor being sent."""


def occurrence_key(occurrence_id: UUID | str, suffix: str) -> str:
    """`occurrence:<id>:60` (a reminder an hour before), `occurrence:<id>:nudge`, `...:snooze:<n>:1h`."""
    return f"occurrence:{occurrence_id}:{suffix}"


SNOOZE_KEYS = occurrence_key("%", "snooze:%")
"""A LIKE pattern matching the subject key of every snoozed reminder."""


def snoozed_until(
    occurrence_id: InstrumentedAttribute[UUID], participant_id: InstrumentedAttribute[UUID]
) -> ScalarSelect[Any]:
    """A subquery correlated with the occurrence whose id and participant columns are given: when its
    latest snoozed reminder still waiting to be sent (neither sent nor given up nor skipped) is due, or null.
    Meant as a column of a query over occurrences, so a whole agenda costs no extra round trip."""
    return (
        select(func.max(Delivery.due_at))
        .where(
            Delivery.occurrence_id == occurrence_id,
            Delivery.participant_id == participant_id,
            Delivery.event == Event.REMINDER_DUE,
            Delivery.subject_key.like(SNOOZE_KEYS),
            Delivery.status.not_in(SETTLED),
        )
        .correlate_except(Delivery)
        .scalar_subquery()
    )
