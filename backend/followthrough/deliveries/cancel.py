"""Settling an occurrence's reminders when it is answered, and bringing them back when the answer is undone:
what the check-ins ask of the delivery queue."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, Exists, exists, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from followthrough.deliveries.models import Delivery
from followthrough.enums import DeliveryStatus, Event

WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
"""Not yet claimed by a worker. One being sent ("sending") is left alone: the worker skips it itself."""
CHECKED_IN = "already checked in"


def _waiting_reminders(of_occurrences: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """The reminders, snoozes and nudges of some occurrences still waiting to be sent."""
    return [of_occurrences, Delivery.event == Event.REMINDER_DUE, Delivery.status.in_(WAITING)]


def has_waiting_reminders(occurrence_id: ColumnElement[UUID] | InstrumentedAttribute[UUID]) -> Exists:
    """Whether `cancel_reminders` would find anything for this occurrence, for a read that wants to know
    before it writes (most occurrences checked in on have nothing waiting)."""
    return exists().where(*_waiting_reminders(Delivery.occurrence_id == occurrence_id))


async def cancel_reminders(
    session: AsyncSession, occurrence_ids: Collection[UUID], now: datetime, reason: str = CHECKED_IN
) -> int:
    """Skip every reminder, snooze and nudge of these occurrences still waiting to be sent; returns how many.
    Done when a check-in is stored, from anywhere, so the delivery log says so at once."""
    if not occurrence_ids:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(*_waiting_reminders(Delivery.occurrence_id.in_(list(occurrence_ids))))
        .values(status=DeliveryStatus.SKIPPED, last_error=reason, lease_owner=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def restore_reminders(session: AsyncSession, occurrence_id: UUID, now: datetime) -> int:
    """Undoing a check-in: the reminders it cancelled that are still ahead wait again."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.occurrence_id == occurrence_id,
            Delivery.event == Event.REMINDER_DUE,
            Delivery.status == DeliveryStatus.SKIPPED,
            Delivery.last_error == CHECKED_IN,
            Delivery.next_attempt_at > now,
        )
        .values(status=DeliveryStatus.PENDING, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
