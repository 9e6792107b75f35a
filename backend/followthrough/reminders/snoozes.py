"""Reading snoozes: a snoozed reminder is a reminder delivery queued again for later under a subject key
`occurrence:<id>:snooze:<link>:<choice>...` (see `DeliveryService.snooze_occurrence`), one row per channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.selectable import ScalarSelect

from followthrough.actions.models import Occurrence
from followthrough.enums import Event
from followthrough.reminders.models import Delivery
from followthrough.reminders.services import SETTLED, SNOOZE_KEYS


def snoozed_until() -> ScalarSelect[Any]:
    """A subquery correlated with `Occurrence`: when the latest snoozed reminder of the occurrence still
    waiting to be sent (neither sent nor given up nor skipped) is due, or null. Meant as a column of a query
    over occurrences, so a whole agenda costs no extra round trip."""
    return (
        select(func.max(Delivery.due_at))
        .where(
            Delivery.occurrence_id == Occurrence.id,
            Delivery.participant_id == Occurrence.participant_id,
            Delivery.event == Event.REMINDER_DUE,
            Delivery.subject_key.like(SNOOZE_KEYS),
            Delivery.status.not_in(SETTLED),
        )
        .correlate(Occurrence)
        .scalar_subquery()
    )
